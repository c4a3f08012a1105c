"""Accounts (admins only): list, create, change role, deactivate, unlock, reset password."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import AdminUser, FormDep
from dichvucong.console.errors import NotFound
from dichvucong.console.routes.common import console_router, form_text
from dichvucong.console.services import accounts as service
from dichvucong.console.templating import redirect, render
from dichvucong.db.models import CONSOLE_ROLES, ConsoleUser

router = console_router("/users")


def _list_page(request: Request, db: SessionDep, error: str | None = None, values: dict | None = None, status_code: int = 200) -> Response:
    users = list(db.scalars(select(ConsoleUser).order_by(ConsoleUser.username)))
    slowed = service.slowed_usernames(db, [u.username for u in users], request.app.state.console.settings)
    locked_ids = {u.id for u in users if u.username in slowed}
    context = {"nav": "users", "users": users, "locked_ids": locked_ids, "roles": CONSOLE_ROLES, "error": error, "values": values or {"role": "editor"}}
    return render(request, "users/list.html", context, status_code=status_code)


@router.get("")
def user_list(request: Request, user: AdminUser, db: SessionDep) -> Response:
    return _list_page(request, db)


@router.post("")
def user_create(request: Request, user: AdminUser, db: SessionDep, form: FormDep) -> Response:
    username, full_name, role = form_text(form, "username"), form_text(form, "full_name"), form_text(form, "role")
    password, confirm = form.get("password"), form.get("confirm")
    values = {"username": username, "full_name": full_name, "role": role}
    if not isinstance(password, str) or password != confirm:
        return _list_page(request, db, "Hai lần nhập mật khẩu không khớp.", values, 400)
    try:
        created = service.create_user(db, username, password, role, full_name)
    except service.AccountError as exc:
        db.rollback()
        return _list_page(request, db, str(exc), values, 400)
    db.commit()
    return redirect(request, "/console/users", f"Đã tạo tài khoản {created.username} ({service.ROLE_LABELS[role]}).")


def _target(db: SessionDep, user_id: int) -> ConsoleUser:
    target = db.get(ConsoleUser, user_id)
    if target is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return target


@router.post("/{user_id}")
def user_update(request: Request, user_id: int, user: AdminUser, db: SessionDep, form: FormDep) -> Response:
    """Change role / active flag, unlock, or set a new password (other fields left as they are)."""
    target = _target(db, user_id)
    action = form_text(form, "action")
    message = "Đã cập nhật tài khoản."
    try:
        if action == "role":
            role = form_text(form, "role")
            if role not in CONSOLE_ROLES:
                raise service.AccountError("Vai trò không hợp lệ.")
            if target.role == "admin" and role != "admin" and service.active_admins(db) <= 1:
                raise service.AccountError("Phải còn ít nhất một quản trị viên.")
            target.role = role
            service.end_user_sessions(db, target.id)
        elif action in ("deactivate", "activate"):
            if target.id == user.id:
                raise service.AccountError("Không thể tự khóa tài khoản của chính mình.")
            target.active = action == "activate"
            service.end_user_sessions(db, target.id)
            message = "Đã mở lại tài khoản." if target.active else "Đã khóa tài khoản; người này không đăng nhập được nữa."
        elif action == "unlock":
            service.clear_throttle(db, target, user.username)
            message = "Đã bỏ giới hạn đăng nhập: tài khoản đăng nhập lại được ngay."
        elif action == "password":
            password = form.get("password")
            service.set_password(db, target, password if isinstance(password, str) else "")
            message = f"Đã đặt mật khẩu mới cho {target.username}."
        else:
            raise service.AccountError("Thao tác không hợp lệ.")
    except service.AccountError as exc:
        db.rollback()
        return _list_page(request, db, str(exc), status_code=400)
    db.commit()
    return redirect(request, "/console/users", message)
