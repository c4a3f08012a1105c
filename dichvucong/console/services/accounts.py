"""Officials' accounts: creation, and sign-in throttled per username and address (every process)."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.budget import wait_text
from dichvucong.config import Settings
from dichvucong.console.security import (
    HashingBusy,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from dichvucong.console.services.throttle import SignInThrottle, address_key, user_key
from dichvucong.db.base import utcnow
from dichvucong.db.models import CONSOLE_ROLES, ConsoleSession, ConsoleUser, SecurityAudit

log = logging.getLogger(__name__)

ROLE_LABELS = {
    "admin": "Quản trị",
    "editor": "Biên tập",
    "reviewer": "Xem xét",
    "agent": "Hỗ trợ trực tuyến",
}
ROLE_DESCRIPTIONS = {
    "admin": "Quản lý tài khoản; sửa nội dung, nhập/xuất dữ liệu.",
    "editor": "Sửa câu hỏi thường gặp và thủ tục, nhập/xuất dữ liệu.",
    "reviewer": "Chỉ xem nội dung và dùng ô Thử hỏi; không sửa được.",
    "agent": "Trả lời người dân trong Hộp thư hỗ trợ (nhận, trả lời, chuyển lại cho trợ lý ảo); xem nội dung, không sửa được.",
}
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."  # the one answer to every failed sign-in
BUSY_LOGIN = "Hệ thống đang bận, vui lòng thử lại sau ít giây."


class AccountError(ValueError):
    """A request about accounts that cannot be carried out (message in Vietnamese)."""


@dataclass
class LoginResult:
    user: ConsoleUser | None
    error: str | None = None
    status_code: int = 401
    retry_after: int | None = None


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
    SignInThrottle.clear(session, user_key(user.username))
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


def authenticate(
    session: Session, username: str, password: str, settings: Settings, client_address: str = "unknown",
    throttle: SignInThrottle | None = None,
) -> LoginResult:
    """Check a sign-in. The attempt is counted (per username and per address) before the slow
    hash; every failure gets the same message, whether the account exists or not."""
    name = normalize_username(username)[:150]
    keys = [user_key(name), address_key(client_address)]
    throttle = throttle or SignInThrottle(settings)
    decision = throttle.reserve(session, keys)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.wait_seconds))
        return LoginResult(None, throttled_message(wait), status_code=429, retry_after=wait)
    user = find_user(session, name)
    known = user is not None and user.active
    try:
        matched = verify_password(user.password_hash if known else None, password)  # type: ignore[union-attr]
    except HashingBusy:
        throttle.give_back(session, keys)
        return LoginResult(None, BUSY_LOGIN, status_code=503, retry_after=5)
    if not matched or user is None or not known:
        return LoginResult(None, BAD_LOGIN)
    try:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    except HashingBusy:
        pass  # rehash next time
    user.last_login_at = utcnow()
    session.commit()
    throttle.succeeded(session, keys[0], keys[1:])
    return LoginResult(user)


def throttled_message(wait_seconds: int) -> str:
    return (
        f"Đăng nhập sai nhiều lần nên tạm thời phải chờ. Vui lòng thử lại sau {wait_text(wait_seconds)}. "
        "Nếu quên mật khẩu, hãy nhờ quản trị viên đặt lại."
    )


def clear_throttle(session: Session, user: ConsoleUser, admin: str) -> None:
    """An admin lets an account sign in again at once (audited; not committed)."""
    SignInThrottle.clear(session, user_key(user.username))
    user.failed_logins, user.locked_until = 0, None
    session.add(SecurityAudit(username=admin, action="clear_login_throttle", subject=user.username))


def slowed_usernames(session: Session, usernames: list[str], settings: Settings) -> set[str]:
    """Accounts whose sign-in is being slowed down now."""
    found = SignInThrottle(settings).slowed(session, [user_key(name) for name in usernames])
    return {key.split(":", 1)[1] for key in found}


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
