"""Verify a citizen before telling them anything about an application; lock out guessing.

A citizen proves the application is theirs with its code and the last four digits of the
phone number on file. Every attempt is written to ``lookup_attempts``; locks and rate limits
are computed from those rows, so several stateless action servers share them.

- Lock: ``lookup_max_failures`` wrong answers for one (sender, code) within
  ``lookup_lock_minutes`` lock that code for that sender until ``lookup_lock_minutes`` after
  the last of them. A success clears the count. Other senders are not affected.
- Rate limit: a sender who already tried ``lookup_max_codes_per_window`` different codes
  within ``lookup_window_minutes`` cannot try another code until the oldest drops out of the
  window (retrying a code already tried stays possible, within its lock).
- Per-code budget (:mod:`dichvucong.applications.budget`): shared by every sender and
  channel; when it is spent the code is THROTTLED (wait, then try) or CODE_LOCKED (only the
  one-stop office helps), and the digits are not even compared.
- An unknown code and wrong digits give the same MISMATCH: nothing reveals whether a code
  exists. Malformed input (no valid code, digits not exactly four) is also a MISMATCH, audited
  as ``bad_format`` and not counted as a failure.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.budget import CodeBudget
from dichvucong.applications.codes import normalize_code
from dichvucong.applications.dates import as_utc
from dichvucong.applications.records import StatusView
from dichvucong.applications.sources import ApplicationSource, SourceUnavailable
from dichvucong.config import Settings
from dichvucong.db.base import utcnow
from dichvucong.db.models import Application, LookupAttempt, StatusSubscription

VERIFICATION_VALID_FOR = timedelta(minutes=30)
_COUNTED_REASONS = ("ok", "mismatch")  # attempts that actually checked a code
_NO_DIGITS = b"----"  # compared against when there is no application, so both paths do the same work


class LookupOutcome(Enum):
    """What :meth:`StatusLookupService.verify` concluded."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    THROTTLED = "code_throttled"  # the code's budget: wait ``seconds_left``, then try again
    CODE_LOCKED = "code_locked"  # the code's budget is spent: only the one-stop office helps
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class LockState:
    """Whether a sender may try a code now; ``minutes_left`` until the lock or limit ends."""

    locked: bool = False
    rate_limited: bool = False
    minutes_left: int = 0
    attempts_left: int = 0

    @property
    def blocked(self) -> bool:
        return self.locked or self.rate_limited


@dataclass(frozen=True)
class LookupResult:
    """The answer to one verification; ``view`` is set only when VERIFIED.

    After a MISMATCH, ``attempts_left`` says how many tries remain; when it reaches 0 the code
    is now locked and ``minutes_left`` says for how long. LOCKED and RATE_LIMITED carry
    ``minutes_left``; THROTTLED carries ``seconds_left``.
    """

    outcome: LookupOutcome
    code: str
    attempts_left: int | None = None
    minutes_left: int | None = None
    view: StatusView | None = None
    seconds_left: float | None = None


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds() / 60))


class StatusLookupService:
    """Verification, lockout, rate limiting and subscriptions for the status lookup."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        source: ApplicationSource,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session_factory = session_factory
        self._source = source
        self._clock = clock
        self._max_failures = settings.lookup_max_failures
        self._lock = timedelta(minutes=settings.lookup_lock_minutes)
        self._max_codes = settings.lookup_max_codes_per_window
        self._window = timedelta(minutes=settings.lookup_window_minutes)
        self.budget = CodeBudget(session_factory, settings, clock)

    def _now(self) -> datetime:
        return as_utc(self._clock())

    # --- lock state -------------------------------------------------------------------------

    def check_lock(self, sender_id: str, code: str) -> LockState:
        """May ``sender_id`` try ``code`` now? (Read-only; nothing is recorded.)"""
        canonical = normalize_code(code or "") or (code or "").strip().upper()
        with self._session_factory() as session:
            return self._lock_state(session, sender_id, canonical, self._now())

    def _lock_state(self, session: Session, sender_id: str, code: str, now: datetime) -> LockState:
        lock_until = self._lock_until(session, sender_id, code, now)
        if lock_until is not None:
            return LockState(locked=True, minutes_left=_minutes_until(lock_until, now))
        limit_until = self._rate_limit_until(session, sender_id, code, now)
        attempts_left = self._max_failures - len(self._recent_failures(session, sender_id, code, now))
        if limit_until is not None:
            return LockState(rate_limited=True, minutes_left=_minutes_until(limit_until, now), attempts_left=attempts_left)
        return LockState(attempts_left=attempts_left)

    def _failures_since_success(self, session: Session, sender_id: str, code: str, since: datetime) -> list[datetime]:
        rows = session.execute(
            select(LookupAttempt.attempted_at, LookupAttempt.reason, LookupAttempt.succeeded)
            .where(
                LookupAttempt.sender_id == sender_id,
                LookupAttempt.code == code,
                LookupAttempt.attempted_at > since,
            )
            .order_by(LookupAttempt.attempted_at, LookupAttempt.id)
        ).all()
        failures: list[datetime] = []
        for attempted_at, reason, succeeded in rows:
            if succeeded:
                failures.clear()
            elif reason == "mismatch":
                failures.append(as_utc(attempted_at))
        return failures

    def _recent_failures(self, session: Session, sender_id: str, code: str, now: datetime) -> list[datetime]:
        return self._failures_since_success(session, sender_id, code, now - self._lock)

    def _lock_until(self, session: Session, sender_id: str, code: str, now: datetime) -> datetime | None:
        """End of the lock in force, if any: the last failure of a full streak plus the lock time."""
        failures = self._failures_since_success(session, sender_id, code, now - 2 * self._lock)
        until = None
        for index, failure in enumerate(failures):
            streak = sum(1 for earlier in failures[: index + 1] if earlier > failure - self._lock)
            if streak >= self._max_failures and failure + self._lock > now:
                until = failure + self._lock
        return until

    def _rate_limit_until(self, session: Session, sender_id: str, code: str, now: datetime) -> datetime | None:
        """When the sender may try a new code again, if the distinct-code budget is spent."""
        rows = session.execute(
            select(LookupAttempt.code, func.max(LookupAttempt.attempted_at))
            .where(
                LookupAttempt.sender_id == sender_id,
                LookupAttempt.attempted_at > now - self._window,
                LookupAttempt.reason.in_(_COUNTED_REASONS),
                LookupAttempt.code != code,
            )
            .group_by(LookupAttempt.code)
        ).all()
        if len(rows) < self._max_codes:
            return None
        latest = sorted(as_utc(at) for _, at in rows)
        return latest[len(rows) - self._max_codes] + self._window

    # --- verification -----------------------------------------------------------------------

    def _audit(self, sender_id: str, channel: str, code: str, reason: str, now: datetime) -> None:
        with self._session_factory() as session, session.begin():
            session.add(
                LookupAttempt(
                    sender_id=sender_id,
                    channel=channel,
                    code=code[:40],
                    succeeded=reason == "ok",
                    reason=reason,
                    attempted_at=now,
                )
            )

    def verify(self, sender_id: str, channel: str, code: str, phone_last4: str) -> LookupResult:
        """Check the four digits against the application; audited whatever the outcome."""
        now = self._now()
        canonical = normalize_code(code or "")
        digits = (phone_last4 or "").strip()
        if canonical is None:
            self._audit(sender_id, channel, (code or "").strip().upper(), "bad_format", now)
            return LookupResult(LookupOutcome.MISMATCH, (code or "").strip(), attempts_left=self._max_failures)
        with self._session_factory() as session:
            state = self._lock_state(session, sender_id, canonical, now)
        if state.locked:
            self._audit(sender_id, channel, canonical, "locked", now)
            return LookupResult(LookupOutcome.LOCKED, canonical, attempts_left=0, minutes_left=state.minutes_left)
        if state.rate_limited:
            self._audit(sender_id, channel, canonical, "rate_limited", now)
            return LookupResult(LookupOutcome.RATE_LIMITED, canonical, minutes_left=state.minutes_left)
        if len(digits) != 4 or not digits.isdigit():
            self._audit(sender_id, channel, canonical, "bad_format", now)
            return LookupResult(LookupOutcome.MISMATCH, canonical, attempts_left=state.attempts_left)
        budget = self.budget.reserve(canonical)  # a failure is recorded before the digits are compared
        if budget.locked:
            self._audit(sender_id, channel, canonical, "code_locked", now)
            return LookupResult(LookupOutcome.CODE_LOCKED, canonical)
        if not budget.allowed or budget.reservation is None:
            self._audit(sender_id, channel, canonical, "code_throttled", now)
            return LookupResult(LookupOutcome.THROTTLED, canonical, seconds_left=budget.wait_seconds)
        try:
            record = self._source.get(canonical)
        except SourceUnavailable:
            self.budget.refund(canonical, budget.reservation)
            self._audit(sender_id, channel, canonical, "unavailable", now)
            return LookupResult(LookupOutcome.UNAVAILABLE, canonical)
        expected = record.phone_last4().encode() if record is not None else b""
        matched = hmac.compare_digest(expected or _NO_DIGITS, digits.encode()) and bool(expected)
        if matched and record is not None:
            self.budget.refund(canonical, budget.reservation)
            self._audit(sender_id, channel, canonical, "ok", now)
            return LookupResult(LookupOutcome.VERIFIED, canonical, view=record.view())
        self.budget.confirm(canonical)
        self._audit(sender_id, channel, canonical, "mismatch", now)
        left = max(state.attempts_left - 1, 0)
        minutes = math.ceil(self._lock.total_seconds() / 60) if left == 0 else None
        return LookupResult(LookupOutcome.MISMATCH, canonical, attempts_left=left, minutes_left=minutes)

    # --- subscriptions ----------------------------------------------------------------------

    def was_verified(self, sender_id: str, channel: str, code: str) -> bool:
        """True when this sender verified this code on this channel within the last 30 minutes."""
        canonical = normalize_code(code or "")
        if canonical is None:
            return False
        with self._session_factory() as session:
            return self._verified_recently(session, sender_id, channel, canonical, self._now())

    def _verified_recently(self, session: Session, sender_id: str, channel: str, code: str, now: datetime) -> bool:
        found = session.scalar(
            select(LookupAttempt.id)
            .where(
                LookupAttempt.sender_id == sender_id,
                LookupAttempt.channel == channel,
                LookupAttempt.code == code,
                LookupAttempt.succeeded.is_(True),
                LookupAttempt.attempted_at > now - VERIFICATION_VALID_FOR,
            )
            .limit(1)
        )
        return found is not None

    def subscribe(self, sender_id: str, channel: str, code: str) -> bool:
        """Follow the application on ``channel``; only after a recent verification. Idempotent.

        Returns False when the sender has not verified the code in the last 30 minutes, or
        when the application is not in our database (notifications come from imports).
        """
        canonical = normalize_code(code or "")
        if canonical is None:
            return False
        now = self._now()
        try:
            with self._session_factory() as session, session.begin():
                if not self._verified_recently(session, sender_id, channel, canonical, now):
                    return False
                application_id = session.scalar(select(Application.id).where(Application.code == canonical))
                if application_id is None:
                    return False
                subscription = session.scalar(
                    select(StatusSubscription).where(
                        StatusSubscription.application_id == application_id,
                        StatusSubscription.channel == channel,
                        StatusSubscription.recipient_id == sender_id,
                    )
                )
                if subscription is None:
                    session.add(
                        StatusSubscription(
                            application_id=application_id,
                            channel=channel,
                            recipient_id=sender_id,
                            created_at=now,
                            active=True,
                        )
                    )
                else:
                    subscription.active = True
        except IntegrityError:  # the same request raced itself on another server: already there
            return True
        return True

    def unsubscribe(self, sender_id: str, channel: str, code: str) -> bool:
        """Stop following; True when an active subscription was switched off."""
        canonical = normalize_code(code or "")
        if canonical is None:
            return False
        with self._session_factory() as session, session.begin():
            subscription = session.scalar(
                select(StatusSubscription)
                .join(Application, Application.id == StatusSubscription.application_id)
                .where(
                    Application.code == canonical,
                    StatusSubscription.channel == channel,
                    StatusSubscription.recipient_id == sender_id,
                    StatusSubscription.active.is_(True),
                )
            )
            if subscription is None:
                return False
            subscription.active = False
        return True
