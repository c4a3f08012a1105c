"""Helpers shared by the console routers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData

from dichvucong.console.context import PREFIX
from dichvucong.console.deps import csrf_protect


def console_router(path: str = "", tag: str = "console") -> APIRouter:
    """A router under /console whose POST routes all require the CSRF token."""
    return APIRouter(prefix=PREFIX + path, tags=[tag], include_in_schema=False, dependencies=[Depends(csrf_protect)])


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_int(form: FormData, name: str) -> int | None:
    value = form_text(form, name)
    return int(value) if value.isdigit() else None


def safe_next(url: str | None) -> str:
    """Only redirect inside the console (no open redirects)."""
    if url and url.startswith(PREFIX) and not url.startswith("//") and "\\" not in url:
        return url
    return PREFIX
