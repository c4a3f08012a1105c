"""``GET /health``: the service is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from dichvucong.api.deps import SearchDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep, search_service: SearchDep) -> JSONResponse:
    """200 with the content revision when the database answers, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "content_revision": search_service.revision})
