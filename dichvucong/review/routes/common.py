"""Helpers shared by the review routers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dichvucong.console.context import ConsoleContext
from dichvucong.console.routes.common import console_router
from dichvucong.console.templating import render
from dichvucong.review.services.sync import SyncReport, sync
from dichvucong.review.tracker import public_source
from dichvucong.review.view import rv

TEMPLATE_DIR = "review"  # under dichvucong/console/templates/


def review_router(path: str = ""):  # type: ignore[no-untyped-def]
    """A console router under /console/review (CSRF checked on every POST)."""
    return console_router("/review" + path, tag="review")


def page(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """A review page: the console layout, ``rv`` helpers, the review nav entry."""
    return render(request, f"{TEMPLATE_DIR}/{template}", {"nav": "review", "rv": rv, **(context or {})}, status_code)


def refresh_summary(db: Session, tracker: Engine | None, ctx: ConsoleContext) -> SyncReport:
    """Read the events Rasa stored since the last request into the summary tables."""
    url = ctx.settings.tracker_store_url
    return sync(db, tracker, public_source(url), ctx.settings.review_sync_settle_seconds)


def query_dict(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}
