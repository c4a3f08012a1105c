"""The summary of Rasa's tracker store in OUR database, kept current incrementally.

Rasa's ``events`` table has one index (``sender_id``), and the facts the list filters on
(confidence, channel, fallback) live in JSON text. Grouping 100,000 events per request would
parse every row each time, so each citizen message is summarised once into
``review_messages`` (and each conversation into ``review_conversations``), reading only the
events with an id above a high-water mark.

Ids are allocated before commit, so with several Rasa servers on PostgreSQL a lower id can
become visible after a higher one. Ids skipped over are kept as *gaps* and read again on
each sync for ``REVIEW_SYNC_SETTLE_SECONDS``; after that they count as rolled back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, Row, case, delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from dichvucong.db.base import utcnow
from dichvucong.db.models import ReviewConversation, ReviewMessage, ReviewSyncState
from dichvucong.review import events as ev
from dichvucong.review.tracker import EVENTS

log = logging.getLogger(__name__)

BATCH = 5000
MAX_GAP = 10_000  # a jump larger than this in ids is not a gap worth waiting for
SESSION_EVENTS = ("session_started", "action_session_start")
_NEEDS_DATA = EVENTS.c.type_name == "user"
_NEEDS_VALUE = (EVENTS.c.type_name == "slot") & EVENTS.c.action_name.in_(ev.ANSWER_SLOTS)
COLUMNS = (
    EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.action_name,
    case((_NEEDS_DATA | _NEEDS_VALUE, EVENTS.c.data), else_=None).label("data"),
)


@dataclass
class SyncReport:
    events: int = 0
    messages: int = 0
    conversations: int = 0
    high_event_id: int = 0
    rebuilt: bool = False
    skipped: bool = False  # another process was syncing; this one left it to them


def sync(session: Session, tracker: Engine | None, source: str, settle_seconds: float = 10.0) -> SyncReport:
    """Summarise the events added since the last call; commits. Safe to call concurrently."""
    try:
        report = _sync(session, tracker, source, settle_seconds)
        session.commit()
        return report
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        log.warning("review summary not updated this time (%s)", type(exc).__name__)
        return SyncReport(skipped=True)


def _state(session: Session, source: str) -> tuple[ReviewSyncState, bool]:
    state = session.scalars(select(ReviewSyncState).where(ReviewSyncState.id == 1).with_for_update()).first()
    if state is None:
        state = ReviewSyncState(id=1, source=source, high_event_id=0, gaps={})
        session.add(state)
        session.flush()
    rebuilt = state.source != source
    if rebuilt:
        reset(session, state, source)
    return state, rebuilt


def reset(session: Session, state: ReviewSyncState, source: str | None = None) -> None:
    """Forget the summary (annotations and reviewed marks stay); the next sync reads everything."""
    session.execute(delete(ReviewMessage))
    session.execute(delete(ReviewConversation))
    state.high_event_id, state.gaps = 0, {}
    if source is not None:
        state.source = source


def _up_to_date(session: Session, tracker: Engine | None, source: str) -> SyncReport | None:
    """A report when nothing changed since the last sync (checked without locking or writing:
    most page views end here)."""
    state = session.get(ReviewSyncState, 1)
    if state is None or state.source != source or state.gaps:
        return None
    if tracker is None:
        return SyncReport(high_event_id=state.high_event_id)
    with tracker.connect() as connection:
        max_id = connection.scalar(select(func.max(EVENTS.c.id))) or 0
    return SyncReport(high_event_id=state.high_event_id) if max_id == state.high_event_id else None


def _sync(session: Session, tracker: Engine | None, source: str, settle_seconds: float) -> SyncReport:
    unchanged = _up_to_date(session, tracker, source)
    if unchanged is not None:
        return unchanged
    state, rebuilt = _state(session, source)
    if tracker is None:
        return SyncReport(high_event_id=state.high_event_id, rebuilt=rebuilt)
    now = time.time()
    builder = _Builder(session)
    with tracker.connect() as connection:
        max_id = connection.scalar(select(func.max(EVENTS.c.id))) or 0
        if max_id < state.high_event_id:  # the store was emptied or replaced
            reset(session, state)
            rebuilt = True
        gaps = {int(k): float(v) for k, v in (state.gaps or {}).items()}
        if gaps:
            late = connection.execute(select(*COLUMNS).where(EVENTS.c.id.in_(list(gaps))).order_by(EVENTS.c.id)).all()
            for row in late:
                gaps.pop(row.id, None)
                builder.handle(row)
        high = state.high_event_id
        while True:
            rows = connection.execute(select(*COLUMNS).where(EVENTS.c.id > high).order_by(EVENTS.c.id).limit(BATCH)).all()
            for row in rows:
                if 1 < row.id - high <= MAX_GAP:
                    gaps.update({missing: now for missing in range(high + 1, row.id)})
                builder.handle(row)
                high = row.id
            if len(rows) < BATCH:
                break
    conversations = builder.finish()
    kept = {str(k): v for k, v in gaps.items() if v > now - settle_seconds}
    if high != state.high_event_id or kept != (state.gaps or {}) or builder.events:
        state.high_event_id, state.gaps, state.updated_at = high, kept, utcnow()
    return SyncReport(builder.events, builder.messages, conversations, high, rebuilt)


class _Builder:
    """Turns event rows (in id order per sender) into message rows."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.latest: dict[str, ReviewMessage | None] = {}
        self.touched: set[str] = set()
        self.events = 0
        self.messages = 0

    def handle(self, row: Row) -> None:
        self.events += 1
        kind, sender = row.type_name, row.sender_id
        if kind == "user":
            self._add_message(row)
        elif kind in SESSION_EVENTS:
            self.latest[sender] = None  # slots carried into a new session belong to no message
        elif kind == "bot":
            message = self._current(sender, row.id)
            if message is not None:
                message.bot_replies += 1
                if message.response_seconds is None and row.timestamp is not None:
                    message.response_seconds = max(0.0, float(row.timestamp) - message.timestamp)
        elif kind == "slot" and row.action_name in ev.ANSWER_SLOTS:
            message = self._current(sender, row.id)
            if message is not None:
                _apply_slot(message, row.action_name, ev.load(row.data).get("value"))
        elif kind == "action" and row.action_name == ev.CLARIFY_ACTION:
            message = self._current(sender, row.id)
            if message is not None:
                message.fallback = True

    def _add_message(self, row: Row) -> None:
        data = ev.load(row.data)
        parsed = ev.user_message(data)
        timestamp = float(row.timestamp if row.timestamp is not None else data.get("timestamp") or 0.0)
        masked = ev.mask(parsed.text)
        message = ReviewMessage(
            event_id=row.id, sender_id=row.sender_id, timestamp=timestamp, day=ev.day_of(timestamp),
            channel=parsed.channel[:50], text_masked=masked, text_key="" if parsed.is_payload else ev.text_key(masked),
            is_payload=parsed.is_payload, intent=parsed.intent, confidence=parsed.confidence, top_intent=parsed.top_intent,
            entities=[{"entity": e["entity"], "value": ev.mask(e["value"])} for e in parsed.entities],
            fallback=parsed.fallback, asked_human=parsed.intent == ev.HUMAN_INTENT, bot_replies=0,
        )
        self.session.add(message)
        self.latest[row.sender_id] = message
        self.touched.add(row.sender_id)
        self.messages += 1

    def _current(self, sender: str, event_id: int) -> ReviewMessage | None:
        """The sender's message this event follows (None after a session start)."""
        if sender not in self.latest:
            self.latest[sender] = self.session.scalars(
                select(ReviewMessage)
                .where(ReviewMessage.sender_id == sender, ReviewMessage.event_id < event_id)
                .order_by(ReviewMessage.event_id.desc())
                .limit(1)
            ).first()
        message = self.latest[sender]
        if message is not None:
            self.touched.add(sender)
        return message

    def finish(self) -> int:
        self.session.flush()
        return recompute_conversations(self.session, sorted(self.touched))


def _apply_slot(message: ReviewMessage, name: str, value: object) -> None:
    text = None if value is None else str(value)
    if name == "procedure_code":
        if text:
            message.procedure_code = text[:32]
    elif name == "faq_id":
        message.faq_id = text[:100] if text else None
    elif name == "last_answer_kind":
        message.answer_kind = text[:20] if text else None


def recompute_conversations(session: Session, senders: Sequence[str]) -> int:
    """Rebuild the conversation rows of ``senders`` from their messages (deleting emptied ones)."""
    done = 0
    for chunk in _chunks(senders, 500):
        existing = {c.sender_id: c for c in session.scalars(select(ReviewConversation).where(ReviewConversation.sender_id.in_(chunk)))}
        rows = session.execute(
            select(
                ReviewMessage.sender_id, ReviewMessage.timestamp, ReviewMessage.channel, ReviewMessage.text_masked,
                ReviewMessage.is_payload, ReviewMessage.fallback, ReviewMessage.asked_human, ReviewMessage.confidence,
            )
            .where(ReviewMessage.sender_id.in_(chunk))
            .order_by(ReviewMessage.sender_id, ReviewMessage.event_id)
        ).all()
        grouped: dict[str, list[Row]] = {}
        for row in rows:
            grouped.setdefault(row.sender_id, []).append(row)
        for sender in chunk:
            messages = grouped.get(sender)
            conversation = existing.get(sender)
            if not messages:
                if conversation is not None:
                    session.delete(conversation)
                continue
            if conversation is None:
                conversation = ReviewConversation(sender_id=sender)
                session.add(conversation)
            _fill(conversation, messages)
            done += 1
    session.flush()
    return done


def _fill(conversation: ReviewConversation, messages: list[Row]) -> None:
    typed = [m for m in messages if not m.is_payload]
    confidences = [m.confidence for m in typed if m.confidence is not None]
    channels = [m.channel for m in messages if m.channel]
    conversation.first_ts = messages[0].timestamp
    conversation.last_ts = max(m.timestamp for m in messages)
    conversation.messages = len(messages)
    conversation.fallbacks = sum(1 for m in messages if m.fallback)
    conversation.human_requests = sum(1 for m in messages if m.asked_human)
    conversation.min_confidence = min(confidences) if confidences else None
    conversation.channel = channels[-1] if channels else ""
    conversation.preview = (typed[0].text_masked if typed else ev.display_text(messages[0].text_masked))[:300]


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
