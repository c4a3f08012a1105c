"""Wire the console into the FastAPI app: routers, static files, error pages, upload limit."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dichvucong.config import Settings
from dichvucong.console.context import PREFIX, STATIC_DIR, ConsoleContext
from dichvucong.console.errors import ConsoleError, LoginRequired, UploadTooLarge
from dichvucong.console.security import TokenSigner, configure_hashing, resolve_secret_key
from dichvucong.console.services.accounts import ensure_admin_from_env
from dichvucong.console.services.transfer import too_large_message
from dichvucong.console.templating import build_templates, render
from dichvucong.console.transport import TransportSecurityMiddleware

log = logging.getLogger(__name__)


def install_console(app: FastAPI, settings: Settings) -> None:
    """Mount the console under /console on ``app``."""
    from dichvucong.console.routes import ROUTERS

    secret = resolve_secret_key(settings)
    max_age = int(settings.console_session_hours * 3600)
    app.state.console = ConsoleContext(settings, secret, TokenSigner(secret, max_age), build_templates())
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(STATIC_DIR)), name="console-static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(UploadLimitMiddleware, max_bytes=app.state.console.max_upload_bytes)
    app.add_middleware(TransportSecurityMiddleware, settings=settings)  # Secure cookies + HSTS on HTTPS
    configure_hashing(settings)
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(ConsoleError, _console_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


def bootstrap_console(app: FastAPI) -> None:
    """At start-up: the first admin from CONSOLE_ADMIN_USERNAME/PASSWORD when none exists."""
    ensure_admin_from_env(app.state.sessionmaker, app.state.console.settings)


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    target = exc.next_url if exc.next_url.startswith(PREFIX) else PREFIX
    return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='/')}", status_code=303)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Console URLs that do not exist get a page; the JSON API keeps FastAPI's answer."""
    if not request.url.path.startswith(PREFIX) or exc.status_code != 404:
        return await http_exception_handler(request, exc)
    message = "Trang này không tồn tại. Hãy dùng thanh điều hướng phía trên."
    return render(request, "error.html", {"title": "Không tìm thấy", "message": message}, status_code=404)


async def _console_error(request: Request, exc: ConsoleError) -> Response:
    return render(request, "error.html", {"title": exc.title, "message": exc.message}, status_code=exc.status_code)


def console_bad_request(request: Request) -> Response:
    """A malformed console URL or form (e.g. ``?page=abc``): a page, not JSON."""
    message = "Địa chỉ hoặc biểu mẫu không hợp lệ. Hãy quay lại trang trước và thử lại."
    return render(request, "error.html", {"title": "Yêu cầu không hợp lệ", "message": message}, status_code=400)


class UploadLimitMiddleware:
    """Refuse console requests whose body is larger than the upload limit (plus form overhead).

    A declared Content-Length is checked before anything is read; a body sent without one is
    counted while it streams in.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.limit = max_bytes + 512 * 1024  # multipart boundaries and the other form fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX) or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise UploadTooLarge(_too_large_message(self.limit))
            return message

        await self.app(scope, counting_receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        max_bytes = self.limit - 512 * 1024
        body = (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Tệp quá lớn</title>"
            f"<link rel='stylesheet' href='{PREFIX}/static/console.css'></head><body><main class='container'>"
            f"<div class='card'><h1>Tệp quá lớn</h1><p>{too_large_message(max_bytes)}</p>"
            f"<p><a class='button' href='{PREFIX}/import'>Quay lại trang nhập dữ liệu</a></p></div></main></body></html>"
        )
        response = HTMLResponse(body, status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)


def _too_large_message(limit: int) -> str:
    return too_large_message(limit - 512 * 1024)
