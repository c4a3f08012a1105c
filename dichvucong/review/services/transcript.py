"""One conversation as officials read it: each citizen message with the intent, confidence,
entities and the procedure/FAQ its answer used, the bot's replies and the citizen's ratings.

Read straight from Rasa's events (by ``sender_id``, the table's one index); every text is
masked here, and an original text is only fetched by :func:`original_text` for an audited
"Hiện".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dichvucong.db.models import AnswerFeedback, Faq, Procedure, ReviewAnnotation, ReviewedConversation
from dichvucong.review import events as ev
from dichvucong.review.tracker import EVENTS

MAX_EVENTS = 5000  # a longer conversation shows its latest events
RATING_TOLERANCE = 0.001  # seconds between a rating's answer_timestamp and the bot event


@dataclass
class Rating:
    positive: bool
    created_at: Any


@dataclass
class BotReply:
    kind: ClassVar[str] = "bot"
    event_id: int
    timestamp: float
    text: str  # masked
    buttons: list[str] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    agent: str | None = None  # console username of the staff member who wrote it (live handoff)
    agent_name: str | None = None


@dataclass
class Turn:
    """A citizen message and everything that followed it until the next one."""

    kind: ClassVar[str] = "turn"
    event_id: int
    timestamp: float
    text: str  # masked, payloads named
    is_payload: bool
    intent: str | None
    confidence: float | None
    top_intent: str | None
    entities: list[dict[str, str]]
    channel: str
    procedure_code: str | None = None
    faq_id: str | None = None
    answer_kind: str | None = None
    fallback: bool = False
    asked_human: bool = False
    actions: list[str] = field(default_factory=list)
    replies: list[BotReply] = field(default_factory=list)
    annotation: ReviewAnnotation | None = None
    revealed: str | None = None  # the original text, after an admin's audited "Hiện"

    @property
    def response_seconds(self) -> float | None:
        return self.replies[0].timestamp - self.timestamp if self.replies else None


@dataclass
class SessionStart:
    kind: ClassVar[str] = "session"
    timestamp: float


@dataclass
class Transcript:
    sender_id: str
    items: list[Turn | SessionStart | BotReply]
    reviewed: ReviewedConversation | None
    procedures: dict[str, Procedure]
    faqs: dict[str, Faq]
    unmatched_ratings: list[Rating]
    truncated: bool

    @property
    def turns(self) -> list[Turn]:
        return [item for item in self.items if isinstance(item, Turn)]

    @property
    def channel(self) -> str:
        return next((t.channel for t in reversed(self.turns) if t.channel), "")

    def turn(self, event_id: int) -> Turn | None:
        return next((t for t in self.turns if t.event_id == event_id), None)


def load_transcript(session: Session, tracker: Engine | None, sender_id: str) -> Transcript | None:
    """The conversation of ``sender_id``, or ``None`` when the tracker store has no such sender."""
    if tracker is None:
        return None
    with tracker.connect() as connection:
        rows = connection.execute(
            select(EVENTS).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id.desc()).limit(MAX_EVENTS + 1)
        ).all()
    if not rows:
        return None
    truncated = len(rows) > MAX_EVENTS
    items = build_items(list(reversed(rows[:MAX_EVENTS])))
    unmatched = _attach_ratings(session, sender_id, items)
    _attach_annotations(session, sender_id, items)
    turns = [t for t in items if isinstance(t, Turn)]
    codes = {t.procedure_code for t in turns if t.procedure_code}
    faq_ids = {t.faq_id for t in turns if t.faq_id}
    procedures = {p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(codes)))} if codes else {}
    faqs = {f.external_id: f for f in session.scalars(select(Faq).where(Faq.external_id.in_(faq_ids)))} if faq_ids else {}
    reviewed = session.scalars(select(ReviewedConversation).where(ReviewedConversation.sender_id == sender_id)).first()
    return Transcript(sender_id, items, reviewed, procedures, faqs, unmatched, truncated)


def build_items(rows: list[Any]) -> list[Turn | SessionStart | BotReply]:
    """Events of one sender (oldest first) → session starts, turns with their replies."""
    items: list[Turn | SessionStart | BotReply] = []
    current: Turn | None = None
    for row in rows:
        kind = row.type_name
        if kind == "user":
            message = ev.user_message(ev.load(row.data))
            current = Turn(
                event_id=row.id, timestamp=float(row.timestamp or 0), text=ev.display_text(message.text),
                is_payload=message.is_payload, intent=message.intent, confidence=message.confidence,
                top_intent=message.top_intent, channel=message.channel, fallback=message.fallback,
                asked_human=message.intent == ev.HUMAN_INTENT,
                entities=[{"entity": e["entity"], "value": ev.mask(e["value"])} for e in message.entities],
            )
            items.append(current)
        elif kind == "session_started":
            current = None
            items.append(SessionStart(float(row.timestamp or 0)))
        elif kind == "bot":
            reply = _bot_reply(row)
            if not reply.text and not reply.buttons:
                continue  # a widget marker only ({"handoff": ...}), nothing a citizen saw
            (current.replies if current is not None else items).append(reply)  # type: ignore[arg-type]
        elif current is None:
            continue
        elif kind == "slot" and row.action_name in ev.ANSWER_SLOTS:
            value = ev.load(row.data).get("value")
            if row.action_name == "procedure_code" and value:
                current.procedure_code = str(value)
            elif row.action_name == "faq_id":
                current.faq_id = str(value) if value else None
            elif row.action_name == "last_answer_kind":
                current.answer_kind = str(value) if value else None
        elif kind == "action" and row.action_name and row.action_name != "action_listen":
            current.actions.append(row.action_name)
            if row.action_name == ev.CLARIFY_ACTION:
                current.fallback = True
    return items


def _bot_reply(row: Any) -> BotReply:
    data = ev.load(row.data)
    buttons = ((data.get("data") or {}).get("buttons")) or []
    titles = [str(b.get("title", "")) for b in buttons if isinstance(b, dict)]
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    agent = str(metadata.get("agent") or "") or None
    agent_name = str(metadata.get("agent_name") or "") or None
    return BotReply(row.id, float(row.timestamp or 0), ev.mask(str(data.get("text") or "")), titles, agent=agent, agent_name=agent_name)


def _replies(items: list[Turn | SessionStart | BotReply]) -> list[BotReply]:
    found: list[BotReply] = []
    for item in items:
        if isinstance(item, BotReply):
            found.append(item)
        elif isinstance(item, Turn):
            found.extend(item.replies)
    return found


def _attach_ratings(session: Session, sender_id: str, items: list[Turn | SessionStart | BotReply]) -> list[Rating]:
    feedback = session.scalars(select(AnswerFeedback).where(AnswerFeedback.sender_id == sender_id).order_by(AnswerFeedback.id))
    return match_ratings(items, list(feedback))


def match_ratings(items: list[Turn | SessionStart | BotReply], feedback: list[AnswerFeedback]) -> list[Rating]:
    """Put each 👍/👎 next to the answer it rates (answer_timestamp = the bot event's time);
    returns the ratings that match no answer shown."""
    replies = _replies(items)
    unmatched: list[Rating] = []
    for row in feedback:
        rating = Rating(row.rating > 0, row.created_at)
        target = None
        if row.answer_timestamp is not None and replies:
            target = min(replies, key=lambda r: abs(r.timestamp - row.answer_timestamp))  # type: ignore[operator]
            if abs(target.timestamp - row.answer_timestamp) > RATING_TOLERANCE:
                target = None
        (target.ratings if target is not None else unmatched).append(rating)
    return unmatched


def _attach_annotations(session: Session, sender_id: str, items: list[Turn | SessionStart | BotReply]) -> None:
    by_event = {a.event_id: a for a in session.scalars(select(ReviewAnnotation).where(ReviewAnnotation.sender_id == sender_id))}
    for item in items:
        if isinstance(item, Turn):
            item.annotation = by_event.get(item.event_id)


def original_text(tracker: Engine | None, sender_id: str, event_id: int) -> str | None:
    """The unmasked text of one citizen message (only for an admin's audited "Hiện")."""
    if tracker is None:
        return None
    with tracker.connect() as connection:
        row = connection.execute(
            select(EVENTS.c.data).where(EVENTS.c.id == event_id, EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user")
        ).first()
    return ev.user_message(ev.load(row.data)).text if row else None


def message_event(tracker: Engine | None, sender_id: str, event_id: int) -> tuple[float, ev.UserMessage] | None:
    """Time and content of one citizen message of ``sender_id`` (for annotations)."""
    if tracker is None:
        return None
    with tracker.connect() as connection:
        row = connection.execute(
            select(EVENTS.c.timestamp, EVENTS.c.data).where(
                EVENTS.c.id == event_id, EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user"
            )
        ).first()
    return (float(row.timestamp or 0), ev.user_message(ev.load(row.data))) if row else None
