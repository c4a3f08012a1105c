"""The handoff's state changes, on our database (SQLite or PostgreSQL), shared by every process.

The action server opens a handoff and records the citizen's messages; the console's inbox
claims it (one conditional UPDATE: two agents can never both win), writes replies (sent by
the action server through Rasa) and ends it. Every change bumps ``updated_at``, which the
inbox's live stream watches.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dichvucong.applications.masking import mask_sensitive
from dichvucong.config import Settings
from dichvucong.db.base import utcnow
from dichvucong.db.models import HANDOFF_OPEN_STATUSES, Handoff, HandoffMessage, Procedure
from dichvucong.handoff.hours import Agencies, Agency, as_utc_time

LIVE = ("waiting", "claimed")
MAX_REPLY = 2000
MAX_CONTACT = 200
RECENT_FOR_ESTIMATE = 20
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+?84|0)(?:[ .\-]?\d){8,10}")


class HandoffError(ValueError):
    """A change that cannot be made now (the message, in Vietnamese, says why)."""


def channel_of(sender_id: str) -> str:
    """``telegram:123`` → ``telegram``; a plain REST id → ``rest``."""
    prefix, sep, _ = sender_id.partition(":")
    return prefix if sep else "rest"


def open_handoff(session: Session, sender_id: str) -> Handoff | None:
    """The conversation's open handoff (at most one, by a unique index)."""
    return session.scalar(
        select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status.in_(HANDOFF_OPEN_STATUSES))
    )


def latest_handoff(session: Session, sender_id: str) -> Handoff | None:
    return session.scalar(select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id.desc()).limit(1))


def agency_for(session: Session, agencies: Agencies, procedure_code: str | None) -> Agency:
    """The agency answering for the procedure the bot was using (its field), else the default."""
    if not procedure_code:
        return agencies.default
    field = session.scalar(select(Procedure.field).where(Procedure.code == procedure_code))
    return agencies.for_field(field)


def _touch(handoff: Handoff, now: datetime | None = None) -> None:
    handoff.updated_at = now or utcnow()
    handoff.version = (handoff.version or 0) + 1


def waiting_ahead(session: Session, handoff: Handoff) -> int:
    """How many live requests of the same agency are older than this one and not yet claimed."""
    return int(
        session.scalar(
            select(func.count()).select_from(Handoff).where(
                Handoff.status == "waiting", Handoff.agency_key == handoff.agency_key, Handoff.id < handoff.id
            )
        )
        or 0
    )


def wait_minutes(session: Session, settings: Settings, agency_key: str, ahead: int) -> int:
    """A rough wait: the recent time to an agent's first reply per person in the queue."""
    rows = session.execute(
        select(Handoff.created_at, Handoff.first_reply_at)
        .where(Handoff.agency_key == agency_key, Handoff.first_reply_at.is_not(None), Handoff.outside_hours.is_(False))
        .order_by(Handoff.id.desc())
        .limit(RECENT_FOR_ESTIMATE)
    ).all()
    waits = [(as_utc_time(reply) - as_utc_time(created)).total_seconds() / 60 for created, reply in rows]
    per_person = statistics.median(waits) if waits else settings.handoff_minutes_per_citizen
    return max(1, round(max(per_person, 1.0) * (ahead + 1)))


@dataclass
class Request:
    """What happened when a citizen asked for a person."""

    kind: str  # queued | already | collecting | full
    handoff: Handoff | None
    agency: Agency
    ahead: int = 0
    minutes: int = 0
    next_opening: datetime | None = None


def request_handoff(
    session: Session,
    settings: Settings,
    agencies: Agencies,
    sender_id: str,
    procedure_code: str | None = None,
    faq_id: str | None = None,
    reason: str = "asked",
    now: datetime | None = None,
) -> Request:
    """Open a handoff: in the live queue during office hours, else start taking a question."""
    now = now or utcnow()
    existing = open_handoff(session, sender_id)
    if existing is not None:
        agency = agencies.get(existing.agency_key)
        ahead = waiting_ahead(session, existing) if existing.status == "waiting" else 0
        minutes = wait_minutes(session, settings, existing.agency_key, ahead) if existing.status == "waiting" else 0
        return Request("already", existing, agency, ahead, minutes, agency.schedule.next_opening(now))
    agency = agency_for(session, agencies, procedure_code)
    is_open = agency.schedule.is_open(now)
    queued = int(session.scalar(select(func.count()).select_from(Handoff).where(Handoff.status.in_(("waiting", "collecting")))) or 0)
    if queued >= settings.handoff_max_waiting:
        return Request("full", None, agency)
    handoff = Handoff(
        sender_id=sender_id, channel=channel_of(sender_id), agency_key=agency.key,
        status="waiting" if is_open else "collecting", reason=reason, outside_hours=not is_open,
        procedure_code=procedure_code, faq_id=faq_id, created_at=now, updated_at=now, version=0,
        question="", contact="", preview="", ended_by="",
    )
    session.add(handoff)
    try:
        session.flush()
    except IntegrityError:  # another server opened one for this conversation a moment ago
        session.rollback()
        return request_handoff(session, settings, agencies, sender_id, procedure_code, faq_id, reason, now)
    if not is_open:
        return Request("collecting", handoff, agency, next_opening=agency.schedule.next_opening(now))
    ahead = waiting_ahead(session, handoff)
    return Request("queued", handoff, agency, ahead, wait_minutes(session, settings, agency.key, ahead))


def note_citizen_message(handoff: Handoff, text: str, now: datetime | None = None) -> None:
    """The citizen wrote while a person handles (or will handle) the conversation."""
    now = now or utcnow()
    handoff.citizen_messages = (handoff.citizen_messages or 0) + 1
    handoff.last_citizen_at = now
    shown = mask_sensitive(text or "").strip()
    if shown and not shown.startswith("/"):
        handoff.preview = shown[:300]
    _touch(handoff, now)


def leave_question(handoff: Handoff, text: str, now: datetime | None = None) -> None:
    handoff.question = (text or "").strip()[:4000]
    handoff.preview = mask_sensitive(handoff.question)[:300]
    _touch(handoff, now)


def find_contact(text: str) -> str | None:
    """A phone number or an e-mail address in what the citizen typed."""
    email = _EMAIL.search(text or "")
    if email:
        return email.group(0)[:MAX_CONTACT]
    phone = _PHONE.search(text or "")
    return re.sub(r"[ .\-]", "", phone.group(0))[:MAX_CONTACT] if phone else None


def leave_contact(handoff: Handoff, contact: str | None, now: datetime | None = None) -> None:
    """The question is complete: it waits for an agent, the bot takes the conversation back."""
    handoff.contact = (contact or "")[:MAX_CONTACT]
    handoff.status = "left"
    _touch(handoff, now)


def move_to_left(handoff: Handoff, now: datetime | None = None) -> None:
    """Office hours ended while the citizen waited: the request is kept as a left question."""
    handoff.status = "left"
    handoff.outside_hours = True
    if not handoff.question:
        handoff.question = handoff.preview
    _touch(handoff, now)


def cancel_by_citizen(handoff: Handoff, now: datetime | None = None) -> None:
    now = now or utcnow()
    handoff.status, handoff.ended_at, handoff.ended_by = "cancelled", now, "citizen"
    _touch(handoff, now)


# --- The console's side --------------------------------------------------------------------


def claim(session: Session, handoff_id: int, username: str, now: datetime | None = None) -> bool:
    """Take a waiting conversation (or a left question); False when someone else was first.

    One conditional UPDATE: whichever transaction commits first wins; the other sees no row.
    """
    now = now or utcnow()
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.claimed_by.is_(None), Handoff.status.in_(("waiting", "left")))
        .values(status="claimed", claimed_by=username, claimed_at=now, updated_at=now, version=Handoff.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def release(session: Session, handoff: Handoff, username: str) -> None:
    """Put a claimed conversation back in the queue (only its agent may)."""
    _own(handoff, username)
    handoff.status = "left" if handoff.outside_hours and not handoff.first_reply_at else "waiting"
    handoff.claimed_by, handoff.claimed_at = None, None
    _touch(handoff)


def _own(handoff: Handoff, username: str) -> None:
    if handoff.status != "claimed" or handoff.claimed_by != username:
        who = f"cán bộ {handoff.claimed_by}" if handoff.claimed_by and handoff.status == "claimed" else "không ai"
        raise HandoffError(f"Bạn chưa nhận hội thoại này (đang do {who} xử lý, trạng thái: {STATUS_LABELS.get(handoff.status, handoff.status)}).")


def add_reply(
    session: Session, handoff: Handoff, username: str, author_name: str, text: str, buttons: list[dict[str, str]] | None = None
) -> HandoffMessage:
    """An agent's reply, waiting for the action server to send it."""
    _own(handoff, username)
    text = (text or "").strip()
    if not text:
        raise HandoffError("Tin nhắn trả lời đang trống.")
    if len(text) > MAX_REPLY:
        raise HandoffError(f"Tin nhắn dài quá {MAX_REPLY} ký tự; hãy chia thành nhiều tin.")
    message = HandoffMessage(
        handoff_id=handoff.id, author=username, author_name=author_name[:200], text=text, buttons=list(buttons or []),
        created_at=utcnow(),
    )
    session.add(message)
    _touch(handoff)
    return message


def pending_messages(session: Session, handoff_id: int) -> list[HandoffMessage]:
    return list(
        session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.delivered_at.is_(None)).order_by(HandoffMessage.id)
        )
    )


def take_for_delivery(session: Session, message: HandoffMessage, now: datetime | None = None) -> bool:
    """Mark one reply as sent unless another delivery already took it (conditional UPDATE)."""
    now = now or utcnow()
    result = session.execute(
        update(HandoffMessage)
        .where(HandoffMessage.id == message.id, HandoffMessage.delivered_at.is_(None))
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def delivered(handoff: Handoff, count: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    if count:
        handoff.agent_messages = (handoff.agent_messages or 0) + count
        handoff.first_reply_at = handoff.first_reply_at or now
    _touch(handoff, now)


def finish(handoff: Handoff, username: str, status: str, now: datetime | None = None) -> None:
    """Hand the conversation back to the bot (``returned``) or end it (``closed``)."""
    if status not in ("returned", "closed"):
        raise ValueError(status)
    _own(handoff, username)
    now = now or utcnow()
    handoff.status, handoff.ended_at, handoff.ended_by = status, now, username
    _touch(handoff, now)


def close_question(handoff: Handoff, username: str, now: datetime | None = None) -> None:
    """A left question answered by phone or e-mail, or not needing an answer: closed unclaimed."""
    if handoff.status not in ("left", "claimed") or (handoff.status == "claimed" and handoff.claimed_by != username):
        raise HandoffError("Chỉ đóng được câu hỏi để lại chưa ai nhận, hoặc hội thoại bạn đang xử lý.")
    now = now or utcnow()
    handoff.status, handoff.ended_at, handoff.ended_by = "closed", now, username
    _touch(handoff, now)


STATUS_LABELS = {
    "collecting": "đang để lại câu hỏi",
    "waiting": "đang chờ",
    "left": "câu hỏi để lại ngoài giờ",
    "claimed": "đang được xử lý",
    "returned": "đã chuyển lại cho trợ lý ảo",
    "closed": "đã kết thúc",
    "cancelled": "người dân đã quay lại trợ lý ảo",
}


def queue_snapshot(session: Session, agencies: Agencies, username: str, now: datetime | None = None) -> dict[str, Any]:
    """What the inbox lists: open requests, the longest waiting first (JSON-ready)."""
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(Handoff).where(Handoff.status.in_(("waiting", "left", "claimed", "collecting"))).order_by(Handoff.created_at, Handoff.id)
        )
    )
    codes = {h.procedure_code for h in rows if h.procedure_code}
    names = dict(session.execute(select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes))).all()) if codes else {}
    items = []
    for h in rows:
        items.append({
            "id": h.id, "status": h.status, "status_label": STATUS_LABELS.get(h.status, h.status),
            "channel": h.channel, "agency": agencies.get(h.agency_key).name,
            "created": as_utc_time(h.created_at).timestamp(),
            "waited_seconds": max(0, int((now - as_utc_time(h.created_at)).total_seconds())),
            "claimed_by": h.claimed_by, "mine": h.claimed_by == username and h.status == "claimed",
            "preview": h.preview, "procedure": names.get(h.procedure_code or "", h.procedure_code or ""),
            "faq_id": h.faq_id or "", "reason": h.reason, "outside_hours": h.outside_hours,
            "citizen_messages": h.citizen_messages,
        })
    return {"items": items, "now": now.timestamp()}


def change_stamp(session: Session, handoff_id: int | None = None) -> str:
    """Changes whenever a handoff (or the given one) changes: what the live stream watches.

    Every change bumps ``updated_at`` (indexed), so the latest one and the open count suffice.
    """
    if handoff_id is not None:
        row = session.execute(select(Handoff.updated_at, Handoff.version, Handoff.status).where(Handoff.id == handoff_id)).first()
        return "|".join(str(v) for v in row) if row else "gone"
    latest = session.scalar(select(func.max(Handoff.updated_at)))
    count = session.scalar(select(func.count()).select_from(Handoff).where(Handoff.status.in_(HANDOFF_OPEN_STATUSES)))
    return f"{latest}|{count}"
