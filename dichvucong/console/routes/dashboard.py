"""The console's home page: what the bot knows and the latest changes."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dichvucong.api.deps import SessionDep
from dichvucong.applications.budget import CodeBudget
from dichvucong.console.deps import ConsoleDep, CurrentUser
from dichvucong.console.routes.common import console_router
from dichvucong.console.templating import render
from dichvucong.db.models import ContentVersion, Faq, Procedure
from dichvucong.notifications.dispatch import outbox_counts
from dichvucong.worker.status import job_states

router = console_router()


def _count(db: Session, model: type[Faq] | type[Procedure], *conditions: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


@router.get("")
@router.get("/")
def home(request: Request, user: CurrentUser, db: SessionDep, ctx: ConsoleDep) -> Response:
    counts = {
        "faq_published": _count(db, Faq, Faq.published.is_(True), Faq.deleted_at.is_(None)),
        "faq_draft": _count(db, Faq, Faq.published.is_(False), Faq.deleted_at.is_(None)),
        "faq_deleted": _count(db, Faq, Faq.deleted_at.is_not(None)),
        "procedure_enabled": _count(db, Procedure, Procedure.enabled.is_(True)),
        "procedure_disabled": _count(db, Procedure, Procedure.enabled.is_(False)),
    }
    recent = list(
        db.scalars(select(ContentVersion).where(ContentVersion.action != "baseline").order_by(ContentVersion.id.desc()).limit(10))
    )
    locked_codes = CodeBudget(request.app.state.sessionmaker, ctx.settings).locked_count()  # staff alert
    jobs, outbox = job_states(db), outbox_counts(db)  # what the background worker last did
    return render(
        request, "dashboard.html",
        {"nav": "home", "counts": counts, "recent": recent, "locked_codes": locked_codes, "jobs": jobs, "outbox": outbox},
    )
