"""Office hours per agency, with holidays: when a person can answer in the chat.

Hours are written the way an office posts them, in Vietnam time::

    mon-fri 07:30-11:30,13:30-17:00; sat 07:30-11:30

(days ``mon tue wed thu fri sat sun`` or ``t2 … t7 cn``, ranges with ``-``, lists with ``,``;
``24:00`` ends a day). Holidays are ISO days or ranges ``2026-02-14..2026-02-22``.

Agencies come from ``HANDOFF_AGENCIES_FILE`` (JSON, see ``data/handoff_agencies.json``):
each has a key, a name, its hours, its own extra holidays and the procedure fields (lĩnh vực)
it answers for; the first one (or the one marked ``"default": true``) takes every other
conversation. Without a file there is one agency: ``HANDOFF_AGENCY_NAME`` with
``HANDOFF_OFFICE_HOURS``. ``HANDOFF_HOLIDAYS`` are added to every agency. The file is read
again when it changes, so officials can add a holiday without a restart; a broken file is
refused with the reason (the console does not start, a running process keeps the last good one).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from dichvucong.config import PROJECT_ROOT, Settings
from dichvucong.text.normalize import collapse_spaces, fold

log = logging.getLogger(__name__)

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")  # as dichvucong.console.timeutil (no console import here)

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
        "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6}
DAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
MAX_LOOKAHEAD_DAYS = 400

Hours = dict[int, list[tuple[time, time | None]]]  # weekday → [(start, end)]; end None = midnight


class SettingsError(ValueError):
    """Office hours, holidays or the agencies file cannot be read (the message says why)."""


def _clock(hour: str, minute: str, text: str) -> time | None:
    h, m = int(hour), int(minute)
    if h == 24 and m == 0:
        return None
    if not (0 <= h < 24 and 0 <= m < 60):
        raise SettingsError(f"giờ không hợp lệ trong {text!r}")
    return time(h, m)


def _days(spec: str, text: str) -> list[int]:
    found: list[int] = []
    for part in spec.split(","):
        part = part.strip().lower()
        first, sep, last = part.partition("-")
        if first not in DAYS or (sep and last not in DAYS):
            raise SettingsError(f"ngày không hợp lệ {part!r} trong {text!r} (dùng mon…sun hoặc t2…t7, cn)")
        start, end = DAYS[first], DAYS[last] if sep else DAYS[first]
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        found.extend(span)
    return found


def parse_hours(text: str) -> Hours:
    """``"mon-fri 07:30-11:30,13:30-17:00; sat 07:30-11:30"`` → weekday → time ranges."""
    hours: Hours = {}
    groups = [g.strip() for g in (text or "").split(";") if g.strip()]
    if not groups:
        raise SettingsError("chưa có giờ làm việc")
    for group in groups:
        days_spec, _, ranges_spec = group.partition(" ")
        if not ranges_spec.strip():
            raise SettingsError(f"thiếu khung giờ trong {group!r}")
        ranges: list[tuple[time, time | None]] = []
        for item in ranges_spec.split(","):
            match = _RANGE.match(item.strip())
            if not match:
                raise SettingsError(f"khung giờ không hợp lệ {item.strip()!r} (ví dụ 07:30-11:30)")
            start = _clock(match.group(1), match.group(2), group)
            end = _clock(match.group(3), match.group(4), group)
            if start is None or (end is not None and end <= start):
                raise SettingsError(f"giờ kết thúc phải sau giờ bắt đầu: {item.strip()!r}")
            ranges.append((start, end))
        for day in _days(days_spec, group):
            hours.setdefault(day, []).extend(ranges)
    for ranges in hours.values():
        ranges.sort()
    return hours


def parse_holidays(text: str | list[str]) -> set[date]:
    """``"2026-01-01, 2026-02-14..2026-02-22"`` (or a list of those) → the days."""
    items = text if isinstance(text, list) else (text or "").replace(";", ",").split(",")
    days: set[date] = set()
    for raw in items:
        item = str(raw).strip()
        if not item:
            continue
        first, sep, last = item.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise SettingsError(f"ngày nghỉ không hợp lệ {item!r} (dạng 2026-09-02 hoặc 2026-02-14..2026-02-22)") from None
        if end < start or (end - start).days > 60:
            raise SettingsError(f"khoảng ngày nghỉ không hợp lệ {item!r}")
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return days


def as_utc_time(value: datetime) -> datetime:
    """SQLite returns naive datetimes: they were stored as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _short(t: time | None) -> str:
    return "24:00" if t is None else f"{t.hour}:{t.minute:02d}"


@dataclass(frozen=True)
class Schedule:
    """When an agency answers in the chat (Vietnam time)."""

    hours: Hours
    holidays: frozenset[date] = frozenset()

    def _ranges(self, day: date) -> list[tuple[time, time | None]]:
        return [] if day in self.holidays else self.hours.get(day.weekday(), [])

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(VIETNAM_TZ)
        now = local.time()
        return any(start <= now and (end is None or now < end) for start, end in self._ranges(local.date()))

    def closes_at(self, at: datetime) -> datetime | None:
        """When the current opening ends (None when closed now)."""
        local = at.astimezone(VIETNAM_TZ)
        for start, end in self._ranges(local.date()):
            if start <= local.time() and (end is None or local.time() < end):
                day_end = datetime.combine(local.date() + timedelta(days=1), time(0), VIETNAM_TZ)
                return day_end if end is None else datetime.combine(local.date(), end, VIETNAM_TZ)
        return None

    def next_opening(self, at: datetime) -> datetime | None:
        """The next time the office opens after ``at`` (None: never within a year)."""
        local = at.astimezone(VIETNAM_TZ)
        for offset in range(MAX_LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._ranges(day):
                moment = datetime.combine(day, start, VIETNAM_TZ)
                if moment > local:
                    return moment
        return None

    def describe(self) -> str:
        """``thứ Hai–thứ Sáu 7:30–11:30, 13:30–17:00; thứ Bảy 7:30–11:30`` for citizens."""
        groups: list[tuple[list[int], str]] = []
        for day in range(7):
            ranges = self.hours.get(day)
            if not ranges:
                continue
            label = ", ".join(f"{_short(s)}–{_short(e)}" for s, e in ranges)
            if groups and groups[-1][1] == label and groups[-1][0][-1] == day - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], label))
        parts = []
        for days, label in groups:
            name = DAY_NAMES[days[0]] if len(days) == 1 else f"{DAY_NAMES[days[0]]}–{DAY_NAMES[days[-1]]}"
            parts.append(f"{name} {label}")
        return "; ".join(parts)


def describe_moment(moment: datetime, now: datetime | None = None) -> str:
    """``7:30 sáng thứ Hai, ngày 08/12`` (``hôm nay``/``ngày mai`` when it is)."""
    local = moment.astimezone(VIETNAM_TZ)
    today = (now or datetime.now(VIETNAM_TZ)).astimezone(VIETNAM_TZ).date()
    part = "sáng" if local.hour < 11 else "trưa" if local.hour < 13 else "chiều" if local.hour < 18 else "tối"
    clock = f"{local.hour}:{local.minute:02d} {part}"
    if local.date() == today:
        return f"{clock} hôm nay"
    if local.date() == today + timedelta(days=1):
        return f"{clock} ngày mai ({DAY_NAMES[local.weekday()]}, {local:%d/%m})"
    return f"{clock} {DAY_NAMES[local.weekday()]}, ngày {local:%d/%m}"


@dataclass(frozen=True)
class Agency:
    """An office whose staff answer citizens in the chat."""

    key: str
    name: str
    schedule: Schedule
    fields: frozenset[str] = frozenset()  # folded procedure fields (lĩnh vực) it answers for


@dataclass(frozen=True)
class Agencies:
    default: Agency
    all: tuple[Agency, ...] = field(default=())

    def get(self, key: str | None) -> Agency:
        return next((a for a in self.all if a.key == key), self.default)

    def for_field(self, procedure_field: str | None) -> Agency:
        """The agency answering for a procedure's field; the default one otherwise."""
        folded = _field_key(procedure_field or "")
        if folded:
            for agency in self.all:
                if folded in agency.fields:
                    return agency
        return self.default


def _field_key(value: str) -> str:
    return collapse_spaces(fold(value))


def _agency(raw: Any, extra_holidays: set[date], index: int) -> tuple[Agency, bool]:
    if not isinstance(raw, dict):
        raise SettingsError(f"cơ quan thứ {index + 1} phải là một đối tượng JSON")
    key = str(raw.get("key") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not re.match(r"^[a-z0-9][a-z0-9-]{0,49}$", key):
        raise SettingsError(f"cơ quan thứ {index + 1}: 'key' gồm chữ thường không dấu, số, gạch ngang (tối đa 50)")
    if not name:
        raise SettingsError(f"cơ quan {key!r}: thiếu 'name'")
    try:
        hours = parse_hours(str(raw.get("hours") or ""))
        holidays = parse_holidays(raw.get("holidays") or [])
    except SettingsError as exc:
        raise SettingsError(f"cơ quan {key!r}: {exc}") from None
    fields = raw.get("fields") or []
    if not isinstance(fields, list):
        raise SettingsError(f"cơ quan {key!r}: 'fields' phải là danh sách lĩnh vực")
    schedule = Schedule(hours, frozenset(holidays | extra_holidays))
    return Agency(key, name, schedule, frozenset(_field_key(str(f)) for f in fields if str(f).strip())), bool(raw.get("default"))


def parse_agencies(data: Any, extra_holidays: set[date] | None = None) -> Agencies:
    """The agencies of a parsed JSON document (see the module docstring)."""
    if not isinstance(data, dict) or not isinstance(data.get("agencies"), list) or not data["agencies"]:
        raise SettingsError("tệp cơ quan cần khóa 'agencies' là danh sách không rỗng")
    shared = parse_holidays(data.get("holidays") or []) | (extra_holidays or set())
    agencies, defaults = [], []
    for index, raw in enumerate(data["agencies"]):
        agency, is_default = _agency(raw, shared, index)
        if any(a.key == agency.key for a in agencies):
            raise SettingsError(f"cơ quan {agency.key!r} bị lặp")
        agencies.append(agency)
        if is_default:
            defaults.append(agency)
    if len(defaults) > 1:
        raise SettingsError("chỉ một cơ quan được đánh dấu 'default'")
    return Agencies(defaults[0] if defaults else agencies[0], tuple(agencies))


def _resolve(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


_CACHE: dict[str, tuple[float, Agencies]] = {}
_LOCK = threading.Lock()


def load_agencies(settings: Settings) -> Agencies:
    """The configured agencies; the file is read again when it changed (checked by mtime)."""
    extra = parse_holidays(settings.handoff_holidays)
    if not settings.handoff_agencies_file.strip():
        schedule = Schedule(parse_hours(settings.handoff_office_hours), frozenset(extra))
        agency = Agency("mac-dinh", settings.handoff_agency_name, schedule)
        return Agencies(agency, (agency,))
    path = _resolve(settings.handoff_agencies_file.strip())
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise SettingsError(f"không đọc được tệp cơ quan {path} (HANDOFF_AGENCIES_FILE)") from None
    cache_key = f"{path}|{settings.handoff_holidays}"
    with _LOCK:
        cached = _CACHE.get(cache_key)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            agencies = parse_agencies(json.loads(path.read_text(encoding="utf-8")), extra)
        except (ValueError, SettingsError) as exc:
            if cached:  # a running process keeps the last good version, loudly
                log.error("HANDOFF_AGENCIES_FILE %s is invalid, keeping the previous version: %s", path, exc)
                return cached[1]
            raise SettingsError(f"tệp cơ quan {path}: {exc}") from None
        _CACHE[cache_key] = (mtime, agencies)
        return agencies


def check_handoff_settings(settings: Settings) -> None:
    """Start-up check of the console: a broken agencies file stops it with the reason."""
    if settings.handoff_enabled:
        load_agencies(settings)
