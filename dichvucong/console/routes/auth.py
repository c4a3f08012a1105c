"""Sign in, sign out and change one's own password."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, ConsoleSessionDep, CurrentUser, FormDep
from dichvucong.console.routes.common import console_router, form_text, safe_next
from dichvucong.console.security import SESSION_COOKIE, HashingBusy, verify_password
from dichvucong.console.services import accounts
from dichvucong.console.services.sessions import end_session, start_session
from dichvucong.console.templating import redirect, render, set_cookie
from dichvucong.console.transport import client_address

router = console_router()


@router.get("/login")
def login_page(request: Request, console_session: ConsoleSessionDep, next: str = "") -> Response:
    """The sign-in form (or straight on when already signed in)."""
    if console_session is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login(request: Request, form: FormDep, db: SessionDep, ctx: ConsoleDep) -> Response:
    """Check the password (throttled, same message for every failure) and start a session."""
    username = form_text(form, "username")
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    target = safe_next(form_text(form, "next"))
    address = client_address(request.scope, ctx.settings)
    result = accounts.authenticate(db, username[:200], password[:1000], ctx.settings, address)
    if result.user is None:
        context = {"next": target, "username": username[:200], "error": result.error}
        response = render(request, "login.html", context, status_code=result.status_code)
        if result.retry_after:
            response.headers["Retry-After"] = str(result.retry_after)
        return response
    token = start_session(db, result.user, ctx.settings.console_session_hours)
    response = redirect(request, target, f"Xin chào {result.user.full_name or result.user.username}!")
    set_cookie(response, ctx, SESSION_COOKIE, ctx.signer.sign_cookie(token))
    return response


@router.post("/logout")
def logout(request: Request, db: SessionDep, ctx: ConsoleDep) -> Response:
    end_session(db, ctx.signer.unsign_cookie(request.cookies.get(SESSION_COOKIE)))
    response = redirect(request, "/console/login", "Bạn đã đăng xuất.")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/account")
def account_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "account.html", {"nav": "account"})


@router.post("/account/password")
def change_password(request: Request, user: CurrentUser, form: FormDep, db: SessionDep, ctx: ConsoleDep) -> Response:
    """Change one's own password; other sessions of the account end, this one goes on."""
    current, new, confirm = (form.get(n) if isinstance(form.get(n), str) else "" for n in ("current", "new", "confirm"))
    error = None
    try:
        current_ok = verify_password(user.password_hash, current)  # type: ignore[arg-type]
    except HashingBusy:
        return render(request, "account.html", {"nav": "account", "error": accounts.BUSY_LOGIN}, status_code=503)
    if not current_ok:
        error = "Mật khẩu hiện tại không đúng."
    elif new != confirm:
        error = "Hai lần nhập mật khẩu mới không khớp."
    if error is None:
        try:
            accounts.set_password(db, user, new)  # type: ignore[arg-type]
        except accounts.AccountError as exc:
            error = str(exc)
        except HashingBusy:
            error = accounts.BUSY_LOGIN
    if error:
        db.rollback()
        return render(request, "account.html", {"nav": "account", "error": error}, status_code=400)
    db.commit()
    token = start_session(db, user, ctx.settings.console_session_hours)
    response = redirect(request, "/console/account", "Đã đổi mật khẩu.")
    set_cookie(response, ctx, SESSION_COOKIE, ctx.signer.sign_cookie(token))
    return response
