"""``GET /health``: the service is up and its database answers; the background jobs' last runs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from dichvucong.api.deps import SearchDep, SessionDep
from dichvucong.notifications.dispatch import outbox_counts
from dichvucong.worker.status import job_states

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep, search_service: SearchDep) -> JSONResponse:
    """200 with the content revision when the database answers, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    body: dict[str, object] = {"status": "ok", "database": "ok", "content_revision": search_service.revision}
    try:  # what `dvc worker` last did (informative: a late job does not make the console unhealthy)
        states = job_states(session)
        body["jobs"] = {state.name: state.as_json() for state in states}
        body["jobs_late"] = [state.name for state in states if state.late]
        body["outbox"] = outbox_counts(session)
    except Exception:  # noqa: BLE001 - a database older than the worker's tables
        session.rollback()
    return JSONResponse(body)
