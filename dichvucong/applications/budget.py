"""A failure budget per application code, shared by every sender, channel and process.

The per-sender lock in :mod:`dichvucong.applications.lookup` stops one conversation from
guessing; a script that changes its sender id every few guesses is stopped here, because the
budget belongs to the *code*:

- after ``lookup_code_delay_after`` failures within ``lookup_code_delay_window_minutes`` the
  code is throttled: the next attempt is checked only ``lookup_code_delay_seconds`` after the
  last failure, and each further failure doubles that wait;
- after ``lookup_code_lock_after`` failures within ``lookup_code_lock_window_hours`` the code is
  locked: even the right digits reveal nothing, the citizen is sent to the one-stop office and
  staff see the code in the console until an admin lifts the lock.

An attempt is *reserved* before the digits are compared: a failure is recorded in advance with
a conditional UPDATE on the row's ``version`` (atomic on SQLite and PostgreSQL), and given
back when the digits turn out right. So N concurrent requests can never all get a guess, and a
crash between the two steps counts as a failure (the safe side). Unknown codes have a budget
like any other code: nothing tells an attacker which codes exist.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.dates import as_utc
from dichvucong.applications.masking import mask_code
from dichvucong.config import Settings
from dichvucong.db.base import utcnow
from dichvucong.db.models import LookupCodeBudget, SecurityAudit

log = logging.getLogger(__name__)
_RETRIES = 50  # optimistic-concurrency retries; each one means another server just wrote the row


@dataclass(frozen=True)
class BudgetDecision:
    """May the digits be checked now? ``reservation`` is the failure recorded in advance."""

    allowed: bool
    locked: bool = False  # only the one-stop office can help now
    wait_seconds: float = 0.0  # throttled: how long until an attempt is checked again
    reservation: float | None = None


@dataclass(frozen=True)
class BudgetRow:
    """A code staff should know about (the code itself is shown masked)."""

    id: int
    masked_code: str
    failures: int  # within the lock window
    total_failures: int
    first_failure_at: datetime | None
    last_failure_at: datetime | None
    locked_at: datetime | None
    locked: bool  # only the office can help (else: throttled for ``wait_seconds``)
    wait_seconds: float


def _epoch(moment: datetime) -> float:
    return as_utc(moment).timestamp()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


class CodeBudget:
    """Reserve, give back and confirm failures of application codes (see the module doc)."""

    def __init__(
        self, session_factory: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._delay_after = settings.lookup_code_delay_after
        self._delay_window = settings.lookup_code_delay_window_minutes * 60
        self._delay = settings.lookup_code_delay_seconds
        self._lock_after = settings.lookup_code_lock_after
        self._lock_window = settings.lookup_code_lock_window_hours * 3600

    def _now(self) -> float:
        return _epoch(self._clock())

    # --- the rule ---------------------------------------------------------------------------

    def _recent(self, failures: list[float], now: float) -> list[float]:
        return sorted(f for f in failures if f > now - self._lock_window)

    def evaluate(self, failures: list[float], locked_at: datetime | None, now: float) -> BudgetDecision:
        """The decision for a code with these failures (epoch seconds) at ``now``."""
        recent = self._recent(failures, now)
        if locked_at is not None or len(recent) >= self._lock_after:
            return BudgetDecision(False, locked=True)
        k = self._delay_after
        start = next(
            (i for i in range(len(recent) - k + 1) if recent[i + k - 1] - recent[i] <= self._delay_window), None
        )
        if start is None:
            return BudgetDecision(True)
        exponent = len(recent) - start - k
        wait_until = recent[-1] + self._delay * (2**exponent)
        if now < wait_until:
            return BudgetDecision(False, wait_seconds=wait_until - now)
        return BudgetDecision(True)

    # --- reserve / refund / confirm ---------------------------------------------------------

    def reserve(self, code: str) -> BudgetDecision:
        """Record a failure in advance if the budget allows an attempt now (atomic)."""
        for _ in range(_RETRIES):
            now = self._now()
            try:
                with self._factory() as session, session.begin():
                    row = session.scalar(select(LookupCodeBudget).where(LookupCodeBudget.code == code))
                    if row is None:
                        self._prune(session, now)
                        session.add(
                            LookupCodeBudget(
                                code=code, failures=[now], total_failures=1, first_failure_at=_moment(now),
                                last_failure_at=_moment(now), version=1,
                            )
                        )
                        session.flush()
                        return BudgetDecision(True, reservation=now)
                    decision = self.evaluate(list(row.failures or []), row.locked_at, now)
                    if not decision.allowed:
                        return decision
                    failures = [*self._recent(list(row.failures or []), now), now]
                    changed = session.execute(
                        update(LookupCodeBudget)
                        .where(LookupCodeBudget.id == row.id, LookupCodeBudget.version == row.version)
                        .values(
                            failures=failures,
                            total_failures=LookupCodeBudget.total_failures + 1,
                            first_failure_at=row.first_failure_at or _moment(now),
                            last_failure_at=_moment(now),
                            version=row.version + 1,
                        )
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    if changed == 1:
                        return BudgetDecision(True, reservation=now)
            except (IntegrityError, OperationalError):  # another server created or locked the row first
                pass
            time.sleep(0.005)
        log.error("lookup budget for %s stayed contended; attempt refused", mask_code(code))
        return BudgetDecision(False, wait_seconds=self._delay)

    def refund(self, code: str, reservation: float) -> None:
        """The digits were right (or the source was down): take the advance failure back."""
        for _ in range(_RETRIES):
            try:
                with self._factory() as session, session.begin():
                    row = session.scalar(select(LookupCodeBudget).where(LookupCodeBudget.code == code))
                    if row is None or reservation not in (row.failures or []):
                        return
                    failures = list(row.failures)
                    failures.remove(reservation)
                    changed = session.execute(
                        update(LookupCodeBudget)
                        .where(LookupCodeBudget.id == row.id, LookupCodeBudget.version == row.version)
                        .values(
                            failures=failures,
                            total_failures=max((row.total_failures or 1) - 1, 0),
                            last_failure_at=_moment(max(failures)) if failures else None,
                            first_failure_at=row.first_failure_at if failures else None,
                            version=row.version + 1,
                        )
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    if changed == 1:
                        return
            except OperationalError:
                pass
            time.sleep(0.005)

    def confirm(self, code: str) -> bool:
        """The digits were wrong: lock the code once the lock threshold is reached. True if locked."""
        now = self._now()
        with self._factory() as session, session.begin():
            row = session.scalar(select(LookupCodeBudget).where(LookupCodeBudget.code == code))
            if row is None or row.locked_at is not None:
                return row is not None
            if len(self._recent(list(row.failures or []), now)) < self._lock_after:
                return False
            session.execute(
                update(LookupCodeBudget)
                .where(LookupCodeBudget.id == row.id, LookupCodeBudget.locked_at.is_(None))
                .values(locked_at=_moment(now))
                .execution_options(synchronize_session=False)
            )
        log.warning("application code %s locked for online lookup after repeated wrong answers", mask_code(code))
        return True

    def state(self, code: str) -> BudgetDecision:
        """The decision for ``code`` now, without recording anything."""
        with self._factory() as session:
            row = session.scalar(select(LookupCodeBudget).where(LookupCodeBudget.code == code))
        if row is None:
            return BudgetDecision(True)
        return self.evaluate(list(row.failures or []), row.locked_at, self._now())

    def _prune(self, session: Session, now: float) -> None:
        """Forget codes with no failure in the lock window (unless locked): sprays stay small."""
        session.execute(
            delete(LookupCodeBudget).where(
                LookupCodeBudget.locked_at.is_(None),
                LookupCodeBudget.last_failure_at < _moment(now - self._lock_window),
            )
        )

    # --- what staff see and do --------------------------------------------------------------

    def alerts(self) -> list[BudgetRow]:
        """Codes locked, or throttled right now, newest first."""
        now = self._now()
        since = _moment(now - self._lock_window)
        with self._factory() as session:
            rows = session.scalars(
                select(LookupCodeBudget)
                .where((LookupCodeBudget.locked_at.is_not(None)) | (LookupCodeBudget.last_failure_at > since))
                .order_by(LookupCodeBudget.last_failure_at.desc(), LookupCodeBudget.id.desc())
                .limit(500)
            ).all()
        found = []
        for row in rows:
            decision = self.evaluate(list(row.failures or []), row.locked_at, now)
            if decision.allowed:
                continue
            found.append(
                BudgetRow(
                    id=row.id, masked_code=mask_code(row.code), failures=len(self._recent(list(row.failures or []), now)),
                    total_failures=row.total_failures, first_failure_at=row.first_failure_at,
                    last_failure_at=row.last_failure_at, locked_at=row.locked_at, locked=decision.locked,
                    wait_seconds=decision.wait_seconds,
                )
            )
        return found

    def locked_count(self) -> int:
        """How many codes only the office can unlock now (the dashboard banner)."""
        return sum(1 for row in self.alerts() if row.locked)

    def lift(self, row_id: int, username: str, note: str = "") -> str | None:
        """An admin lifts the lock (after checking the citizen's ID); audited. The masked code."""
        now = self._clock()
        with self._factory() as session, session.begin():
            row = session.get(LookupCodeBudget, row_id)
            if row is None:
                return None
            masked = mask_code(row.code)
            detail = f"{len(row.failures or [])} lần sai trong {self._lock_window / 3600:g} giờ; tổng {row.total_failures}"
            session.execute(
                update(LookupCodeBudget)
                .where(LookupCodeBudget.id == row.id)
                .values(
                    failures=[], total_failures=0, locked_at=None, lifted_at=now, lifted_by=username,
                    first_failure_at=None, last_failure_at=None, version=LookupCodeBudget.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            session.add(
                SecurityAudit(
                    username=username, action="lift_code_lock", subject=masked,
                    detail=(detail + (f". Ghi chú: {note}" if note else ""))[:2000], created_at=now,
                )
            )
        log.info("lookup lock of %s lifted by %s", masked, username)
        return masked


def wait_text(seconds: float) -> str:
    """``75`` → ``"2 phút"``; under a minute → ``"N giây"`` (rounded up, never 0)."""
    if seconds < 60:
        return f"{max(1, int(-(-seconds // 1)))} giây"
    minutes = int(-(-seconds // 60))
    if minutes < 120:
        return f"{minutes} phút"
    hours, rest = divmod(minutes, 60)
    return f"{hours} giờ {rest} phút" if rest else f"{hours} giờ"
