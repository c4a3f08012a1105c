"""Sign-in throttle per username and per client address, shared by every console process.

Each failed sign-in counts for the key ``user:<username>`` (whether or not the account exists,
so the throttle tells nothing about which accounts exist) and for ``addr:<client address>``.
After the free failures, an attempt is checked only once a wait has passed since the last
failure; the wait doubles with each further failure up to a ceiling, and the count is forgotten
after CONSOLE_LOGIN_FORGET_MINUTES without a failure. An admin is slowed, never locked out
for good.

The attempt is recorded *before* the slow password hash, in one transaction guarded by a
conditional UPDATE on each row's ``version``: N simultaneous requests cannot all get a guess.
A right password gives its attempt back (and clears the username's count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from dichvucong.config import Settings
from dichvucong.console.timeutil import as_utc
from dichvucong.db.base import utcnow
from dichvucong.db.models import LoginThrottle

_RETRIES = 50


class _Conflict(Exception):
    """Another request changed a row between our read and our write: try again."""


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    wait_seconds: float = 0.0


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()[:150]}"


def address_key(address: str) -> str:
    return f"addr:{address[:150]}"


class SignInThrottle:
    """Reserve an attempt for (username, address) before hashing; give it back on success."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._free = {"user": settings.console_login_free_failures, "addr": settings.console_login_address_free_failures}
        self._delay = settings.console_login_delay_seconds
        self._max_delay = settings.console_login_max_delay_seconds
        self._forget = timedelta(minutes=settings.console_login_forget_minutes)

    def _wait(self, row: LoginThrottle | None, now: datetime) -> tuple[int, float]:
        """(failures still remembered, seconds to wait before the next attempt)."""
        if row is None or row.last_failure_at is None or as_utc(row.last_failure_at) <= now - self._forget:
            return 0, 0.0
        free = self._free[row.key.split(":", 1)[0]]
        if row.failures < free:
            return row.failures, 0.0
        delay = min(self._delay * 2 ** (row.failures - free), self._max_delay)
        left = (as_utc(row.last_failure_at) + timedelta(seconds=delay) - now).total_seconds()
        return row.failures, max(left, 0.0)

    def reserve(self, session: Session, keys: list[str]) -> ThrottleDecision:
        """Count a failure for every key in advance, unless one of them must wait (committed)."""
        for _ in range(_RETRIES):
            now = as_utc(self._clock())
            try:
                decision = self._try_reserve(session, keys, now)
                session.commit()
                return decision
            except (_Conflict, IntegrityError, OperationalError):
                session.rollback()
                time.sleep(0.005)
        return ThrottleDecision(False, self._delay)

    def _try_reserve(self, session: Session, keys: list[str], now: datetime) -> ThrottleDecision:
        rows = {row.key: row for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}
        waits = [self._wait(rows.get(key), now) for key in keys]
        longest = max(wait for _, wait in waits)
        if longest > 0:
            session.rollback()
            return ThrottleDecision(False, longest)
        for key, (remembered, _) in zip(keys, waits, strict=True):
            row = rows.get(key)
            if row is None:
                session.add(LoginThrottle(key=key, failures=1, first_failure_at=now, last_failure_at=now, version=1))
                session.flush()
                continue
            changed = session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.id == row.id, LoginThrottle.version == row.version)
                .values(
                    failures=remembered + 1,
                    first_failure_at=row.first_failure_at if remembered else now,
                    last_failure_at=now,
                    version=row.version + 1,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                raise _Conflict()
        return ThrottleDecision(True)

    def succeeded(self, session: Session, username_key: str, other_keys: list[str]) -> None:
        """Right password: the username's count is cleared, the address gets its attempt back."""
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == username_key))
        for key in other_keys:
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1, version=LoginThrottle.version + 1)
                .execution_options(synchronize_session=False)
            )
        session.commit()

    def give_back(self, session: Session, keys: list[str]) -> None:
        """The password could not be checked (server busy): the attempt does not count."""
        self.succeeded(session, "", keys)

    def slowed(self, session: Session, keys: list[str]) -> dict[str, float]:
        """Keys that must wait now, with the seconds left (the accounts page shows them)."""
        now = as_utc(self._clock())
        rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
        found = {}
        for row in rows:
            remembered, wait = self._wait(row, now)
            if remembered >= self._free[row.key.split(":", 1)[0]]:
                found[row.key] = wait
        return found

    @staticmethod
    def clear(session: Session, key: str) -> None:
        """An admin lifts the throttle of one account (not committed)."""
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
