"""Routes of the chat widget.

``GET /widget/widget.js`` — the widget (its stylesheet inlined, so one tag embeds it),
``POST /widget/session`` — a signed session token for a new conversation, or a renewed one
for the page's current conversation (``{"token": ...}``); see ``dichvucong/widget/token.py``,
``GET /widget/demo`` — a mock provincial portal page that embeds the widget (development
only: ``WIDGET_DEMO_ENABLED``, off by default with ``CONSOLE_ENV=production``).

The Rasa server the demo page points the widget at comes from ``?rasa=`` on the demo URL
(never in production), else ``RASA_PUBLIC_URL``, else the widget's own default (same host
as the page, port 5005).
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import lru_cache
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from dichvucong.widget.settings import WidgetSettings
from dichvucong.widget.token import MAX_TOKEN_LENGTH, TokenError

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
CSS_PLACEHOLDER = '"__DVCW_CSS__"'

SESSION_OFF = "Trợ lý trên web đang tạm ngừng. Vui lòng thử lại sau."
SESSION_ENDED = "Phiên trò chuyện đã hết hạn hoặc không hợp lệ. Vui lòng bắt đầu phiên mới."

router = APIRouter(prefix="/widget", tags=["widget"])


def widget_settings(request: Request) -> WidgetSettings:
    """The app's widget settings (read from the environment once per app)."""
    settings = getattr(request.app.state, "widget_settings", None)
    if settings is None:
        settings = WidgetSettings()
        request.app.state.widget_settings = settings
    return settings


@lru_cache(maxsize=1)
def widget_bundle() -> tuple[bytes, str]:
    """widget.js with widget.css inlined, and its ETag (built once per process)."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    css = (STATIC / "widget.css").read_text(encoding="utf-8")
    if CSS_PLACEHOLDER not in source:
        raise RuntimeError("widget.js lost its CSS placeholder")
    body = source.replace(CSS_PLACEHOLDER, json.dumps(css), 1).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _cached(body: bytes, media_type: str, etag: str, request: Request, max_age: int) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
        # a script tag needs no CORS, but allow fetch()-based loaders on other origins too
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/widget.js", summary="The embeddable chat widget")
def widget_js(request: Request) -> Response:
    body, etag = widget_bundle()
    return _cached(body, "text/javascript; charset=utf-8", etag, request, max_age=300)


class SessionRequest(BaseModel):
    """``{}`` for a new conversation, ``{"token": ...}`` to renew the current one."""

    token: str | None = Field(default=None, max_length=MAX_TOKEN_LENGTH)


def _cors_headers(request: Request, settings: WidgetSettings) -> dict[str, str]:
    """CORS for portal pages listed in RASA_CORS_ORIGINS (same-origin pages need none)."""
    origin = (request.headers.get("origin") or "").rstrip("/")
    headers = {"Vary": "Origin", "Cache-Control": "no-store"}
    if origin and origin in settings.allowed_origins:
        headers.update({
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        })
    return headers


@router.options("/session", include_in_schema=False)
def session_preflight(request: Request) -> Response:
    return Response(status_code=204, headers=_cors_headers(request, widget_settings(request)))


@router.post("/session", summary="A signed session token for the widget's conversation")
def session(request: Request, body: SessionRequest | None = None) -> JSONResponse:
    settings = widget_settings(request)
    headers = _cors_headers(request, settings)
    signer = settings.signer()
    if signer is None:
        return JSONResponse({"error": "off", "detail": SESSION_OFF}, status_code=503, headers=headers)
    try:
        token, claims = signer.renew(body.token) if body is not None and body.token else signer.issue()
    except TokenError as exc:
        return JSONResponse({"error": exc.reason, "detail": SESSION_ENDED}, status_code=401, headers=headers)
    return JSONResponse(
        {"token": token, "issued_at": claims.issued_at, "expires_at": claims.expires_at},
        headers=headers,
    )


def public_rasa_url(override: str | None, configured: str = "") -> str | None:
    """The Rasa URL for the demo page: ``override`` or RASA_PUBLIC_URL, if it is http(s)."""
    for candidate in (override, configured):
        if candidate and candidate.strip():
            url = candidate.strip().rstrip("/")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise HTTPException(status_code=422, detail="Địa chỉ máy chủ Rasa phải bắt đầu bằng http:// hoặc https://.")
            return url
    return None


@router.get("/demo", response_class=HTMLResponse, summary="Demo portal page embedding the widget")
def demo_page(request: Request, rasa: str | None = None) -> HTMLResponse:
    settings = widget_settings(request)
    if not settings.demo_enabled:
        raise HTTPException(status_code=404, detail="Không có trang này.")
    if rasa and settings.production:
        raise HTTPException(status_code=400, detail="Trang demo chỉ dùng máy chủ Rasa đã cấu hình.")
    rasa_url = public_rasa_url(rasa, settings.rasa_public_url)
    script_url = request.url_for("widget_js")
    attributes = [f'src="{html.escape(script_url.path, quote=True)}"']
    if rasa_url:
        attributes.append(f'data-rasa-url="{html.escape(rasa_url, quote=True)}"')
    tag = "<script " + " ".join(attributes) + " defer></script>"
    snippet = tag.replace(attributes[0], f'src="{html.escape(str(script_url), quote=True)}"', 1)
    page = Template((TEMPLATES / "demo.html").read_text(encoding="utf-8")).substitute(
        widget_tag=tag,
        widget_tag_text=html.escape(snippet),
        rasa_label=html.escape(rasa_url or "cùng máy chủ với trang, cổng 5005"),
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
