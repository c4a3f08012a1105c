"""Notes on citizen messages (correct intent, new FAQ needed, tags, comment) and the list of
notes; "new FAQ needed" leads to the console's FAQ form with the question filled in."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import EditorUser, FormDep
from dichvucong.console.errors import ConsoleError, NotFound
from dichvucong.console.routes.common import form_int, form_text
from dichvucong.console.services import faqs as faq_service
from dichvucong.console.services.procedures import all_codes
from dichvucong.console.templating import redirect, render
from dichvucong.review import events as ev
from dichvucong.review.deps import ReviewerUser, TrackerDep
from dichvucong.review.intents import known_intents
from dichvucong.review.routes.common import page, review_router
from dichvucong.review.services import annotations as service
from dichvucong.review.services.transcript import message_event
from dichvucong.review.view import PREFIX, rv

router = review_router()


@router.post("/annotations")
def save_note(request: Request, user: ReviewerUser, db: SessionDep, form: FormDep, tracker: TrackerDep) -> Response:
    """Save the note on one message; with ``go=faq`` also go on to the FAQ form."""
    sender_id, event_id = form_text(form, "sender_id"), form_int(form, "event_id")
    if not sender_id or event_id is None:
        raise ConsoleError("Thiếu tin nhắn cần ghi chú.")
    wants_faq = form_text(form, "go") == "faq"
    data = service.AnnotationInput(
        corrected_intent=form_text(form, "intent"),
        faq_needed=form_text(form, "faq_needed") == "1" or wants_faq,
        tags=service.parse_tags(form_text(form, "tags")),
        comment=form_text(form, "comment"),
    )
    back = f"{rv.conversation_url(sender_id)}#m{event_id}"
    try:
        note = service.save_annotation(db, tracker, sender_id, event_id, data, user.username)
    except service.AnnotationError as exc:
        db.rollback()
        return redirect(request, back, str(exc), "error")
    db.commit()
    if wants_faq and user.role in ("admin", "editor"):
        return redirect(request, f"{PREFIX}/faq-new?{urlencode({'sender': sender_id, 'event': event_id})}")
    if wants_faq:
        return redirect(request, back, "Đã đánh dấu cần câu hỏi thường gặp mới; biên tập viên sẽ soạn câu trả lời.")
    return redirect(request, back, "Đã lưu ghi chú." if note is not None else "Đã xóa ghi chú.")


@router.get("/annotations")
def note_list(
    request: Request, user: ReviewerUser, db: SessionDep, intent: str = "", tag: str = "", faq: str = "",
    page_no: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    """Every note, newest first: what to add to the training data or the FAQs."""
    flt = service.AnnotationFilter(intent=intent.strip(), tag=tag.strip(), faq_needed=faq == "1")
    size = 50
    items, total = service.list_annotations(db, flt, page_no, size)
    context = {
        "filter": flt, "items": items, "total": total, "page_no": max(page_no, 1), "pages": max(1, -(-total // size)),
        "intents": known_intents(db), "tags": service.all_tags(db),
    }
    return page(request, "annotations.html", context)


@router.get("/faq-new")
def faq_from_message(request: Request, user: EditorUser, db: SessionDep, tracker: TrackerDep, sender: str = "", event: int = 0) -> Response:
    """The console's "Thêm câu hỏi" form, the citizen's question (masked) filled in; it posts
    to /console/faqs/new like the ordinary form."""
    note = service.annotation(db, sender, event)
    if note is not None:
        question = note.text_masked
    else:
        found = message_event(tracker, sender, event)
        if found is None:
            raise NotFound("Không tìm thấy tin nhắn này.")
        question = ev.mask(found[1].text)
    values = faq_service.form_values(data=faq_service.FaqInput(question=question[:1000]))
    context = {"nav": "faqs", "faq": None, "values": values, "errors": {}, "error": None, "codes": all_codes(db)}
    return render(request, "faqs/form.html", context)
