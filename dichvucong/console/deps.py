"""Typed dependencies of the console routes: the signed-in official, roles, CSRF, forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from dichvucong.api.deps import SessionDep
from dichvucong.console.context import ConsoleContext
from dichvucong.console.errors import CsrfRejected, Forbidden, LoginRequired
from dichvucong.console.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE
from dichvucong.console.services.sessions import find_session
from dichvucong.db.models import ConsoleSession, ConsoleUser

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EDIT_ROLES = frozenset({"admin", "editor"})


def get_console(request: Request) -> ConsoleContext:
    return request.app.state.console


ConsoleDep = Annotated[ConsoleContext, Depends(get_console)]


async def get_form(request: Request) -> FormData:
    """The submitted form (parsed once per request; empty for GET)."""
    if request.method in SAFE_METHODS:
        return FormData()
    return await request.form()


FormDep = Annotated[FormData, Depends(get_form)]


def get_console_session(request: Request, db: SessionDep, ctx: ConsoleDep) -> ConsoleSession | None:
    """The live session named by the cookie (cached on the request), or ``None``."""
    if not hasattr(request.state, "console_session"):
        token = ctx.signer.unsign_cookie(request.cookies.get(SESSION_COOKIE))
        found = find_session(db, token)
        request.state.console_session = found
        request.state.console_user = found.user if found else None
    return request.state.console_session


ConsoleSessionDep = Annotated[ConsoleSession | None, Depends(get_console_session)]


def csrf_protect(request: Request, form: FormDep, console_session: ConsoleSessionDep, ctx: ConsoleDep) -> None:
    """Every POST must carry the CSRF token of this session (or, before login, of this browser)."""
    if request.method in SAFE_METHODS:
        return
    nonce = console_session.csrf_secret if console_session else request.cookies.get(CSRF_COOKIE)
    token = form.get(CSRF_FIELD)
    if not ctx.signer.csrf_valid(token if isinstance(token, str) else None, nonce):
        raise CsrfRejected()


def current_user(request: Request, console_session: ConsoleSessionDep) -> ConsoleUser:
    """The signed-in official; otherwise the browser is sent to the login page."""
    if console_session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method in SAFE_METHODS else "/console")
    return console_session.user


CurrentUser = Annotated[ConsoleUser, Depends(current_user)]


def editor_user(user: CurrentUser) -> ConsoleUser:
    """Admins and editors change content; reviewers only read."""
    if user.role not in EDIT_ROLES:
        label = "Hỗ trợ trực tuyến" if user.role == "agent" else "Xem xét"
        raise Forbidden(
            f"Tài khoản của bạn (vai trò {label}) chỉ được xem nội dung và dùng ô Thử hỏi, "
            "không được sửa. Hãy nhờ biên tập viên hoặc quản trị viên."
        )
    return user


EditorUser = Annotated[ConsoleUser, Depends(editor_user)]


def admin_user(user: CurrentUser) -> ConsoleUser:
    """Only admins manage accounts."""
    if user.role != "admin":
        raise Forbidden("Chỉ quản trị viên mới được quản lý tài khoản.")
    return user


AdminUser = Annotated[ConsoleUser, Depends(admin_user)]

INBOX_ROLES = frozenset({"admin", "agent"})


def agent_user(user: CurrentUser) -> ConsoleUser:
    """Agents answer citizens in the inbox; admins may act as agents."""
    if user.role not in INBOX_ROLES:
        raise Forbidden("Chỉ cán bộ hỗ trợ trực tuyến (vai trò Hỗ trợ trực tuyến) và quản trị viên mới được dùng Hộp thư hỗ trợ.")
    return user


AgentUser = Annotated[ConsoleUser, Depends(agent_user)]
