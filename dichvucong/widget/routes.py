"""Routes of the chat widget.

``GET /widget/widget.js`` — the widget (its stylesheet inlined, so one tag embeds it),
``GET /widget/vendor/{name}`` — the vendored socket.io client and its licence,
``GET /widget/demo`` — a mock provincial portal page that embeds the widget.

The Rasa server the demo page points the widget at comes from ``?rasa=`` on the demo URL,
else ``RASA_PUBLIC_URL``, else the widget's own default (same host as the page, port 5005).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from functools import lru_cache
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
CSS_PLACEHOLDER = '"__DVCW_CSS__"'

# Files under static/vendor/ that may be served, with their media types (no path lookups).
VENDOR_FILES = {
    "socket.io.min.js": "text/javascript; charset=utf-8",
    "socket.io-client.LICENSE": "text/plain; charset=utf-8",
}

router = APIRouter(prefix="/widget", tags=["widget"])


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


@router.get("/vendor/{name}", summary="Vendored client libraries of the widget")
def vendor_file(name: str, request: Request) -> Response:
    media_type = VENDOR_FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="Không có tệp này.")
    body = (STATIC / "vendor" / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return _cached(body, media_type, etag, request, max_age=86400)


def public_rasa_url(override: str | None) -> str | None:
    """The Rasa URL for the demo page: ``override`` or RASA_PUBLIC_URL, if it is http(s)."""
    for candidate in (override, os.environ.get("RASA_PUBLIC_URL")):
        if candidate and candidate.strip():
            url = candidate.strip().rstrip("/")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise HTTPException(status_code=422, detail="Địa chỉ máy chủ Rasa phải bắt đầu bằng http:// hoặc https://.")
            return url
    return None


@router.get("/demo", response_class=HTMLResponse, summary="Demo portal page embedding the widget")
def demo_page(request: Request, rasa: str | None = None, transport: str | None = None) -> HTMLResponse:
    rasa_url = public_rasa_url(rasa)
    script_url = request.url_for("widget_js")
    attributes = [f'src="{html.escape(script_url.path, quote=True)}"']
    if rasa_url:
        attributes.append(f'data-rasa-url="{html.escape(rasa_url, quote=True)}"')
    if transport in ("rest", "socketio"):
        attributes.append(f'data-transport="{transport}"')
    tag = "<script " + " ".join(attributes) + " defer></script>"
    snippet = tag.replace(attributes[0], f'src="{html.escape(str(script_url), quote=True)}"', 1)
    page = Template((TEMPLATES / "demo.html").read_text(encoding="utf-8")).substitute(
        widget_tag=tag,
        widget_tag_text=html.escape(snippet),
        rasa_label=html.escape(rasa_url or "cùng máy chủ với trang, cổng 5005"),
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
