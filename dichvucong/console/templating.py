"""Render console pages: layout context (user, CSRF token, flash message) and filters."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer

from dichvucong.catalog.parsing import format_amount
from dichvucong.console.context import TEMPLATES_DIR, ConsoleContext
from dichvucong.console.security import CSRF_COOKIE
from dichvucong.console.services.accounts import ROLE_DESCRIPTIONS, ROLE_LABELS
from dichvucong.console.timeutil import local_time

FLASH_COOKIE = "dvc_console_flash"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
EDIT_ROLES = frozenset({"admin", "editor"})


_REASONS = (
    (re.compile(r"String should have at least 1 character"), "không được để trống"),
    (re.compile(r"String should have at most (\d+) characters?"), r"dài quá \1 ký tự"),
    (re.compile(r"Field required"), "thiếu"),
    (re.compile(r"Input should be a valid boolean.*"), "phải là có/không (true/false)"),
    (re.compile(r"Input should be a valid (list|array).*"), "phải là danh sách"),
    (re.compile(r"Input should be a valid string.*"), "phải là chữ"),
    (re.compile(r"Input should be a valid dictionary.*"), "phải là một đối tượng"),
    (re.compile(r"Value error, "), ""),
)


def vietnamese_reason(reason: str) -> str:
    """Importer reasons come partly from pydantic in English; officials read Vietnamese."""
    for pattern, replacement in _REASONS:
        reason = pattern.sub(replacement, reason)
    return reason


def build_templates() -> Jinja2Templates:
    """Templates with autoescaping on (content officials type is always shown as text)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.filters["localtime"] = local_time
    env.filters["money"] = lambda v: "" if v is None else format_amount(int(v))
    env.filters["reason"] = vietnamese_reason
    env.filters["days"] = lambda d: "" if d is None else f"{d:g}".replace(".", ",")
    env.globals["ROLE_LABELS"] = ROLE_LABELS
    env.globals["ROLE_DESCRIPTIONS"] = ROLE_DESCRIPTIONS
    return templates


def _ctx(request: Request) -> ConsoleContext:
    return request.app.state.console


def _csrf_nonce(request: Request) -> tuple[str, bool]:
    """The nonce CSRF tokens are bound to, and whether a new browser cookie must be set."""
    console_session = getattr(request.state, "console_session", None)
    if console_session is not None:
        return console_session.csrf_secret, False
    nonce = request.cookies.get(CSRF_COOKIE)
    if nonce and 16 <= len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(24), True


def set_cookie(response: Response, ctx: ConsoleContext, name: str, value: str, max_age: int | None = None) -> None:
    """Console cookies: HttpOnly, SameSite=Lax, Secure when configured, path /console."""
    response.set_cookie(
        name, value, max_age=max_age, path="/console", httponly=True, samesite="lax",
        secure=ctx.settings.console_cookie_secure,
    )


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """A page of the console with the layout's context filled in."""
    ctx = _ctx(request)
    nonce, new_nonce = _csrf_nonce(request)
    user = getattr(request.state, "console_user", None)
    flash = read_flash(request)
    values = {
        "user": user,
        "can_edit": user is not None and user.role in EDIT_ROLES,
        "is_admin": user is not None and user.role == "admin",
        "csrf_token": ctx.signer.csrf_token(nonce),
        "flash": flash,
        "max_upload_bytes": ctx.max_upload_bytes,
        "max_upload_mb": ctx.settings.console_max_upload_mb,
        **(context or {}),
    }
    response = ctx.templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    if new_nonce:
        set_cookie(response, ctx, CSRF_COOKIE, nonce)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return response


def _flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(_ctx(request).secret_key, salt="dvc-console-flash")


def redirect(
    request: Request, url: str, message: str | None = None, kind: str = "success", undo: dict[str, str] | None = None
) -> RedirectResponse:
    """303 to ``url`` with an optional one-time message (and an undo button) shown there."""
    response = RedirectResponse(url, status_code=303)
    if message:
        payload = {"text": message, "kind": kind, "undo": undo}
        value = _flash_serializer(request).dumps(payload)
        set_cookie(response, _ctx(request), FLASH_COOKIE, value, max_age=120)
    return response


def read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = _flash_serializer(request).loads(raw)
    except (BadSignature, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None
