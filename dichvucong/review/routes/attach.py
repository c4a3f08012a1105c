"""Attach an unanswered citizen question to an FAQ, a procedure or the thesaurus, in one action."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, FormDep
from dichvucong.console.routes.common import form_text, safe_next
from dichvucong.console.services import thesaurus as thesaurus_service
from dichvucong.console.services.procedures import all_codes
from dichvucong.console.templating import redirect
from dichvucong.db.models import Faq
from dichvucong.review.deps import ReviewerUser, TrackerDep
from dichvucong.review.routes.common import page, refresh_summary, review_router
from dichvucong.review.services import attach as service
from dichvucong.review.view import rv
from dichvucong.thesaurus import load_thesaurus

log = logging.getLogger(__name__)
router = review_router()
SUGGESTIONS = 6


def parse_events(text: str) -> list[int]:
    """``"12,45, 78"`` → ``[12, 45, 78]`` (anything else ignored)."""
    return [int(part) for part in text.replace(" ", "").split(",") if part.isdigit()][: service.MAX_MESSAGES]


def _suggestions(request: Request, question: str) -> tuple[list, list]:
    """FAQs and procedures search finds for the question (what it should perhaps have reached)."""
    search = getattr(request.app.state, "search", None)
    if search is None or not question:
        return [], []
    try:
        hits = search.search(question, k=SUGGESTIONS * 3)
    except Exception:  # noqa: BLE001 - suggestions are a help; the form works without them
        log.exception("attach suggestions failed")
        return [], []
    faqs = [h for h in hits if h.type == "faq"][:SUGGESTIONS]
    procedures = [h for h in hits if h.type == "procedure"][:SUGGESTIONS]
    return faqs, procedures


def _form(
    request: Request, db: SessionDep, candidates: list[service.Candidate], back: str, values: dict[str, str] | None = None,
    error: str | None = None, status_code: int = 200,
) -> Response:
    question = candidates[0].message.text_masked if candidates else ""
    suggested = [service.suggested_phrase(c.message.text_masked) for c in candidates[: 3]]
    faqs, procedures = _suggestions(request, service.suggested_phrase(question))
    named = {g.id for g in load_thesaurus(db).groups_in(question)}
    groups = sorted(thesaurus_service.live_groups(db), key=lambda g: (g.id not in named, g.canonical_key))
    defaults = {
        "phrases": "\n".join(dict.fromkeys(p for p in suggested if p)), "target": "faq",
        "faq": faqs[0].code if faqs else "", "procedure": procedures[0].code if procedures else "",
        "group": str(groups[0].id) if groups and groups[0].id in named else "new",
    }
    context = {
        "candidates": candidates, "events": ",".join(str(c.message.event_id) for c in candidates), "back": back,
        "values": {**defaults, **(values or {})}, "error": error, "faq_hits": faqs, "procedure_hits": procedures,
        "groups": groups, "named_groups": named, "codes": all_codes(db),
        "all_faqs": db.execute(select(Faq.external_id, Faq.question).where(Faq.deleted_at.is_(None)).order_by(Faq.external_id)).all(),
    }
    return page(request, "attach.html", context, status_code)


def _back(back: str, candidates: list[service.Candidate]) -> str:
    if back:
        return safe_next(back)
    if candidates:
        first = candidates[0].message
        return f"{rv.conversation_url(first.sender_id)}#m{first.event_id}"
    return "/console/review/dashboard"


@router.get("/attach")
def attach_page(
    request: Request, user: ReviewerUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep, events: str = "", back: str = ""
) -> Response:
    """The masked question(s), what they could be attached to, one button."""
    refresh_summary(db, tracker, ctx)
    candidates = service.load_candidates(db, parse_events(events))
    return _form(request, db, candidates, _back(back, candidates))


@router.post("/attach")
def attach_submit(request: Request, user: ReviewerUser, db: SessionDep, form: FormDep) -> Response:
    """Add the phrasing(s), record who did it, go back with a message."""
    events = parse_events(form_text(form, "events"))
    target = form_text(form, "target")
    refs = {"faq": form_text(form, "faq_code") or form_text(form, "faq"), "procedure": form_text(form, "procedure_code") or form_text(form, "procedure"),
            "thesaurus": form_text(form, "group")}
    values = {k: form_text(form, k) for k in ("phrases", "target", "faq", "faq_code", "procedure", "procedure_code", "group", "canonical")}
    back = safe_next(form_text(form, "back")) if form_text(form, "back") else ""
    try:
        result = service.attach(
            db, events, target, refs.get(target, ""), form_text(form, "phrases"), user.username, form_text(form, "canonical")
        )
    except service.AttachError as exc:
        db.rollback()
        try:
            candidates = service.load_candidates(db, events)
        except service.AttachError:
            return redirect(request, back or "/console/review/dashboard", exc.message, "error")
        return _form(request, db, candidates, _back(back, candidates), values, exc.message, 400)
    label = service.TARGET_LABELS[result.target]
    if result.added:
        message = (f"Đã gắn {len(result.added)} cách hỏi vào {label} “{result.title[:80]}”. "
                   "Câu hỏi giống vậy được trả lời trong vài giây, không cần huấn luyện lại.")
    else:
        message = f"{label.capitalize()} “{result.title[:80]}” đã có cách hỏi này; đã đánh dấu câu hỏi là đã xem xét."
    if result.note:
        message += " " + result.note
    return redirect(request, back or _back("", service.load_candidates_quiet(db, events)), message)
