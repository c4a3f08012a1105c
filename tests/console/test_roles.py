"""Roles on every mutating route: reviewers read, editors edit, only admins manage accounts."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from dichvucong.console.routes import ROUTERS
from tests.console.conftest import ConsoleClient, page_text

# POST routes every signed-in official may use (their own session and password).
OWN_ACCOUNT_ROUTES = {"/console/login", "/console/logout", "/console/account/password"}
ADMIN_ONLY_PREFIX = "/console/users"


def console_post_routes(_app=None) -> list[str]:  # type: ignore[no-untyped-def]
    """Every POST route of the console's routers (as mounted on the app)."""
    paths = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "POST" in route.methods:
                assert route.path.startswith("/console")
                paths.append(route.path)
    assert len(paths) >= 15, paths
    return sorted(set(paths))


def concrete(path: str) -> str:
    values = {"entity_type": "faq", "entity_id": "1", "version_id": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def test_reviewer_is_refused_on_every_mutating_route(reviewer: ConsoleClient) -> None:
    routes = [p for p in console_post_routes(reviewer.http.app) if p not in OWN_ACCOUNT_ROUTES]
    for path in routes:
        response = reviewer.post(concrete(path), {"question": "x", "answer": "y", "action": "unlock"})
        assert response.status_code == 403, (path, response.status_code)
        assert "Không có quyền" in response.text or "quản trị viên" in response.text


def test_editor_is_refused_on_account_management_only(editor: ConsoleClient) -> None:
    for path in console_post_routes(editor.http.app):
        if path.startswith(ADMIN_ONLY_PREFIX):
            response = editor.post(concrete(path), {"action": "unlock", "username": "x"})
            assert response.status_code == 403, path
            assert "Chỉ quản trị viên mới được quản lý tài khoản." in response.text
    page = editor.get("/console/users")
    assert page.status_code == 403 and "Chỉ quản trị viên mới được quản lý tài khoản." in page_text(page)
    assert 'href="/console/users"' not in editor.get("/console").text  # not offered in the menu


def test_signed_out_posts_go_to_the_login_page(client: ConsoleClient, users: dict[str, str]) -> None:
    client.get("/console/login")  # the browser's CSRF token, valid for the login form only
    for path in console_post_routes(client.http.app):
        if path in {"/console/login", "/console/logout"}:
            continue
        response = client.post(concrete(path), {"question": "x", "answer": "y"})
        assert response.status_code == 303 and response.headers["location"].startswith("/console/login"), path


@pytest.mark.parametrize(
    "path", ["/console/faqs/new", "/console/faqs/1/edit", "/console/procedures/new", "/console/procedures/1/edit", "/console/import"]
)
def test_reviewer_cannot_open_edit_pages(reviewer: ConsoleClient, path: str) -> None:
    response = reviewer.get(path)
    assert response.status_code == 403 and "chỉ được xem nội dung và dùng ô Thử hỏi" in page_text(response)


def test_reviewer_reads_content_and_uses_try_it(reviewer: ConsoleClient) -> None:
    listing = reviewer.get("/console/faqs")
    assert listing.status_code == 200 and "/edit" not in listing.text and "Thêm câu hỏi" not in listing.text
    view = reviewer.get("/console/procedures/1")
    assert view.status_code == 200 and "/console/procedures/1/edit" not in view.text and "/toggle" not in view.text
    assert reviewer.get("/console/try", params={"q": "lam lai cccd mat bao nhieu tien"}).status_code == 200
    assert reviewer.get("/console/history/procedure/1").status_code == 200
    assert reviewer.get("/console/export/faqs.csv").status_code == 200


def test_admin_manages_accounts(admin: ConsoleClient, users: dict[str, str]) -> None:
    page = admin.get("/console/users")
    assert page.status_code == 200 and "editor1" in page.text
    created = admin.post(
        "/console/users",
        {"username": "canbo.xa", "full_name": "Cán bộ xã", "role": "reviewer", "password": "mat-khau-can-bo-1", "confirm": "mat-khau-can-bo-1"},
    )
    assert "Đã tạo tài khoản canbo.xa" in admin.follow(created).text
    duplicate = admin.post(
        "/console/users", {"username": "CANBO.XA", "role": "editor", "password": "mat-khau-can-bo-1", "confirm": "mat-khau-can-bo-1"}
    )
    assert duplicate.status_code == 400 and "đã có người dùng" in duplicate.text
    weak = admin.post("/console/users", {"username": "canbo2", "role": "editor", "password": "ngan", "confirm": "ngan"})
    assert weak.status_code == 400 and "ít nhất 10 ký tự" in weak.text
    user_id = re.search(r'action="/console/users/(\d+)"[^>]*>\s*<input type="hidden" name="csrf_token"[^>]*><input type="hidden" name="action" value="role">\s*<select name="role" aria-label="Vai trò của canbo.xa"', page_text_raw(admin.get("/console/users")))
    assert user_id is not None
    target = user_id.group(1)
    assert admin.post(f"/console/users/{target}", {"action": "role", "role": "editor"}).status_code == 303
    assert admin.post(f"/console/users/{target}", {"action": "deactivate"}).status_code == 303
    locked_out = ConsoleClient(admin.http.__class__(admin.http.app))
    assert locked_out.login("canbo.xa", "mat-khau-can-bo-1").status_code == 401


def test_the_last_admin_cannot_be_demoted(admin: ConsoleClient) -> None:
    page = admin.get("/console/users").text
    admin_id = re.search(r'action="/console/users/(\d+)"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="action" value="role">\s*<select name="role" aria-label="Vai trò của admin1"', page)
    assert admin_id is not None
    response = admin.post(f"/console/users/{admin_id.group(1)}", {"action": "role", "role": "editor"})
    assert response.status_code == 400 and "ít nhất một quản trị viên" in response.text


def page_text_raw(response) -> str:  # type: ignore[no-untyped-def]
    return response.text
