"""Dates of applications: stored in UTC, read and shown in Vietnam time (UTC+7, no DST)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$")


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values (SQLite returns them) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_datetime(value: str) -> datetime:
    """Read ISO (``2026-11-20``, ``2026-11-20T08:30+07:00``) or ``dd/mm/yyyy [HH:MM]``.

    Without an offset the time is Vietnam time; the result is in UTC. Raises ValueError.
    """
    text = (value or "").strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"ngày “{text}” không hợp lệ (dùng dd/mm/yyyy [HH:MM] hoặc yyyy-mm-dd)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM_TZ)
    return parsed.astimezone(timezone.utc)


def format_date(value: datetime) -> str:
    """``dd/mm/yyyy`` in Vietnam time."""
    return as_utc(value).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
