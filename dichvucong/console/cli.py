"""``dvc create-admin``: the first console admin (or a new password for an existing one)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from dichvucong.console.security import password_problem
from dichvucong.console.services import accounts
from dichvucong.db.session import session_scope

console = Console()
err_console = Console(stderr=True)
PASSWORD_ENV = "CONSOLE_ADMIN_PASSWORD"


def create_admin(
    username: Annotated[str, typer.Option("--username", help="Tên đăng nhập của quản trị viên.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Họ tên hiển thị.")] = "",
    database_url: Annotated[str | None, typer.Option("--database-url", help="Mặc định: biến DATABASE_URL.")] = None,
) -> None:
    """Tạo tài khoản quản trị bảng điều khiển (mật khẩu hỏi khi chạy, hoặc lấy từ CONSOLE_ADMIN_PASSWORD).

    Nếu tài khoản đã có: đặt lại mật khẩu, chuyển thành quản trị, mở khóa.
    """
    from dichvucong.db.migrate import upgrade

    password = os.environ.get(PASSWORD_ENV) or typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    problem = password_problem(password) or accounts.username_problem(accounts.normalize_username(username))
    if problem:
        err_console.print(f"[red]Lỗi:[/red] {problem}")
        raise typer.Exit(code=1)
    upgrade(database_url)
    with session_scope(database_url) as session:
        user = accounts.find_user(session, username)
        if user is None:
            user = accounts.create_user(session, username, password, "admin", full_name)
            console.print(f"Đã tạo quản trị viên [bold]{user.username}[/bold]. Đăng nhập tại /console.")
        else:
            accounts.set_password(session, user, password)
            user.role, user.active = "admin", True
            if full_name:
                user.full_name = full_name
            console.print(f"Tài khoản [bold]{user.username}[/bold] đã có: đặt lại mật khẩu, vai trò quản trị, mở khóa.")
