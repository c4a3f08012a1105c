"""Server-side console sessions: the browser holds a signed random token, the DB its hash."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dichvucong.console.security import new_token, token_hash
from dichvucong.console.timeutil import as_utc
from dichvucong.db.base import utcnow
from dichvucong.db.models import ConsoleSession, ConsoleUser


def start_session(session: Session, user: ConsoleUser, hours: float) -> str:
    """Create a session for ``user`` (committed) and return the token for the cookie."""
    now = utcnow()
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    token = new_token()
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_secret=secrets.token_urlsafe(24),
            expires_at=now + timedelta(hours=hours),
        )
    )
    session.commit()
    return token


def find_session(session: Session, token: str | None) -> ConsoleSession | None:
    """The live session for ``token`` whose account is still active, else ``None``."""
    if not token:
        return None
    found = session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))
    if found is None or as_utc(found.expires_at) <= utcnow() or not found.user.active:
        return None
    return found


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))
        session.commit()
