"""Application factory of the console/API service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dichvucong.api.routes import health, search
from dichvucong.config import Settings, get_settings
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the search index is built once at start-up, then kept fresh."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessionmaker = get_sessionmaker(settings.database_url)
        app.state.search = SearchService(app.state.sessionmaker, settings.search_refresh_seconds)
        app.state.search.refresh(force=True)
        yield

    app = FastAPI(title="Trợ lý dịch vụ công", version="0.1.0", lifespan=lifespan)
    app.include_router(search.router)
    app.include_router(health.router)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "Yêu cầu không hợp lệ.", "errors": exc.errors()}, status_code=422)

    return app
