"""Application factory of the console/API service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from dichvucong.api.routes import health, search
from dichvucong.assistant.service import AssistantService
from dichvucong.config import Settings
from dichvucong.console import bootstrap_console, console_bad_request, install_console
from dichvucong.db.session import get_sessionmaker
from dichvucong.handoff.hours import check_handoff_settings
from dichvucong.handoff.widget_routes import router as handoff_widget_router
from dichvucong.review import review_router
from dichvucong.search import SearchService
from dichvucong.widget import router as widget_router
from dichvucong.widget.settings import check_widget_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app (API + console); the search index is built once at start-up, then kept fresh.

    Started as a server (no ``settings`` given), the database and its schema are checked before
    it serves (``dichvucong/startup.py``): a wrong value stops the start with one line.
    """
    validate = settings is None
    if settings is None:
        from dichvucong.startup import StartupError, load_settings

        try:  # a wrong setting: one line naming it, not a stack trace
            settings = load_settings()
        except StartupError as exc:
            raise SystemExit(f"Bảng điều khiển không khởi động được: {exc}") from None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if validate:
            _validate_startup(settings)
        app.state.sessionmaker = get_sessionmaker(settings.database_url)
        app.state.search = SearchService(app.state.sessionmaker, settings.search_refresh_seconds)
        app.state.search.refresh(force=True)
        app.state.assistant = AssistantService(app.state.sessionmaker, app.state.search, settings)
        bootstrap_console(app)
        yield

    app = FastAPI(title="Trợ lý dịch vụ công", version="0.1.0", lifespan=lifespan)
    app.state.widget_settings = check_widget_settings()  # WIDGET_TOKEN_SECRET etc.; fails in production
    check_handoff_settings(settings)  # office hours and agencies (HANDOFF_*): a broken file stops the start
    app.include_router(search.router)
    app.include_router(health.router)
    install_console(app, settings)  # the officials' web console under /console
    app.include_router(review_router)  # officials review citizens' conversations: /console/review
    app.include_router(widget_router)  # the citizens' chat widget and its demo portal page
    app.include_router(handoff_widget_router)  # the widget fetches staff replies: /widget/updates

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/console"):
            return console_bad_request(request)
        return JSONResponse({"detail": "Yêu cầu không hợp lệ.", "errors": exc.errors()}, status_code=422)

    return app


def _validate_startup(settings: Settings) -> None:
    import logging

    from dichvucong.startup import StartupError, validate_startup

    try:
        validate_startup("console", settings=settings)
    except StartupError as exc:
        logging.getLogger(__name__).critical("Bảng điều khiển không khởi động được: %s", exc)
        raise
