"""``dvc retention``: delete conversations older than N days — the ONE place that deletes
from Rasa's ``events`` table (an explicit operator command, never the review pages).

A conversation whose last event is older than the cut-off goes entirely. A conversation that
is still going keeps its current Rasa session (the events from its latest ``session_started``
on, which Rasa reads back) and loses only older events before the cut-off. Our summary,
annotations, "reviewed" marks and ratings of what was deleted go too, as do all ratings older
than the cut-off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Connection, case, delete, func, select
from sqlalchemy.orm import Session

from dichvucong.db.models import (
    AnswerFeedback,
    ReviewAnnotation,
    ReviewedConversation,
    ReviewMessage,
    ReviewSyncState,
)
from dichvucong.handoff.retention import delete_handoffs
from dichvucong.review.services.annotations import audit
from dichvucong.review.services.sync import recompute_conversations
from dichvucong.review.tracker import EVENTS, readonly_engine, writable_engine

CHUNK = 500


@dataclass
class RetentionReport:
    days: int
    cutoff: datetime
    dry_run: bool
    conversations_deleted: int = 0  # every event of these went
    conversations_trimmed: int = 0  # older sessions went, the current one stays
    events: int = 0
    messages: int = 0  # rows of our summary
    annotations: int = 0
    ratings: int = 0
    reviewed_marks: int = 0
    handoffs: int = 0  # requests to talk to a person (with their questions, contacts and replies)
    senders: list[str] = field(default_factory=list, repr=False)

    def lines(self) -> list[str]:
        verb = "Sẽ xóa" if self.dry_run else "Đã xóa"
        return [
            f"Thời hạn lưu: {self.days} ngày — xóa những gì trước {self.cutoff.strftime('%Y-%m-%d %H:%M')} UTC.",
            f"{verb} {self.conversations_deleted} hội thoại; rút gọn {self.conversations_trimmed} hội thoại còn hoạt động.",
            f"{verb} {self.events} sự kiện trong kho hội thoại của Rasa (bảng events).",
            f"{verb} {self.messages} dòng tóm tắt, {self.annotations} ghi chú, {self.ratings} đánh giá, "
            f"{self.reviewed_marks} dấu đã xem xét, {self.handoffs} yêu cầu gặp cán bộ.",
        ]


def _boundaries(connection: Connection, cutoff: float) -> dict[str, float]:
    """Sender → delete events with a timestamp below this (math.inf: the whole conversation)."""
    session_start = func.max(case((EVENTS.c.type_name == "session_started", EVENTS.c.timestamp), else_=None))
    rows = connection.execute(
        select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp), session_start)
        .group_by(EVENTS.c.sender_id)
        .having(func.min(EVENTS.c.timestamp) < cutoff)
    ).all()
    found: dict[str, float] = {}
    for sender, last, current_session in rows:
        if last is not None and last < cutoff:
            found[sender] = math.inf
        elif current_session is not None:
            found[sender] = min(cutoff, float(current_session))
    return found


def _event_count(connection: Connection, boundaries: dict[str, float]) -> int:
    whole = [s for s, b in boundaries.items() if b == math.inf]
    total = sum(
        int(connection.scalar(select(func.count()).select_from(EVENTS).where(EVENTS.c.sender_id.in_(chunk))) or 0)
        for chunk in _chunks(whole)
    )
    for sender, boundary in boundaries.items():
        if boundary != math.inf:
            total += int(
                connection.scalar(
                    select(func.count()).select_from(EVENTS).where(EVENTS.c.sender_id == sender, EVENTS.c.timestamp < boundary)
                )
                or 0
            )
    return total


def _delete_events(connection: Connection, boundaries: dict[str, float]) -> None:
    whole = [s for s, b in boundaries.items() if b == math.inf]
    for chunk in _chunks(whole):
        connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
    for sender, boundary in boundaries.items():
        if boundary != math.inf:
            connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender, EVENTS.c.timestamp < boundary))


def run_retention(session: Session, tracker_url: str, days: int, dry_run: bool = False, now: float | None = None) -> RetentionReport:
    """Delete (or, with ``dry_run``, count) what is older than ``days`` days."""
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = (now if now is not None else time.time()) - days * 86400
    report = RetentionReport(days, datetime.fromtimestamp(cutoff, timezone.utc), dry_run)
    reader = readonly_engine(tracker_url)  # None: no tracker store yet, nothing to delete there
    engine = reader if dry_run or reader is None else writable_engine(tracker_url)
    boundaries: dict[str, float] = {}
    if engine is not None:
        with engine.connect() as connection:
            boundaries = _boundaries(connection, cutoff)
            report.events = _event_count(connection, boundaries)
    report.senders = sorted(boundaries)
    report.conversations_deleted = sum(1 for b in boundaries.values() if b == math.inf)
    report.conversations_trimmed = len(boundaries) - report.conversations_deleted
    _our_rows(session, report, boundaries, cutoff)
    if dry_run:
        session.rollback()
        return report
    if engine is not None and boundaries:
        try:
            with engine.begin() as connection:
                _delete_events(connection, boundaries)
                emptied = connection.scalar(select(func.count()).select_from(EVENTS)) == 0
        finally:
            engine.dispose()
        if emptied:  # SQLite then starts ids at 1 again: the summary must read from 0
            state = session.get(ReviewSyncState, 1)
            if state is not None:
                state.high_event_id, state.gaps = 0, {}
    audit(session, "dvc retention", "retention", detail="; ".join(report.lines()))
    session.commit()
    return report


def _our_rows(session: Session, report: RetentionReport, boundaries: dict[str, float], cutoff: float) -> None:
    """Delete our rows about what goes (inside the caller's transaction) and count them."""
    trimmed: list[str] = []
    for sender, boundary in boundaries.items():
        m, a, f = ReviewMessage, ReviewAnnotation, AnswerFeedback
        if boundary == math.inf:
            report.messages += _deleted(session, delete(m).where(m.sender_id == sender))
            report.annotations += _deleted(session, delete(a).where(a.sender_id == sender))
            report.ratings += _deleted(session, delete(f).where(f.sender_id == sender))
            report.reviewed_marks += _deleted(session, delete(ReviewedConversation).where(ReviewedConversation.sender_id == sender))
        else:
            trimmed.append(sender)
            report.messages += _deleted(session, delete(m).where(m.sender_id == sender, m.timestamp < boundary))
            report.annotations += _deleted(session, delete(a).where(a.sender_id == sender, a.event_timestamp < boundary))
            report.ratings += _deleted(session, delete(f).where(f.sender_id == sender, f.answer_timestamp < boundary))
    old = datetime.fromtimestamp(cutoff, timezone.utc)
    report.ratings += _deleted(session, delete(AnswerFeedback).where(AnswerFeedback.created_at < old))
    whole = [sender for sender, boundary in boundaries.items() if boundary == math.inf]
    report.handoffs += delete_handoffs(session, old, whole)
    recompute_conversations(session, sorted(boundaries))


def _deleted(session: Session, statement) -> int:  # type: ignore[no-untyped-def]
    return int(session.execute(statement).rowcount or 0)


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
