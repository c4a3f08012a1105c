"""Downloads: NLU training data from corrected messages, conversations as CSV (masked, audited)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep
from dichvucong.console.timeutil import VIETNAM_TZ
from dichvucong.db.base import utcnow
from dichvucong.review.deps import ReviewerUser, TrackerDep
from dichvucong.review.routes.common import query_dict, refresh_summary, review_router
from dichvucong.review.services import annotations as notes
from dichvucong.review.services.exports import conversations_csv, nlu_export
from dichvucong.review.services.listing import ConversationFilter

router = review_router("/export")


def _stamp() -> str:
    return utcnow().astimezone(VIETNAM_TZ).strftime("%Y%m%d-%H%M")


def _download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/nlu.yml")
def export_nlu(user: ReviewerUser, db: SessionDep) -> Response:
    """Rasa NLU YAML (version 3.1): corrected messages grouped by intent, deduplicated, masked."""
    result = nlu_export(db)
    notes.audit(db, user.username, "export_nlu", detail=f"{result.count} ví dụ")
    db.commit()
    return Response(result.yaml, media_type="text/yaml; charset=utf-8", headers=_download_headers(f"nlu-tu-hoi-thoai-{_stamp()}.yml"))


@router.get("/conversations.csv")
def export_conversations(request: Request, user: ReviewerUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep) -> Response:
    """The conversations the list's filters select, one row per message, masked."""
    refresh_summary(db, tracker, ctx)
    flt = ConversationFilter.from_query(query_dict(request), ctx.settings.review_low_confidence)
    notes.audit(db, user.username, "export_csv", detail=str(flt.params()))
    db.commit()
    body = conversations_csv(request.app.state.sessionmaker, tracker, flt)
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=_download_headers(f"hoi-thoai-{_stamp()}.csv"))
