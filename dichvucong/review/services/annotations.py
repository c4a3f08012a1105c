"""Officials' notes on citizen messages, "reviewed" marks and the audit log (our database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from dichvucong.db.base import utcnow
from dichvucong.db.models import ReviewAnnotation, ReviewAudit, ReviewedConversation
from dichvucong.review import events as ev
from dichvucong.review.intents import known_intents
from dichvucong.review.services.transcript import message_event
from dichvucong.text.normalize import collapse_spaces

MAX_TAGS = 10
MAX_TAG_LENGTH = 50
MAX_COMMENT = 2000


class AnnotationError(ValueError):
    """Why a note cannot be saved (Vietnamese, shown to the official)."""


@dataclass
class AnnotationInput:
    corrected_intent: str = ""
    faq_needed: bool = False
    tags: list[str] = field(default_factory=list)
    comment: str = ""

    @property
    def empty(self) -> bool:
        return not (self.corrected_intent or self.faq_needed or self.tags or self.comment)


def parse_tags(text: str) -> list[str]:
    """``"phí, căn cước ,phí"`` → ``["phí", "căn cước"]``."""
    tags: list[str] = []
    for part in text.replace(";", ",").split(","):
        tag = collapse_spaces(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def validate(session: Session, data: AnnotationInput) -> None:
    if data.corrected_intent and data.corrected_intent not in known_intents(session):
        raise AnnotationError("Ý định không có trong domain.yml của trợ lý.")
    if len(data.tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in data.tags):
        raise AnnotationError(f"Tối đa {MAX_TAGS} nhãn, mỗi nhãn tối đa {MAX_TAG_LENGTH} ký tự.")
    if len(data.comment) > MAX_COMMENT:
        raise AnnotationError(f"Ghi chú tối đa {MAX_COMMENT} ký tự.")


def save_annotation(
    session: Session, tracker: Engine | None, sender_id: str, event_id: int, data: AnnotationInput, username: str
) -> ReviewAnnotation | None:
    """Create, update or (when every field is empty) remove the note on one citizen message."""
    validate(session, data)
    found = message_event(tracker, sender_id, event_id)
    if found is None:
        raise AnnotationError("Không tìm thấy tin nhắn này trong hội thoại (có thể đã bị xóa theo thời hạn lưu).")
    timestamp, message = found
    if message.is_payload:
        raise AnnotationError("Đây là một lần bấm nút, không phải câu người dân gõ: không cần ghi chú.")
    note = session.scalars(
        select(ReviewAnnotation).where(ReviewAnnotation.sender_id == sender_id, ReviewAnnotation.event_id == event_id)
    ).first()
    if data.empty:
        if note is not None:
            session.delete(note)
        return None
    if note is None:
        note = ReviewAnnotation(sender_id=sender_id, event_id=event_id, created_by=username)
        session.add(note)
    note.event_timestamp = timestamp
    note.text_masked = ev.mask(message.text)
    note.predicted_intent = message.intent
    note.corrected_intent = data.corrected_intent or None
    note.faq_needed = data.faq_needed
    note.tags = data.tags
    note.comment = data.comment
    note.updated_by = username
    note.updated_at = utcnow()
    session.flush()
    return note


def annotation(session: Session, sender_id: str, event_id: int) -> ReviewAnnotation | None:
    return session.scalars(
        select(ReviewAnnotation).where(ReviewAnnotation.sender_id == sender_id, ReviewAnnotation.event_id == event_id)
    ).first()


def set_reviewed(session: Session, sender_id: str, reviewed: bool, username: str) -> None:
    """Mark a conversation reviewed (by whom, when), or take the mark back."""
    mark = session.scalars(select(ReviewedConversation).where(ReviewedConversation.sender_id == sender_id)).first()
    if reviewed and mark is None:
        session.add(ReviewedConversation(sender_id=sender_id, reviewed_by=username, reviewed_at=utcnow()))
    elif not reviewed and mark is not None:
        session.delete(mark)
    session.flush()


def audit(session: Session, username: str, action: str, sender_id: str | None = None, event_id: int | None = None, detail: str = "") -> None:
    session.add(ReviewAudit(username=username, action=action, sender_id=sender_id, event_id=event_id, detail=detail[:2000]))
    session.flush()


@dataclass
class AnnotationFilter:
    intent: str = ""
    tag: str = ""
    faq_needed: bool = False

    def params(self) -> dict[str, str]:
        values = {"intent": self.intent, "tag": self.tag, "faq": "1" if self.faq_needed else ""}
        return {k: v for k, v in values.items() if v}


def list_annotations(session: Session, flt: AnnotationFilter, page: int, size: int) -> tuple[list[ReviewAnnotation], int]:
    """Newest notes first (offset paging: notes are few), and how many match."""
    query = select(ReviewAnnotation)
    if flt.intent:
        query = query.where(ReviewAnnotation.corrected_intent == flt.intent)
    if flt.faq_needed:
        query = query.where(ReviewAnnotation.faq_needed.is_(True))
    items = list(session.scalars(query.order_by(ReviewAnnotation.updated_at.desc(), ReviewAnnotation.id.desc())))
    if flt.tag:
        items = [a for a in items if flt.tag in (a.tags or [])]
    start = (max(page, 1) - 1) * size
    return items[start : start + size], len(items)


def all_tags(session: Session) -> list[str]:
    tags: set[str] = set()
    for value in session.scalars(select(ReviewAnnotation.tags)):
        tags.update(value or [])
    return sorted(tags)


def count_faq_needed(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ReviewAnnotation).where(ReviewAnnotation.faq_needed.is_(True))) or 0)


def delete_annotations(session: Session, sender_id: str, before: float | None = None) -> int:
    """Notes of a conversation (only messages older than ``before`` when given)."""
    query = delete(ReviewAnnotation).where(ReviewAnnotation.sender_id == sender_id)
    if before is not None:
        query = query.where(ReviewAnnotation.event_timestamp < before)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]
