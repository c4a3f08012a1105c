"""Try it: what the bot would answer to a citizen's question, and why."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from dichvucong.api.deps import SessionDep
from dichvucong.assistant.service import AssistantService
from dichvucong.console.deps import CurrentUser
from dichvucong.console.routes.common import console_router
from dichvucong.console.templating import render
from dichvucong.db.models import Faq, Procedure

router = console_router("/try")

KIND_LABELS = {
    "answer": "Trả lời theo thủ tục",
    "faq": "Trả lời bằng câu hỏi thường gặp",
    "clarify": "Hỏi lại để làm rõ",
    "not_found": "Không tìm thấy câu trả lời",
    "ask_procedure": "Hỏi người dân đang hỏi thủ tục nào",
    "bad_input": "Câu hỏi không đọc được",
}


@router.get("")
def try_page(request: Request, user: CurrentUser, db: SessionDep, q: str = "") -> Response:
    """The question box; with ``q``, the bot's reply (as the REST channel would give it) and the top hits."""
    q = q.strip()[:2000]
    context: dict = {"nav": "try", "q": q, "kind_labels": KIND_LABELS}
    if q:
        assistant: AssistantService = request.app.state.assistant
        reply = assistant.answer_question(q, intent=None)
        hits = assistant.search(q, k=8)
        used_procedure_id = db.scalar(select(Procedure.id).where(Procedure.code == reply.procedure_code)) if reply.procedure_code else None
        used_faq_id = db.scalar(select(Faq.id).where(Faq.external_id == reply.faq_id)) if reply.faq_id else None
        context.update(reply=reply, hits=hits, used_procedure_id=used_procedure_id, used_faq_id=used_faq_id)
    return render(request, "try.html", context)
