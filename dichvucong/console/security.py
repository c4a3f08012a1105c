"""Password hashing (argon2, bounded concurrency), password rules, signed cookies, CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from dichvucong.config import Settings
from dichvucong.console.errors import ConsoleError

log = logging.getLogger(__name__)

SESSION_COOKIE = "dvc_console_session"
CSRF_COOKIE = "dvc_console_csrf"  # per-browser nonce that binds the login form's CSRF token
CSRF_FIELD = "csrf_token"
MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class HashingBusy(ConsoleError):
    """Every hashing slot stayed taken: the request is refused with "thử lại sau" (503)."""

    status_code = 503
    title = "Hệ thống đang bận"

    def __init__(self, message: str = "Hệ thống đang bận, vui lòng thử lại sau ít giây.") -> None:
        super().__init__(message)


class _HashingSlots:
    """At most ``size`` argon2 computations at once (each takes 64 MiB); the rest wait briefly."""

    def __init__(self, size: int = 2, wait_seconds: float = 3.0) -> None:
        self.configure(size, wait_seconds)

    def configure(self, size: int, wait_seconds: float) -> None:
        self._semaphore = threading.BoundedSemaphore(max(1, size))
        self.wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        semaphore = self._semaphore
        if not semaphore.acquire(timeout=self.wait_seconds):
            raise HashingBusy()
        try:
            yield
        finally:
            semaphore.release()


hashing_slots = _HashingSlots()


def configure_hashing(settings: Settings) -> None:
    """Apply CONSOLE_HASH_CONCURRENCY / CONSOLE_HASH_WAIT_SECONDS (at console start-up)."""
    hashing_slots.configure(settings.console_hash_concurrency, settings.console_hash_wait_seconds)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``; raises :class:`HashingBusy` when every slot is taken."""
    with hashing_slots.slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown user is checked against a dummy hash.

    Raises :class:`HashingBusy` when every hashing slot stays taken.
    """
    with hashing_slots.slot():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to allow (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """In the list as typed, in lower case, or once spaces and separators are removed."""
    lowered = password.lower()
    squeezed = "".join(ch for ch in lowered if ch.isalnum() or ch in "@!#")
    common = common_passwords()
    return lowered in common or squeezed in common


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable (Vietnamese), or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự."
    if len(password) > 200:
        return "Mật khẩu quá dài (tối đa 200 ký tự)."
    if password.strip() != password:
        return "Mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng."
    if is_common_password(password) or len(set(password)) < 4:
        return "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ với chữ, số và ký hiệu."
    return None


def resolve_secret_key(settings: Settings) -> str:
    """CONSOLE_SECRET_KEY, or (development only) a random key for this process, with a warning."""
    if settings.console_secret_key:
        return settings.console_secret_key
    if settings.console_env.lower() == "production":
        raise RuntimeError("CONSOLE_SECRET_KEY must be set when CONSOLE_ENV=production.")
    log.warning(
        "CONSOLE_SECRET_KEY is not set: using a random key for this process only "
        "(console sessions end when it restarts and are not shared between processes)."
    )
    return secrets.token_urlsafe(48)


def token_hash(token: str) -> str:
    """What the database stores for a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class TokenSigner:
    """Signs the session cookie and issues/checks CSRF tokens with the console secret."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._cookie = TimestampSigner(secret_key, salt="dvc-console-session")
        self._csrf = URLSafeTimedSerializer(secret_key, salt="dvc-console-csrf")
        self.max_age = max_age_seconds

    def sign_cookie(self, token: str) -> str:
        return self._cookie.sign(token).decode("ascii")

    def unsign_cookie(self, value: str | None) -> str | None:
        """The session token inside a cookie, or ``None`` when missing, forged or too old."""
        if not value:
            return None
        try:
            return self._cookie.unsign(value, max_age=self.max_age).decode("ascii")
        except (BadSignature, UnicodeError):
            return None

    def csrf_token(self, nonce: str) -> str:
        """A token for forms, bound to the session's (or the browser's) nonce."""
        return self._csrf.dumps(nonce)

    def csrf_valid(self, token: str | None, nonce: str | None) -> bool:
        if not token or not nonce:
            return False
        try:
            value = self._csrf.loads(token, max_age=self.max_age)
        except BadSignature:
            return False
        return isinstance(value, str) and hmac.compare_digest(value, nonce)
