"""Times in the database are UTC; officials read them in Vietnam time (UTC+7, no DST)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; treat them as the UTC they were stored as."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def local_time(value: datetime | None, with_seconds: bool = False) -> str:
    """``26/11/2026 18:41`` in Vietnam time; empty for ``None``."""
    if value is None:
        return ""
    pattern = "%d/%m/%Y %H:%M:%S" if with_seconds else "%d/%m/%Y %H:%M"
    return as_utc(value).astimezone(VIETNAM_TZ).strftime(pattern)
