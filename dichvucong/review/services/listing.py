"""The list of conversations: filters, keyset paging (newest first), per-row extras.

Reads only OUR summary tables (:mod:`dichvucong.review.services.sync`), so a page costs
the same at the first or the thousandth page: ``(last_ts, id) < cursor ORDER BY last_ts DESC,
id DESC LIMIT n`` on the ``ix_review_conversations_last`` index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from dichvucong.db.models import (
    AnswerFeedback,
    ReviewAnnotation,
    ReviewConversation,
    ReviewedConversation,
    ReviewMessage,
)
from dichvucong.review.services.period import Period

C = ReviewConversation


@dataclass
class ConversationFilter:
    """What the official asked for in the list's form."""

    period: Period = field(default_factory=Period)
    channel: str = ""
    intent: str = ""
    low_confidence: bool = False
    threshold: float = 0.6
    fallback: bool = False
    human: bool = False
    negative: bool = False
    unreviewed: bool = False

    @classmethod
    def from_query(cls, query: dict[str, str], default_threshold: float) -> ConversationFilter:
        def flag(name: str) -> bool:
            return query.get(name, "") in ("1", "on", "true")

        try:
            threshold = float(query.get("threshold") or default_threshold)
        except ValueError:
            threshold = default_threshold
        return cls(
            period=Period.parse(query.get("from"), query.get("to")),
            channel=(query.get("channel") or "").strip()[:50],
            intent=(query.get("intent") or "").strip()[:255],
            low_confidence=flag("low"),
            threshold=min(max(threshold, 0.0), 1.0),
            fallback=flag("fallback"),
            human=flag("human"),
            negative=flag("negative"),
            unreviewed=flag("unreviewed"),
        )

    def params(self) -> dict[str, str]:
        """Query parameters that reproduce this filter (for paging and export links)."""
        values = {**self.period.params(), "channel": self.channel, "intent": self.intent}
        if self.low_confidence:
            values.update(low="1", threshold=f"{self.threshold:g}")
        for name in ("fallback", "human", "negative", "unreviewed"):
            if getattr(self, name):
                values[name] = "1"
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.params())

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.period.start_ts is not None:
            found.append(C.last_ts >= self.period.start_ts)
        if self.period.end_ts is not None:
            found.append(C.first_ts < self.period.end_ts)
        if self.channel:
            found.append(C.channel == self.channel)
        if self.intent:
            found.append(exists().where(ReviewMessage.sender_id == C.sender_id, ReviewMessage.intent == self.intent))
        if self.low_confidence:
            found.append(C.min_confidence < self.threshold)
        if self.fallback:
            found.append(C.fallbacks > 0)
        if self.human:
            found.append(C.human_requests > 0)
        if self.negative:
            found.append(exists().where(AnswerFeedback.sender_id == C.sender_id, AnswerFeedback.rating < 0))
        if self.unreviewed:
            found.append(~exists().where(ReviewedConversation.sender_id == C.sender_id))
        return found


@dataclass(frozen=True)
class Cursor:
    """A position in the newest-first order: (last activity, row id)."""

    last_ts: float
    id: int

    def encode(self) -> str:
        return f"{self.last_ts!r}_{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        try:
            ts, row_id = (value or "").split("_", 1)
            return cls(float(ts), int(row_id))
        except ValueError:
            return None

    @classmethod
    def of(cls, conversation: ReviewConversation) -> Cursor:
        return cls(conversation.last_ts, conversation.id)


@dataclass
class ConversationRow:
    conversation: ReviewConversation
    positive: int = 0
    negative: int = 0
    reviewed: ReviewedConversation | None = None
    annotations: int = 0


@dataclass
class ConversationPage:
    rows: list[ConversationRow]
    total: int
    older: str | None  # cursor for the next (older) page
    newer: str | None  # cursor for the previous (newer) page


def _older_than(cursor: Cursor) -> ColumnElement[bool]:
    return or_(C.last_ts < cursor.last_ts, and_(C.last_ts == cursor.last_ts, C.id < cursor.id))


def _newer_than(cursor: Cursor) -> ColumnElement[bool]:
    return or_(C.last_ts > cursor.last_ts, and_(C.last_ts == cursor.last_ts, C.id > cursor.id))


def list_conversations(
    session: Session, flt: ConversationFilter, size: int, after: str | None = None, before: str | None = None
) -> ConversationPage:
    """One page: after ``after`` (older) or before ``before`` (newer), else the newest."""
    conditions = flt.conditions()
    base: Select[Any] = select(C).where(*conditions)
    before_cursor, after_cursor = Cursor.decode(before), Cursor.decode(after)
    if before_cursor is not None:
        found = list(session.scalars(base.where(_newer_than(before_cursor)).order_by(C.last_ts, C.id).limit(size + 1)))
        has_newer = len(found) > size
        items = list(reversed(found[:size]))
        has_older = True
    else:
        query = base.where(_older_than(after_cursor)) if after_cursor is not None else base
        found = list(session.scalars(query.order_by(C.last_ts.desc(), C.id.desc()).limit(size + 1)))
        has_older = len(found) > size
        items = found[:size]
        has_newer = after_cursor is not None and bool(
            items and session.scalar(select(exists().where(*conditions, _newer_than(Cursor.of(items[0])))))
        )
    total = int(session.scalar(select(func.count()).select_from(C).where(*conditions)) or 0)
    rows = _decorate(session, items)
    return ConversationPage(
        rows=rows,
        total=total,
        older=Cursor.of(items[-1]).encode() if items and has_older else None,
        newer=Cursor.of(items[0]).encode() if items and has_newer else None,
    )


def _decorate(session: Session, items: list[ReviewConversation]) -> list[ConversationRow]:
    """Ratings, the reviewed mark and the number of notes of each conversation on the page."""
    rows = {c.sender_id: ConversationRow(c) for c in items}
    senders = list(rows)
    if not senders:
        return []
    ratings = select(AnswerFeedback.sender_id, AnswerFeedback.rating, func.count()).where(AnswerFeedback.sender_id.in_(senders))
    for sender, rating, count in session.execute(ratings.group_by(AnswerFeedback.sender_id, AnswerFeedback.rating)):
        if rating > 0:
            rows[sender].positive += count
        else:
            rows[sender].negative += count
    for mark in session.scalars(select(ReviewedConversation).where(ReviewedConversation.sender_id.in_(senders))):
        rows[mark.sender_id].reviewed = mark
    notes = select(ReviewAnnotation.sender_id, func.count()).where(ReviewAnnotation.sender_id.in_(senders))
    for sender, count in session.execute(notes.group_by(ReviewAnnotation.sender_id)):
        rows[sender].annotations = count
    return [rows[c.sender_id] for c in items]


def channels(session: Session) -> list[str]:
    """Channels seen so far (rest, socketio, telegram, zalo, ...)."""
    return [c for c in session.scalars(select(C.channel).distinct().order_by(C.channel)) if c]
