"""Conversations: the filtered list, a transcript, "reviewed" marks and the audited "Hiện"."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, FormDep
from dichvucong.console.errors import NotFound
from dichvucong.console.routes.common import form_int, form_text
from dichvucong.console.templating import redirect
from dichvucong.review.deps import RevealUser, ReviewerUser, TrackerDep
from dichvucong.review.intents import known_intents
from dichvucong.review.routes.common import page, query_dict, refresh_summary, review_router
from dichvucong.review.services import annotations as notes
from dichvucong.review.services.attach import attachments_of
from dichvucong.review.services.listing import ConversationFilter, channels, list_conversations
from dichvucong.review.services.transcript import Transcript, load_transcript, original_text
from dichvucong.review.tracker import public_source
from dichvucong.review.view import rv

router = review_router()


@router.get("")
def conversation_list(
    request: Request, user: ReviewerUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep, after: str = "", before: str = ""
) -> Response:
    """Newest conversations first, with filters and keyset paging."""
    report = refresh_summary(db, tracker, ctx)
    flt = ConversationFilter.from_query(query_dict(request), ctx.settings.review_low_confidence)
    result = list_conversations(db, flt, ctx.settings.console_page_size, after=after or None, before=before or None)
    context = {
        "filter": flt, "result": result, "channels": channels(db), "intents": ("nlu_fallback", *known_intents(db)),
        "sync": report, "tracker_missing": tracker is None, "source": public_source(ctx.settings.tracker_store_url),
        "paged": bool(after or before), "faq_needed": notes.count_faq_needed(db),
    }
    return page(request, "list.html", context)


def _transcript(request: Request, db: SessionDep, tracker: TrackerDep, sender_id: str) -> Transcript:
    transcript = load_transcript(db, tracker, sender_id)
    if transcript is None:
        raise NotFound("Không có hội thoại này trong kho hội thoại (có thể đã bị xóa theo thời hạn lưu).")
    return transcript


def _transcript_page(request: Request, db: SessionDep, transcript: Transcript) -> Response:
    context = {"t": transcript, "intents": known_intents(db), "attachments": attachments_of(db, transcript.sender_id)}
    return page(request, "transcript.html", context)


@router.get("/conversations/{sender_id:path}")
def conversation_view(request: Request, sender_id: str, user: ReviewerUser, db: SessionDep, tracker: TrackerDep) -> Response:
    """The transcript: each citizen message with intent, confidence, entities, procedure/FAQ used."""
    return _transcript_page(request, db, _transcript(request, db, tracker, sender_id))


@router.post("/reviewed")
def mark_reviewed(request: Request, user: ReviewerUser, db: SessionDep, form: FormDep, tracker: TrackerDep) -> Response:
    sender_id = form_text(form, "sender_id")
    _transcript(request, db, tracker, sender_id)  # only conversations that exist
    reviewed = form_text(form, "reviewed") == "1"
    notes.set_reviewed(db, sender_id, reviewed, user.username)
    db.commit()
    message = "Đã đánh dấu hội thoại là đã xem xét." if reviewed else "Đã bỏ dấu đã xem xét."
    return redirect(request, rv.conversation_url(sender_id), message)


@router.post("/reveal")
def reveal(request: Request, user: RevealUser, db: SessionDep, form: FormDep, tracker: TrackerDep) -> Response:
    """An admin sees one message's original text; who, when and which message is audited."""
    sender_id, event_id = form_text(form, "sender_id"), form_int(form, "event_id")
    transcript = _transcript(request, db, tracker, sender_id)
    turn = transcript.turn(event_id) if event_id is not None else None
    original = original_text(tracker, sender_id, event_id) if turn is not None and event_id is not None else None
    if turn is None or original is None:
        raise NotFound("Không tìm thấy tin nhắn này.")
    notes.audit(db, user.username, "reveal", sender_id, event_id)
    db.commit()
    turn.revealed = original
    return _transcript_page(request, db, transcript)
