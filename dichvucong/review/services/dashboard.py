"""Figures for the review dashboard, from OUR summary tables and the citizens' ratings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from dichvucong.db.models import AnswerFeedback, Procedure, ReviewMessage
from dichvucong.handoff.metrics import HandoffFigures, csv_rows, handoff_figures
from dichvucong.review import events as ev
from dichvucong.review.services.period import Period

M = ReviewMessage
TOP = 10
TOP_UNANSWERED = 20


@dataclass
class DayFigures:
    day: str
    conversations: int = 0
    messages: int = 0
    fallbacks: int = 0


@dataclass
class Dashboard:
    period: Period
    conversations: int = 0
    messages: int = 0
    typed_messages: int = 0
    contained: int = 0  # conversations answered: no fallback, no "not found", no request for a person
    fallback_messages: int = 0
    human_conversations: int = 0
    ratings_positive: int = 0
    ratings_negative: int = 0
    median_response_seconds: float | None = None
    per_day: list[DayFigures] = field(default_factory=list)
    top_procedures: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, count
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # masked example, count
    handoff: HandoffFigures = field(default_factory=HandoffFigures)  # staff time (live handoff)

    @property
    def containment(self) -> float | None:
        return self.contained / self.conversations if self.conversations else None

    @property
    def fallback_rate(self) -> float | None:
        return self.fallback_messages / self.typed_messages if self.typed_messages else None

    @property
    def ratings(self) -> int:
        return self.ratings_positive + self.ratings_negative

    @property
    def positive_share(self) -> float | None:
        return self.ratings_positive / self.ratings if self.ratings else None


def _in_period(period: Period) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if period.start:
        found.append(M.day >= period.start.isoformat())
    if period.end:
        found.append(M.day <= period.end.isoformat())
    return found


def build_dashboard(session: Session, period: Period) -> Dashboard:
    where = _in_period(period)
    figures = Dashboard(period)
    typed = M.is_payload.is_(False)
    totals = session.execute(
        select(
            func.count(), func.count(distinct(M.sender_id)),
            func.sum(case((typed, 1), else_=0)),
            func.sum(case((typed & M.fallback.is_(True), 1), else_=0)),
        ).where(*where)
    ).one()
    figures.messages, figures.conversations = int(totals[0] or 0), int(totals[1] or 0)
    figures.typed_messages, figures.fallback_messages = int(totals[2] or 0), int(totals[3] or 0)
    flags = (
        select(
            M.sender_id,
            func.max(case((or_(M.fallback.is_(True), M.asked_human.is_(True), M.answer_kind.in_(ev.NOT_ANSWERED_KINDS)), 1), else_=0)).label("bad"),
            func.max(case((M.asked_human.is_(True), 1), else_=0)).label("human"),
        )
        .where(*where)
        .group_by(M.sender_id)
        .subquery()
    )
    contained, human = session.execute(
        select(func.sum(case((flags.c.bad == 0, 1), else_=0)), func.sum(flags.c.human))
    ).one()
    figures.contained, figures.human_conversations = int(contained or 0), int(human or 0)
    figures.per_day = _per_day(session, period, where)
    figures.top_procedures = _top_procedures(session, where)
    figures.unanswered = _unanswered(session, where)
    figures.ratings_positive, figures.ratings_negative = _ratings(session, period)
    figures.median_response_seconds = _median_response(session, where)
    days = [d.isoformat() for d in period.days()]
    figures.handoff = handoff_figures(session, period.start_ts, period.end_ts, days, figures.conversations)
    return figures


def _per_day(session: Session, period: Period, where: list[ColumnElement[bool]]) -> list[DayFigures]:
    rows = session.execute(
        select(M.day, func.count(distinct(M.sender_id)), func.count(), func.sum(case((M.fallback.is_(True), 1), else_=0)))
        .where(*where)
        .group_by(M.day)
        .order_by(M.day)
    ).all()
    found = {day: DayFigures(day, int(c or 0), int(m or 0), int(f or 0)) for day, c, m, f in rows}
    days = [d.isoformat() for d in period.days()] or sorted(found)
    return [found.get(day, DayFigures(day)) for day in days]


def _top_procedures(session: Session, where: list[ColumnElement[bool]]) -> list[tuple[str, str, int]]:
    rows = session.execute(
        select(M.procedure_code, func.count().label("n"))
        .where(*where, M.procedure_code.is_not(None))
        .group_by(M.procedure_code)
        .order_by(func.count().desc(), M.procedure_code)
        .limit(TOP)
    ).all()
    codes = [code for code, _ in rows]
    names = dict(session.execute(select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes))).all()) if codes else {}
    return [(code, names.get(code, ""), int(n)) for code, n in rows]


def _unanswered(session: Session, where: list[ColumnElement[bool]]) -> list[tuple[str, int]]:
    rows = session.execute(
        select(func.min(M.text_masked), func.count().label("n"))
        .where(*where, M.is_payload.is_(False), M.answer_kind.in_(ev.UNANSWERED_KINDS))
        .group_by(M.text_key)
        .order_by(func.count().desc(), func.min(M.text_masked))
        .limit(TOP_UNANSWERED)
    ).all()
    return [(text, int(n)) for text, n in rows]


def _ratings(session: Session, period: Period) -> tuple[int, int]:
    query = select(func.sum(case((AnswerFeedback.rating > 0, 1), else_=0)), func.sum(case((AnswerFeedback.rating < 0, 1), else_=0)))
    if period.start_ts is not None:
        query = query.where(AnswerFeedback.created_at >= datetime.fromtimestamp(period.start_ts, timezone.utc))
    if period.end_ts is not None:
        query = query.where(AnswerFeedback.created_at < datetime.fromtimestamp(period.end_ts, timezone.utc))
    positive, negative = session.execute(query).one()
    return int(positive or 0), int(negative or 0)


def _median_response(session: Session, where: list[ColumnElement[bool]]) -> float | None:
    """Median seconds from a citizen's message to the bot's first reply (SQL, no full load)."""
    answered = [*where, M.response_seconds.is_not(None)]
    count = int(session.scalar(select(func.count()).select_from(M).where(*answered)) or 0)
    if not count:
        return None
    middle = list(
        session.scalars(select(M.response_seconds).where(*answered).order_by(M.response_seconds).offset((count - 1) // 2).limit(2))
    )
    return middle[0] if count % 2 else (middle[0] + middle[1]) / 2


DASHBOARD_CSV_HEADER = ("Nhóm", "Mục", "Giá trị", "Tin nhắn", "Không hiểu", "Ghi chú")


def dashboard_rows(figures: Dashboard) -> list[list[object]]:
    """The figures as CSV rows (see DASHBOARD_CSV_HEADER); shares in percent."""

    def share(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.1f}"

    median = figures.median_response_seconds
    overview: list[tuple[str, object, str]] = [
        ("Từ ngày", figures.period.start.isoformat() if figures.period.start else "", ""),
        ("Đến ngày", figures.period.end.isoformat() if figures.period.end else "", ""),
        ("Số hội thoại", figures.conversations, ""),
        ("Số tin nhắn của người dân", figures.messages, "kể cả bấm nút"),
        ("Tỷ lệ tự giải quyết (%)", share(figures.containment), "không rơi vào không hiểu/không tìm thấy, không đòi gặp cán bộ"),
        ("Tỷ lệ không hiểu (%)", share(figures.fallback_rate), "nlu_fallback hoặc action_clarify, trên tin nhắn gõ"),
        ("Hội thoại đòi gặp cán bộ", figures.human_conversations, ""),
        ("Đánh giá 👍", figures.ratings_positive, ""),
        ("Đánh giá 👎", figures.ratings_negative, ""),
        ("Tỷ lệ hài lòng (%)", share(figures.positive_share), ""),
        ("Thời gian phản hồi trung vị (giây)", "" if median is None else f"{median:.3f}", ""),
    ]
    rows: list[list[object]] = [["Tổng quan", label, value, "", "", note] for label, value, note in overview]
    rows += [["Theo ngày (hội thoại)", d.day, d.conversations, d.messages, d.fallbacks, ""] for d in figures.per_day]
    rows += [["Thủ tục được hỏi nhiều", code, n, "", "", name] for code, name, n in figures.top_procedures]
    rows += [["Câu chưa trả lời được", text, n, "", "", ""] for text, n in figures.unanswered]
    rows += csv_rows(figures.handoff)
    return rows
