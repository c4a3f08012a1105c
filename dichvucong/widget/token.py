"""Signed, expiring widget session tokens (HMAC-SHA256), shared by the console and Rasa.

The console issues a token to a page (``POST /widget/session``); Rasa's web channel
(``connectors/web.py``) verifies it and talks as ``web:<session id>``. A page therefore can
only continue the conversation whose token it holds; it cannot choose a session id.

Format: ``v1.<payload>.<signature>``, both parts base64url without padding; the payload is
compact JSON ``{"sid", "iat", "exp", "born"}`` (seconds since the epoch; ``born`` is when the
session started, kept across renewals so a session cannot be renewed for ever). The
signature is HMAC-SHA256 over ``v1.<payload>`` with ``WIDGET_TOKEN_SECRET``.

Standard library only (Python 3.10 and later): the Rasa environment imports this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

VERSION = "v1"
MIN_SECRET_LENGTH = 32
MAX_TOKEN_LENGTH = 512
DEFAULT_TTL_SECONDS = 24 * 3600
DEFAULT_MAX_SESSION_SECONDS = 7 * 24 * 3600
SESSION_ID_BYTES = 16  # 128 random bits, 32 hex digits
SENDER_PREFIX = "web:"


class TokenError(ValueError):
    """A token that must not be accepted; ``reason`` is ``invalid`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    """What a valid token says."""

    session_id: str
    issued_at: int
    expires_at: int
    born: int

    @property
    def sender_id(self) -> str:
        """The Rasa sender id of this session's conversation."""
        return SENDER_PREFIX + self.session_id


def secret_problems(secret: str) -> list[str]:
    """Why ``secret`` cannot sign tokens (empty when it can)."""
    if not secret:
        return ["WIDGET_TOKEN_SECRET is not set"]
    if len(secret) < MIN_SECRET_LENGTH:
        return [f"WIDGET_TOKEN_SECRET must be at least {MIN_SECRET_LENGTH} characters"]
    return []


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode("ascii"), hashlib.sha256).digest())


class TokenSigner:
    """Issues, renews and verifies widget session tokens with one secret."""

    def __init__(
        self,
        secret: str,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        max_session_seconds: int = DEFAULT_MAX_SESSION_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        problems = secret_problems(secret)
        if problems:
            raise ValueError(problems[0])
        if ttl_seconds < 60 or max_session_seconds < ttl_seconds:
            raise ValueError("token lifetime must be at least a minute and within the session lifetime")
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self.max_session_seconds = max_session_seconds
        self._clock = clock

    def _token(self, session_id: str, born: int) -> tuple[str, Session]:
        now = int(self._clock())
        expires = min(now + self.ttl_seconds, born + self.max_session_seconds)
        session = Session(session_id=session_id, issued_at=now, expires_at=expires, born=born)
        payload = _b64(json.dumps({"sid": session_id, "iat": now, "exp": expires, "born": born}, separators=(",", ":")).encode())
        message = f"{VERSION}.{payload}"
        return f"{message}.{_sign(self._secret, message)}", session

    def issue(self) -> tuple[str, Session]:
        """A token for a brand-new session."""
        return self._token(secrets.token_hex(SESSION_ID_BYTES), int(self._clock()))

    def renew(self, token: str) -> tuple[str, Session]:
        """A fresh token for the same session; raises :class:`TokenError` when ``token`` is not
        valid now or the session is too old to be renewed."""
        session = self.verify(token)
        if int(self._clock()) - session.born >= self.max_session_seconds - 60:
            raise TokenError("expired")
        return self._token(session.session_id, session.born)

    def verify(self, token: str | None) -> Session:
        """The session of a valid, unexpired token; raises :class:`TokenError` otherwise."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("invalid")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise TokenError("invalid")
        message = f"{parts[0]}.{parts[1]}"
        try:
            expected = _sign(self._secret, message)
        except UnicodeEncodeError:
            raise TokenError("invalid") from None
        if not hmac.compare_digest(expected.encode(), parts[2].encode("utf-8", "replace")):
            raise TokenError("invalid")
        try:
            claims = json.loads(_unb64(parts[1]))
            session = Session(
                session_id=str(claims["sid"]),
                issued_at=int(claims["iat"]),
                expires_at=int(claims["exp"]),
                born=int(claims["born"]),
            )
        except (ValueError, KeyError, TypeError):
            raise TokenError("invalid") from None
        if not (len(session.session_id) == 2 * SESSION_ID_BYTES and all(c in "0123456789abcdef" for c in session.session_id)):
            raise TokenError("invalid")
        if self._clock() >= session.expires_at:
            raise TokenError("expired")
        return session
