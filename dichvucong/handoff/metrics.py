"""Staff time for the review dashboard: handoffs per day, waiting time (median, p90), handled
by the bot alone vs by a person, questions left outside office hours still unanswered."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dichvucong.db.models import Handoff
from dichvucong.handoff.hours import VIETNAM_TZ, as_utc_time


@dataclass
class HandoffFigures:
    requests: int = 0  # handoffs opened in the period
    per_day: list[tuple[str, int]] = field(default_factory=list)
    wait_median_seconds: float | None = None  # request → an agent's first reply (office hours)
    wait_p90_seconds: float | None = None
    handling_median_seconds: float | None = None  # claim → hand-back or close
    by_person: int = 0  # conversations a person answered in
    by_bot: int = 0  # conversations of the period nobody had to answer
    left_questions: int = 0  # left outside office hours in the period
    left_unanswered: int = 0  # still waiting for an answer now (any period)
    cancelled: int = 0  # the citizen went back to the bot before an answer


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 = median of an odd list)."""
    if not values:
        return None
    ordered = sorted(values)
    if share == 0.5:
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def handoff_figures(session: Session, start_ts: float | None, end_ts: float | None, days: list[str], conversations: int) -> HandoffFigures:
    query = select(Handoff)
    if start_ts is not None:
        query = query.where(Handoff.created_at >= datetime.fromtimestamp(start_ts, timezone.utc))
    if end_ts is not None:
        query = query.where(Handoff.created_at < datetime.fromtimestamp(end_ts, timezone.utc))
    rows = list(session.scalars(query))
    figures = HandoffFigures(requests=len(rows))
    counts: dict[str, int] = {}
    waits, handling = [], []
    people: set[str] = set()
    for h in rows:
        day = as_utc_time(h.created_at).astimezone(VIETNAM_TZ).strftime("%Y-%m-%d")
        counts[day] = counts.get(day, 0) + 1
        if h.first_reply_at is not None:
            people.add(h.sender_id)
            if not h.outside_hours:
                waits.append((as_utc_time(h.first_reply_at) - as_utc_time(h.created_at)).total_seconds())
        if h.claimed_at is not None and h.ended_at is not None and h.status in ("returned", "closed"):
            handling.append((as_utc_time(h.ended_at) - as_utc_time(h.claimed_at)).total_seconds())
        if h.outside_hours:
            figures.left_questions += 1
        if h.status == "cancelled":
            figures.cancelled += 1
    figures.per_day = [(d, counts.get(d, 0)) for d in (days or sorted(counts))]
    figures.wait_median_seconds = percentile(waits, 0.5)
    figures.wait_p90_seconds = percentile(waits, 0.9)
    figures.handling_median_seconds = percentile(handling, 0.5)
    figures.by_person = len(people)
    figures.by_bot = max(0, conversations - figures.by_person)
    figures.left_unanswered = int(
        session.scalar(
            select(func.count()).select_from(Handoff).where(
                Handoff.outside_hours.is_(True), Handoff.first_reply_at.is_(None), Handoff.status.in_(("left", "claimed"))
            )
        )
        or 0
    )
    return figures


def minutes_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} giây"
    return f"{seconds / 60:.1f}".replace(".", ",") + " phút"


def csv_rows(figures: HandoffFigures) -> list[list[object]]:
    """Rows for the dashboard CSV (same columns as the rest of it)."""

    def secs(value: float | None) -> str:
        return "" if value is None else f"{value:.0f}"

    group = "Gặp cán bộ"
    rows: list[list[object]] = [
        [group, "Số yêu cầu gặp cán bộ", figures.requests, "", "", ""],
        [group, "Thời gian chờ trung vị (giây)", secs(figures.wait_median_seconds), "", "", "từ lúc yêu cầu đến câu trả lời đầu tiên của cán bộ, trong giờ làm việc"],
        [group, "Thời gian chờ p90 (giây)", secs(figures.wait_p90_seconds), "", "", "90 % người dân chờ không quá"],
        [group, "Thời gian cán bộ xử lý trung vị (giây)", secs(figures.handling_median_seconds), "", "", "từ lúc nhận đến lúc chuyển lại hoặc kết thúc"],
        [group, "Hội thoại trợ lý tự xử lý", figures.by_bot, "", "", "không cần cán bộ trả lời"],
        [group, "Hội thoại có cán bộ trả lời", figures.by_person, "", "", ""],
        [group, "Câu hỏi để lại ngoài giờ", figures.left_questions, "", "", ""],
        [group, "Câu hỏi để lại chưa được trả lời (hiện tại)", figures.left_unanswered, "", "", ""],
        [group, "Người dân quay lại trợ lý ảo trước khi được trả lời", figures.cancelled, "", "", ""],
    ]
    rows += [["Gặp cán bộ theo ngày", day, n, "", "", ""] for day, n in figures.per_day]
    return rows
