"""Whether each background job ran recently: read from ``job_runs`` (console, /health, worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.base import utcnow
from dichvucong.db.models import JobRun
from dichvucong.worker.jobs import LABELS

GRACE_SECONDS = 60.0


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (naive datetimes from the database are UTC)."""
    if moment is None:
        return None
    return moment.isoformat() if moment.tzinfo else moment.isoformat() + "Z"

FAILING_AFTER = 3  # consecutive failed runs


@dataclass
class JobState:
    name: str
    label: str
    interval_seconds: float
    last_success_at: datetime | None
    last_failure_at: datetime | None
    failures: int
    last_error: str
    last_summary: str
    late: bool

    def as_json(self) -> dict[str, object]:
        return {
            "last_success": iso(self.last_success_at),
            "last_failure": iso(self.last_failure_at),
            "failures": self.failures,
            "last_error": self.last_error,
            "last_summary": self.last_summary,
            "interval_seconds": self.interval_seconds,
            "late": self.late,
        }


def is_late(row: JobRun, now: datetime, since: datetime | None = None) -> bool:
    """No success within two intervals (plus a minute) of now, or failing several times in a row."""
    allowed = timedelta(seconds=2 * row.interval_seconds + GRACE_SECONDS)
    reference = row.last_success_at or since or row.last_started_at
    if (row.failures or 0) >= FAILING_AFTER:
        return True
    return reference is not None and _naive(now) - _naive(reference) > allowed


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo (the database's datetimes are naive UTC)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def job_states(session: Session, now: datetime | None = None, since: datetime | None = None) -> list[JobState]:
    """Every job that has run at least once, with whether it is late."""
    now = now or utcnow()
    rows = session.scalars(select(JobRun).order_by(JobRun.name)).all()
    return [
        JobState(
            row.name, LABELS.get(row.name, row.name), row.interval_seconds, row.last_success_at, row.last_failure_at,
            row.failures, row.last_error, row.last_summary, is_late(row, now, since),
        )
        for row in rows
    ]
