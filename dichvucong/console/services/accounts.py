"""Officials' accounts: creation, sign-in with a lockout shared by every console process."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.config import Settings
from dichvucong.console.security import hash_password, needs_rehash, password_problem, verify_password
from dichvucong.console.timeutil import as_utc, local_time
from dichvucong.db.base import utcnow
from dichvucong.db.models import CONSOLE_ROLES, ConsoleSession, ConsoleUser

log = logging.getLogger(__name__)

ROLE_LABELS = {
    "admin": "Quản trị",
    "editor": "Biên tập",
    "reviewer": "Xem xét",
}
ROLE_DESCRIPTIONS = {
    "admin": "Quản lý tài khoản; sửa nội dung, nhập/xuất dữ liệu.",
    "editor": "Sửa câu hỏi thường gặp và thủ tục, nhập/xuất dữ liệu.",
    "reviewer": "Chỉ xem nội dung và dùng ô Thử hỏi; không sửa được.",
}
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


class AccountError(ValueError):
    """A request about accounts that cannot be carried out (message in Vietnamese)."""


@dataclass
class LoginResult:
    user: ConsoleUser | None
    error: str | None = None


def normalize_username(username: str) -> str:
    return username.strip().lower()


def username_problem(username: str) -> str | None:
    if not _USERNAME_RE.match(username):
        return "Tên đăng nhập gồm 3–50 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới."
    return None


def find_user(session: Session, username: str) -> ConsoleUser | None:
    return session.scalar(select(ConsoleUser).where(ConsoleUser.username == normalize_username(username)))


def create_user(session: Session, username: str, password: str, role: str, full_name: str = "") -> ConsoleUser:
    """Add an account (not committed); raises :class:`AccountError` with the reason."""
    username = normalize_username(username)
    problem = username_problem(username) or password_problem(password)
    if problem:
        raise AccountError(problem)
    if role not in CONSOLE_ROLES:
        raise AccountError("Vai trò không hợp lệ.")
    if find_user(session, username) is not None:
        raise AccountError(f"Tên đăng nhập “{username}” đã có người dùng.")
    user = ConsoleUser(
        username=username, password_hash=hash_password(password), role=role, full_name=full_name.strip()[:200]
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: ConsoleUser, password: str) -> None:
    """Change the password, unlock the account and end its other sessions."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_user_sessions(session, user.id)


def end_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))


def active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(ConsoleUser).where(ConsoleUser.role == "admin", ConsoleUser.active.is_(True))
        )
        or 0
    )


def authenticate(session: Session, username: str, password: str, settings: Settings) -> LoginResult:
    """Check a sign-in; wrong passwords count in the database, so every process sees the lock."""
    user = find_user(session, username)
    now = utcnow()
    if user is None or not user.active:
        verify_password(None, password)  # same cost as a real check
        return LoginResult(None, BAD_LOGIN)
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return LoginResult(None, _locked_message(user, settings))
    if verify_password(user.password_hash, password):
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        session.commit()
        return LoginResult(user)
    table = ConsoleUser.__table__
    session.execute(update(table).where(table.c.id == user.id).values(failed_logins=table.c.failed_logins + 1))
    failures = int(session.scalar(select(table.c.failed_logins).where(table.c.id == user.id)) or 0)
    if failures >= settings.console_login_max_failures:
        session.execute(
            update(table)
            .where(table.c.id == user.id)
            .values(failed_logins=0, locked_until=now + timedelta(minutes=settings.console_lockout_minutes))
        )
        session.commit()
        session.refresh(user)
        log.warning("console account %s locked after %d failed logins", user.username, failures)
        return LoginResult(None, _locked_message(user, settings))
    session.commit()
    left = settings.console_login_max_failures - failures
    return LoginResult(None, f"{BAD_LOGIN} Còn {left} lần thử trước khi tài khoản bị tạm khóa.")


def _locked_message(user: ConsoleUser, settings: Settings) -> str:
    until = local_time(user.locked_until) if user.locked_until else ""
    return (
        f"Tài khoản tạm khóa {settings.console_lockout_minutes} phút vì đăng nhập sai "
        f"{settings.console_login_max_failures} lần liên tiếp. Hãy thử lại sau {until} "
        "hoặc nhờ quản trị viên mở khóa."
    )


def ensure_admin_from_env(factory: sessionmaker[Session], settings: Settings) -> str | None:
    """Create the first admin from CONSOLE_ADMIN_USERNAME/PASSWORD when no admin exists yet."""
    if not (settings.console_admin_username and settings.console_admin_password):
        return None
    with factory() as session:
        if active_admins(session) > 0:
            return None
        try:
            user = create_user(session, settings.console_admin_username, settings.console_admin_password, "admin")
            session.commit()
        except AccountError as exc:
            log.error("CONSOLE_ADMIN_USERNAME/CONSOLE_ADMIN_PASSWORD not used: %s", exc)
            return None
        except IntegrityError:  # another console process created it at the same moment
            session.rollback()
            return None
        log.info("console: first admin %s created from the environment", user.username)
        return user.username
