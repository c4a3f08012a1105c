"""Sign-in, sessions, CSRF, the sign-in throttle, the first admin and cookie flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from dichvucong.api.app import create_app
from dichvucong.cli import app as cli_app
from dichvucong.config import Settings
from dichvucong.console.security import resolve_secret_key, verify_password
from dichvucong.db.base import utcnow
from dichvucong.db.models import ConsoleSession, ConsoleUser, LoginThrottle, SecurityAudit
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import PASSWORD, ConsoleClient, page_text


def test_pages_need_a_login(client: ConsoleClient) -> None:
    response = client.http.get("/console/faqs?q=abc", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/faqs%3Fq%3Dabc"


def test_login_then_logout(client: ConsoleClient, users: dict[str, str]) -> None:
    response = client.login(users["editor"])
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/console" in cookie
    assert "Secure" not in cookie
    home = client.get("/console")
    assert home.status_code == 200 and "Tổng quan" in home.text
    old_cookies = dict(client.http.cookies)
    response = client.post("/console/logout")
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert client.http.get("/console", follow_redirects=False).status_code == 303
    # the old session cookie is dead on the server too
    replay = TestClient(client.http.app)
    for name, value in old_cookies.items():
        replay.cookies.set(name, value, path="/console")
    assert replay.get("/console", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_politely(client: ConsoleClient, users: dict[str, str]) -> None:
    response = client.login(users["editor"], "sai-mat-khau-roi")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text and "lần thử" not in response.text
    unknown = client.login("khong-co-ai", "sai-mat-khau-roi")
    assert unknown.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in unknown.text


def test_sign_in_is_slowed_after_five_failures_in_every_process(
    client: ConsoleClient, users: dict[str, str], console_settings: Settings
) -> None:
    for _ in range(5):
        assert client.login(users["editor"], "sai-mat-khau-roi").status_code == 401
    sixth = client.login(users["editor"])  # even the right password must wait now
    assert sixth.status_code == 429 and "Vui lòng thử lại sau 2 giây" in sixth.text and sixth.headers["retry-after"] == "2"
    # another console process (its own app and engine) reads the same throttle from the database
    with TestClient(create_app(console_settings)) as other:
        refused = ConsoleClient(other).login(users["editor"])
        assert refused.status_code == 429
    with get_sessionmaker(console_settings.database_url)() as session:
        session.execute(update(LoginThrottle).values(last_failure_at=utcnow() - timedelta(seconds=3)))
        session.commit()
    assert client.login(users["editor"]).status_code == 303  # the wait is over: slowed, not locked


def test_admin_can_lift_the_throttle(admin: ConsoleClient, users: dict[str, str], console_settings: Settings) -> None:
    with get_sessionmaker(console_settings.database_url)() as session:
        session.add(LoginThrottle(key=f"user:{users['editor']}", failures=12, last_failure_at=utcnow(), version=1))
        session.commit()
        user_id = session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == users["editor"]))
    assert "Đăng nhập đang bị làm chậm" in admin.get("/console/users").text
    response = admin.post(f"/console/users/{user_id}", {"action": "unlock"})
    assert "Đã bỏ giới hạn đăng nhập" in admin.follow(response).text
    fresh = ConsoleClient(TestClient(admin.http.app))
    assert fresh.login(users["editor"]).status_code == 303
    with get_sessionmaker(console_settings.database_url)() as session:
        audit = session.scalars(select(SecurityAudit)).all()
    assert [(a.username, a.action, a.subject) for a in audit] == [(users["admin"], "clear_login_throttle", users["editor"])]


@pytest.mark.parametrize("token", ["", "sai-ma-bao-ve"], ids=["missing", "wrong"])
def test_post_without_a_valid_csrf_token_is_refused(editor: ConsoleClient, token: str) -> None:
    response = editor.post("/console/faqs/new", {"question": "Hỏi gì?", "answer": "Đáp", "status": "published"}, token=token)
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF)" in response.text


def test_csrf_token_of_another_session_is_refused(app, users: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as first_http, TestClient(app) as second_http:
        first, second = ConsoleClient(first_http), ConsoleClient(second_http)
        first.login(users["editor"]), first.get("/console")
        second.login(users["admin"]), second.get("/console")
        response = second.post("/console/faqs/new", {"question": "Q", "answer": "A"}, token=first.token)
        assert response.status_code == 403


def test_login_form_needs_its_csrf_token_too(client: ConsoleClient, users: dict[str, str]) -> None:
    client.get("/console/login")
    response = client.post("/console/login", {"username": users["editor"], "password": PASSWORD}, token="")
    assert response.status_code == 403


def test_next_never_leaves_the_console(client: ConsoleClient, users: dict[str, str]) -> None:
    client.get("/console/login")
    response = client.post("/console/login", {"username": users["editor"], "password": PASSWORD, "next": "https://evil.example"})
    assert response.headers["location"] == "/console"


def test_change_own_password(editor: ConsoleClient, users: dict[str, str], console_settings: Settings) -> None:
    editor.get("/console/account")
    bad = editor.post("/console/account/password", {"current": "sai", "new": "Doi-mat-khau-ngay-30.11", "confirm": "Doi-mat-khau-ngay-30.11"})
    assert bad.status_code == 400 and "Mật khẩu hiện tại không đúng." in bad.text
    ok = editor.post("/console/account/password", {"current": PASSWORD, "new": "Doi-mat-khau-ngay-30.11", "confirm": "Doi-mat-khau-ngay-30.11"})
    assert "Đã đổi mật khẩu." in editor.follow(ok).text  # still signed in
    with get_sessionmaker(console_settings.database_url)() as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == users["editor"]))
        assert user is not None and verify_password(user.password_hash, "Doi-mat-khau-ngay-30.11")
        assert user.password_hash.startswith("$argon2")


def test_first_admin_comes_from_the_environment_once(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=database_url, console_secret_key="k" * 32, console_upload_dir=str(tmp_path),
        console_admin_username="QuanTri", console_admin_password="mat-khau-dau-tien-1",
    )
    with TestClient(create_app(settings)) as http:
        assert ConsoleClient(http).login("quantri", "mat-khau-dau-tien-1").status_code == 303
    changed = settings.model_copy(update={"console_admin_password": "mat-khau-khac-han-2"})
    with TestClient(create_app(changed)):  # an admin exists: the environment is not used again
        pass
    with get_sessionmaker(database_url)() as session:
        admins = list(session.scalars(select(ConsoleUser)))
        assert [a.username for a in admins] == ["quantri"] and verify_password(admins[0].password_hash, "mat-khau-dau-tien-1")


def test_no_account_exists_without_configuration(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Settings(database_url=database_url, console_secret_key="k" * 32, console_upload_dir=str(tmp_path)))):
        pass
    with get_sessionmaker(database_url)() as session:
        assert session.scalar(select(ConsoleUser)) is None


def test_dvc_create_admin_reads_the_password_from_the_environment(database_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["create-admin", "--username", "truongphong", "--database-url", database_url],
        env={"CONSOLE_ADMIN_PASSWORD": "mat-khau-cua-truong-phong"},
    )
    assert result.exit_code == 0, result.output
    short = runner.invoke(cli_app, ["create-admin", "--username", "b2b", "--database-url", database_url], env={"CONSOLE_ADMIN_PASSWORD": "ngan"})
    assert short.exit_code == 1 and "ít nhất 10 ký tự" in short.output
    prompted = runner.invoke(
        cli_app, ["create-admin", "--username", "phophong", "--database-url", database_url],
        input="mat-khau-go-tay-123\nmat-khau-go-tay-123\n", env={"CONSOLE_ADMIN_PASSWORD": ""},
    )
    assert prompted.exit_code == 0, prompted.output
    with get_sessionmaker(database_url)() as session:
        users = {u.username: u for u in session.scalars(select(ConsoleUser))}
    assert set(users) == {"truongphong", "phophong"} and all(u.role == "admin" for u in users.values())
    assert verify_password(users["phophong"].password_hash, "mat-khau-go-tay-123")


def test_secret_key_is_required_in_production() -> None:
    with pytest.raises(RuntimeError, match="CONSOLE_SECRET_KEY"):
        resolve_secret_key(Settings(console_env="production", console_secret_key=""))
    assert len(resolve_secret_key(Settings(console_secret_key=""))) >= 32  # development: random, with a warning


def test_secure_cookies_when_configured(console_settings: Settings, users: dict[str, str]) -> None:
    settings = console_settings.model_copy(update={"console_cookie_secure": True})
    with TestClient(create_app(settings), base_url="https://testserver") as http:
        response = ConsoleClient(http).login(users["editor"])
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_sessions_are_stored_hashed(editor: ConsoleClient, console_settings: Settings) -> None:
    cookie = editor.http.cookies.get("dvc_console_session")
    with get_sessionmaker(console_settings.database_url)() as session:
        stored = [s.token_hash for s in session.scalars(select(ConsoleSession))]
    assert stored and cookie and all(token not in cookie for token in stored)


def test_malformed_console_urls_get_a_page(editor: ConsoleClient) -> None:
    response = editor.get("/console/faqs?page=abc")
    assert response.status_code == 400 and "Yêu cầu không hợp lệ" in page_text(response)


def test_pages_forbid_framing_and_foreign_scripts(client: ConsoleClient) -> None:
    headers = client.get("/console/login").headers
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
