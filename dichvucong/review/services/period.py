"""Date ranges officials pick (Vietnam days) as Unix-time bounds of tracker events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dichvucong.console.timeutil import VIETNAM_TZ

MAX_DAYS = 731  # charts and CSVs cover at most two years at a time


def today() -> date:
    return datetime.now(VIETNAM_TZ).date()


def parse_day(value: str | None) -> date | None:
    """``2026-11-26`` → a date; anything else → ``None``."""
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def day_start(day: date) -> float:
    """Unix time of 00:00 Vietnam time on ``day``."""
    return datetime.combine(day, time(0), VIETNAM_TZ).timestamp()


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included; either may be open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, date_from: str | None, date_to: str | None, default_days: int | None = None) -> Period:
        start, end = parse_day(date_from), parse_day(date_to)
        if default_days is not None and start is None and end is None:
            end = today()
            start = end - timedelta(days=default_days - 1)
        if start and end and start > end:
            start, end = end, start
        return cls(start, end)

    @property
    def start_ts(self) -> float | None:
        return day_start(self.start) if self.start else None

    @property
    def end_ts(self) -> float | None:
        """Exclusive: 00:00 of the day after ``end``."""
        return day_start(self.end + timedelta(days=1)) if self.end else None

    def days(self) -> list[date]:
        """Every day of a closed period (at most MAX_DAYS, the latest ones)."""
        if not self.start or not self.end:
            return []
        count = min((self.end - self.start).days + 1, MAX_DAYS)
        return [self.end - timedelta(days=count - 1 - i) for i in range(count)]

    def params(self) -> dict[str, str]:
        return {"from": self.start.isoformat() if self.start else "", "to": self.end.isoformat() if self.end else ""}
