"""``POST /widget/updates``: the web widget fetches what staff wrote in its conversation.

An agent's reply is sent by Rasa (``action_handoff_deliver``) and stored in the tracker, but a
web page only hears from Rasa in the response to its own message. So while a handoff is open
the widget asks here, with its session token (the same signed token as Rasa's web channel,
``dichvucong/widget/token.py``): the conversation is ``web:<sid>`` of the token, never one the
page names. The answer lists the bot messages Rasa stored *outside* a reply to the page
(``metadata.pushed``: agents' replies, the hand-back) after the page's cursor (a tracker event
id), read from the tracker store read-only, plus the handoff's state from our database.

``{"wait": true}`` holds the request up to 20 s until something arrives (long polling): a
reply shows within about half a second, and an idle phone makes one request every 20 s.
CORS as for ``/widget/session``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import and_, func, select
from starlette.concurrency import run_in_threadpool

from dichvucong.db.models import Handoff
from dichvucong.handoff.hours import as_utc_time
from dichvucong.handoff.service import latest_handoff
from dichvucong.review.tracker import EVENTS, readonly_engine
from dichvucong.widget.routes import SESSION_ENDED, SESSION_OFF, _cors_headers, widget_settings
from dichvucong.widget.token import MAX_TOKEN_LENGTH, TokenError

router = APIRouter(prefix="/widget", tags=["widget"])

WAIT_SECONDS = 20.0
CHECK_SECONDS = 0.5
LEFT_POLL_SECONDS = 60  # a question left outside office hours: look now and then
MAX_MESSAGES = 50
CLOSING_GRACE_SECONDS = 60


class UpdatesRequest(BaseModel):
    token: str = Field(max_length=MAX_TOKEN_LENGTH)
    after: int | None = Field(default=None, ge=0)  # tracker event id of the last message seen
    wait: bool = False


def _state(handoff: Handoff | None) -> str:
    if handoff is None:
        return "none"
    if handoff.status in ("waiting", "claimed", "collecting"):
        return "live"
    return "left" if handoff.status == "left" else "ended"


def _message(row: Any) -> dict[str, Any] | None:
    try:
        event = json.loads(row.data or "{}")
    except ValueError:
        return None
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    if not metadata.get("pushed"):
        return None  # the page already got it in the response to its own message
    data = event.get("data") or {}
    buttons = [
        {"title": str(b.get("title") or ""), "payload": str(b.get("payload") or b.get("title") or "")}
        for b in (data.get("buttons") or []) if isinstance(b, dict)
    ]
    text = str(event.get("text") or "")
    if not text and not buttons:
        return None
    found = {"id": row.id, "text": text, "buttons": buttons, "agent": metadata.get("agent_name") if metadata.get("agent") else None}
    if (data.get("custom") or {}).get("handoff") == "ended":
        found["ended"] = True  # the hand-back or closing message itself
    return found


def read_updates(request: Request, sender_id: str, after: int | None) -> dict[str, Any]:
    """Pushed messages after ``after`` and the handoff's state (a blocking read: run in a thread)."""
    settings = request.app.state.console.settings
    with request.app.state.sessionmaker() as session:
        handoff = latest_handoff(session, sender_id)
        state = _state(handoff)
        since = as_utc_time(handoff.created_at).timestamp() - 2 if handoff is not None else None
        ended_at = as_utc_time(handoff.ended_at).timestamp() if handoff is not None and handoff.ended_at else None
    engine = readonly_engine(settings.tracker_store_url)
    messages: list[dict[str, Any]] = []
    closing_seen = False
    cursor = after or 0
    if engine is not None and (handoff is not None or after is not None):
        where = [EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "bot"]
        if after is not None:
            where.append(EVENTS.c.id > after)
        elif since is not None:
            where.append(EVENTS.c.timestamp >= since)
        with engine.connect() as connection:
            rows = connection.execute(select(EVENTS.c.id, EVENTS.c.data).where(and_(*where)).order_by(EVENTS.c.id).limit(MAX_MESSAGES)).all()
            if after is None:
                cursor = int(connection.scalar(select(func.max(EVENTS.c.id)).where(EVENTS.c.sender_id == sender_id)) or 0)
        for row in rows:
            cursor = max(cursor, int(row.id))
            found = _message(row)
            if found is not None:
                messages.append(found)
                closing_seen = closing_seen or found.pop("ended", False)
    if state == "ended" and ended_at is not None and not closing_seen and time.time() - ended_at < CLOSING_GRACE_SECONDS:
        # The row says "returned" a moment before Rasa has stored the hand-back message: keep
        # the widget asking until it arrives (or the grace period passes, if Rasa was down).
        state = "live"
    poll = 0 if state == "live" else LEFT_POLL_SECONDS if state == "left" else None
    return {"messages": messages, "after": cursor, "handoff": state, "poll_seconds": poll}


def _headers(request: Request) -> dict[str, str]:
    return _cors_headers(request, widget_settings(request))


@router.options("/updates", include_in_schema=False)
def updates_preflight(request: Request) -> Response:
    return Response(status_code=204, headers=_headers(request))


@router.post("/updates", summary="Replies staff wrote in the widget's conversation (live handoff)")
async def updates(request: Request, body: UpdatesRequest) -> JSONResponse:
    headers = _headers(request)
    signer = widget_settings(request).signer()
    if signer is None:
        return JSONResponse({"error": "off", "detail": SESSION_OFF}, status_code=503, headers=headers)
    try:
        sender_id = signer.verify(body.token).sender_id
    except TokenError as exc:
        return JSONResponse({"error": exc.reason, "detail": SESSION_ENDED}, status_code=401, headers=headers)
    deadline = time.monotonic() + (WAIT_SECONDS if body.wait else 0)
    after = body.after
    while True:
        result = await run_in_threadpool(read_updates, request, sender_id, after)
        if result["messages"] or result["handoff"] != "live" or time.monotonic() >= deadline:
            return JSONResponse(result, headers=headers)
        after = result["after"]
        await asyncio.sleep(CHECK_SECONDS)
        if await request.is_disconnected():
            return JSONResponse(result, headers=headers)
