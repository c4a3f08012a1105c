"""The staff inbox (/console/inbox): the live queue of citizens waiting for a person, a
conversation's transcript (masked as in review), claim, reply (with the bot's quick replies),
hand back to the bot, close. Agents and admins only.

New requests appear without a reload: ``GET /console/inbox/events`` is a server-sent-events
stream (vanilla ``EventSource`` in static/inbox.js) that watches the handoff rows every second
and sends the queue when anything changed; ``?handoff=<id>`` watches one conversation (its
row and the tracker's events) and tells the page to fetch the fresh transcript.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import AgentUser, ConsoleDep, FormDep
from dichvucong.console.errors import NotFound
from dichvucong.console.routes.common import console_router, form_text
from dichvucong.console.security import SESSION_COOKIE
from dichvucong.console.services.sessions import find_session
from dichvucong.console.templating import redirect, render
from dichvucong.db.models import Faq, Handoff, Procedure
from dichvucong.handoff import rasa_api
from dichvucong.handoff import service as hs
from dichvucong.handoff.hours import as_utc_time, load_agencies
from dichvucong.handoff.quick import chosen, quick_replies
from dichvucong.review.deps import TrackerDep
from dichvucong.review.services.annotations import audit
from dichvucong.review.services.transcript import load_transcript
from dichvucong.review.tracker import EVENTS, readonly_engine
from dichvucong.review.view import rv

log = logging.getLogger(__name__)
router = console_router("/inbox", tag="inbox")

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0
STREAM_LIFETIME_SECONDS = 300.0  # then the browser reconnects (EventSource does it by itself)
DELIVERY_FAILED = (
    "Chưa gửi được tới người dân: máy chủ trợ lý (Rasa) không trả lời. Tin nhắn được giữ lại; "
    "bấm “Gửi lại” sau ít phút."
)


def _handoff(db: SessionDep, handoff_id: int) -> Handoff:
    handoff = db.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound("Không có yêu cầu hỗ trợ này.")
    return handoff


def _url(handoff_id: int) -> str:
    return f"/console/inbox/{handoff_id}"


@router.get("")
def inbox(request: Request, user: AgentUser, db: SessionDep, ctx: ConsoleDep) -> Response:
    """The queue: waiting longest first, left questions, conversations being handled."""
    snapshot = hs.queue_snapshot(db, load_agencies(ctx.settings), user.username)
    context = {"nav": "inbox", "snapshot": snapshot, "snapshot_json": _script_json(snapshot), "rv": rv}
    return render(request, "inbox/list.html", context)


def _script_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _conversation_context(request: Request, user: Any, db: Any, ctx: Any, tracker: Any, handoff: Handoff) -> dict[str, Any]:
    transcript = load_transcript(db, tracker, handoff.sender_id)
    procedure = db.scalar(select(Procedure).where(Procedure.code == handoff.procedure_code)) if handoff.procedure_code else None
    faq = db.scalar(select(Faq).where(Faq.external_id == handoff.faq_id)) if handoff.faq_id else None
    agency = load_agencies(ctx.settings).get(handoff.agency_key)
    mine = handoff.status == "claimed" and handoff.claimed_by == user.username
    pending = hs.pending_messages(db, handoff.id)
    waited_until = handoff.first_reply_at or handoff.ended_at
    waited = ((as_utc_time(waited_until) if waited_until else hs.utcnow()) - as_utc_time(handoff.created_at)).total_seconds()
    return {
        "nav": "inbox", "h": handoff, "t": transcript, "procedure": procedure, "faq": faq, "agency": agency, "mine": mine,
        "pending": pending, "quick": quick_replies(tracker, handoff.sender_id, handoff.channel) if mine else [],
        "status_label": hs.STATUS_LABELS.get(handoff.status, handoff.status), "waited_seconds": max(0, int(waited)), "rv": rv,
        "contact_masked": rv_mask(handoff.contact), "question_masked": rv_mask(handoff.question), "revealed_contact": None,
    }


def rv_mask(text: str) -> str:
    from dichvucong.applications.masking import mask_sensitive

    return mask_sensitive(text or "")


# --- Live updates (server-sent events) -------------------------------------------------------


def _session_alive(request: Request, sessionmaker: Any, ctx: Any) -> bool:
    token = ctx.signer.unsign_cookie(request.cookies.get(SESSION_COOKIE))
    with sessionmaker() as db:
        found = find_session(db, token)
        return found is not None and found.user.active and found.user.role in ("admin", "agent")


def _tracker_mark(tracker_url: str, sender_id: str) -> int:
    engine = readonly_engine(tracker_url)
    if engine is None:
        return 0
    with engine.connect() as connection:
        return int(connection.scalar(select(func.max(EVENTS.c.id)).where(EVENTS.c.sender_id == sender_id)) or 0)


@router.get("/events")
async def events(request: Request, user: AgentUser, ctx: ConsoleDep, db: SessionDep, handoff: int | None = None) -> Response:
    """``text/event-stream``: ``queue`` (the whole queue as JSON) or ``changed`` (one conversation)."""
    username = user.username
    db.close()  # the request's session would otherwise hold a pooled connection for the whole stream
    sessionmaker = request.app.state.sessionmaker
    agencies_settings = ctx.settings

    def queue_state() -> tuple[str, str]:
        with sessionmaker() as db:
            stamp = hs.change_stamp(db)
            return stamp, json.dumps(hs.queue_snapshot(db, load_agencies(agencies_settings), username), ensure_ascii=False)

    def conversation_state(handoff_id: int) -> tuple[str, str]:
        with sessionmaker() as db:
            row = db.get(Handoff, handoff_id)
            if row is None:
                return "gone", json.dumps({"status": "gone"})
            mark = _tracker_mark(agencies_settings.tracker_store_url, row.sender_id)
            stamp = f"{hs.change_stamp(db, handoff_id)}|{mark}"
            return stamp, json.dumps({"status": row.status, "claimed_by": row.claimed_by})

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        started = last_beat = last_check = time.monotonic()
        last_stamp = None
        while time.monotonic() - started < STREAM_LIFETIME_SECONDS:
            if await request.is_disconnected():
                return
            now = time.monotonic()
            if now - last_check > SESSION_CHECK_SECONDS:
                last_check = now
                if not await run_in_threadpool(_session_alive, request, sessionmaker, ctx):
                    yield "event: signed-out\ndata: {}\n\n"
                    return
            try:
                if handoff is None:
                    stamp, payload = await run_in_threadpool(queue_state)
                    name = "queue"
                else:
                    stamp, payload = await run_in_threadpool(conversation_state, handoff)
                    name = "changed"
            except Exception:  # noqa: BLE001 - a database hiccup: try again next second
                log.exception("inbox stream: reading the handoffs failed")
                stamp, payload, name = last_stamp, "", ""
            if stamp != last_stamp and name:
                last_stamp = stamp
                last_beat = now
                yield f"event: {name}\ndata: {payload}\n\n"
            elif now - last_beat > HEARTBEAT_SECONDS:
                last_beat = now
                yield ": ping\n\n"
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@router.get("/{handoff_id}")
def conversation(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep) -> Response:
    handoff = _handoff(db, handoff_id)
    return render(request, "inbox/conversation.html", _conversation_context(request, user, db, ctx, tracker, handoff))


@router.get("/{handoff_id}/live")
def conversation_live(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep) -> Response:
    """The status and transcript part of the page, fetched again when the stream says so."""
    handoff = _handoff(db, handoff_id)
    return render(request, "inbox/_live.html", _conversation_context(request, user, db, ctx, tracker, handoff))


@router.post("/{handoff_id}/claim")
def claim(request: Request, handoff_id: int, user: AgentUser, db: SessionDep) -> Response:
    handoff = _handoff(db, handoff_id)
    if hs.claim(db, handoff.id, user.username):
        return redirect(request, _url(handoff_id), "Bạn đã nhận hội thoại này. Người dân đang chờ câu trả lời của bạn.")
    db.refresh(handoff)
    who = handoff.claimed_by or "người khác"
    message = (
        f"Hội thoại này đã được {who} nhận trước." if handoff.claimed_by and handoff.claimed_by != user.username
        else f"Không nhận được: yêu cầu đang ở trạng thái “{hs.STATUS_LABELS.get(handoff.status, handoff.status)}”."
    )
    return redirect(request, _url(handoff_id), message, "error")


def _deliver(request: Request, ctx: Any, handoff: Handoff, action: str) -> bool:
    try:
        rasa_api.execute(ctx.settings, handoff.sender_id, handoff.channel, action)
        return True
    except rasa_api.RasaUnavailable:
        return False


@router.post("/{handoff_id}/reply")
def reply(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep, form: FormDep) -> Response:
    handoff = _handoff(db, handoff_id)
    keys = [str(k) for k in form.getlist("quick")]
    buttons = chosen(quick_replies(tracker, handoff.sender_id, handoff.channel), keys)
    try:
        hs.add_reply(db, handoff, user.username, user.full_name or "", form_text(form, "text"), buttons)
    except hs.HandoffError as exc:
        return redirect(request, _url(handoff_id), str(exc), "error")
    db.commit()
    if not _deliver(request, ctx, handoff, rasa_api.DELIVER):
        return redirect(request, _url(handoff_id), DELIVERY_FAILED, "error")
    return redirect(request, _url(handoff_id) + "#reply", "Đã gửi tới người dân.")


@router.post("/{handoff_id}/resend")
def resend(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep) -> Response:
    handoff = _handoff(db, handoff_id)
    if handoff.status != "claimed" or handoff.claimed_by != user.username:
        return redirect(request, _url(handoff_id), "Bạn không còn xử lý hội thoại này.", "error")
    if not _deliver(request, ctx, handoff, rasa_api.DELIVER):
        return redirect(request, _url(handoff_id), DELIVERY_FAILED, "error")
    return redirect(request, _url(handoff_id), "Đã gửi lại.")


def _finish(request: Request, handoff_id: int, user: Any, db: Any, ctx: Any, status: str, done: str) -> Response:
    handoff = _handoff(db, handoff_id)
    try:
        hs.finish(handoff, user.username, status)
    except hs.HandoffError as exc:
        return redirect(request, _url(handoff_id), str(exc), "error")
    db.commit()
    if not _deliver(request, ctx, handoff, rasa_api.RESUME):
        done += " (Chưa báo được cho người dân vì máy chủ trợ lý không trả lời; trợ lý ảo sẽ báo ở tin nhắn tiếp theo của họ.)"
    return redirect(request, "/console/inbox", done)


@router.post("/{handoff_id}/handback")
def hand_back(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep) -> Response:
    return _finish(request, handoff_id, user, db, ctx, "returned", "Đã chuyển hội thoại lại cho trợ lý ảo.")


@router.post("/{handoff_id}/close")
def close(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep) -> Response:
    handoff = _handoff(db, handoff_id)
    if handoff.status == "left":  # answered by phone or e-mail: nothing to tell in the chat
        try:
            hs.close_question(handoff, user.username)
        except hs.HandoffError as exc:
            return redirect(request, _url(handoff_id), str(exc), "error")
        db.commit()
        return redirect(request, "/console/inbox", "Đã đóng câu hỏi để lại.")
    return _finish(request, handoff_id, user, db, ctx, "closed", "Đã kết thúc hội thoại; trợ lý ảo tiếp tục hỗ trợ người dân.")


@router.post("/{handoff_id}/release")
def release(request: Request, handoff_id: int, user: AgentUser, db: SessionDep) -> Response:
    handoff = _handoff(db, handoff_id)
    try:
        hs.release(db, handoff, user.username)
    except hs.HandoffError as exc:
        return redirect(request, _url(handoff_id), str(exc), "error")
    db.commit()
    return redirect(request, "/console/inbox", "Đã trả hội thoại về hàng chờ cho cán bộ khác.")


@router.post("/{handoff_id}/contact")
def reveal_contact(request: Request, handoff_id: int, user: AgentUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep) -> Response:
    """The unmasked phone/e-mail and question left outside hours, for calling back (audited)."""
    handoff = _handoff(db, handoff_id)
    audit(db, user.username, "handoff_contact", handoff.sender_id, detail=f"handoff {handoff.id}")
    db.commit()
    context = _conversation_context(request, user, db, ctx, tracker, handoff)
    context["revealed_contact"] = {"contact": handoff.contact, "question": handoff.question}
    return render(request, "inbox/conversation.html", context)
