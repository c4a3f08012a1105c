"""The console in a real browser: Debian's Chromium driven by Playwright for Python.

Chromium comes from ``scripts/install_browser.sh`` (apt); Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from dichvucong.api.app import create_app
from dichvucong.config import Settings
from tests.console.conftest import PASSWORD, SECRET
from tests.stack import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run scripts/install_browser.sh"),
]
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOT_DIR")  # set to keep screenshots for a look


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def console_url(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console served by uvicorn on a free port, over a copy of the filled template database."""
    workdir = tmp_path_factory.mktemp("browser")
    shutil.copyfile(template_db, workdir / "console.db")
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'console.db'}", search_refresh_seconds=0, console_secret_key=SECRET,
        console_upload_dir=str(workdir / "uploads"),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page_for(browser, console_url: str):  # type: ignore[no-untyped-def]
    """``page_for(username, viewport)`` → a signed-in page in a fresh browser context."""
    contexts = []

    def open_page(username: str, viewport: dict | None = None):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900}, base_url=console_url, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.goto("/console/faqs")  # → the login page, then back here
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url("**/console/faqs")
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_editor_creates_an_faq_and_the_bot_uses_it(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1")
    page.click("text=+ Thêm câu hỏi")
    page.fill("#question", "Người cao tuổi làm căn cước có được làm tại nhà không?")
    page.fill("#alt_questions", "lam can cuoc tai nha cho nguoi gia\nông bà già yếu làm căn cước thế nào")
    page.fill("#answer", "Có. Người từ 80 tuổi hoặc ốm đau không đi lại được có thể đề nghị Công an xã đến làm tại nhà.")
    page.fill("#tags", "căn cước, người cao tuổi")
    page.check("input[name=status][value=published]")
    shot(page, "faq-form")
    page.click("button:has-text('Lưu')")
    page.wait_for_selector("text=Đã tạo câu hỏi (đã xuất bản")
    shot(page, "faq-view")
    page.click("nav >> text=Thử hỏi")
    page.fill("#q", "người cao tuổi làm căn cước có được làm tại nhà không")
    page.click("button:has-text('Hỏi')")
    answer = page.locator("[data-testid=bot-answer]")
    assert answer.inner_text().startswith("Có. Người từ 80 tuổi")
    assert "Trả lời bằng câu hỏi thường gặp" in page.content()
    shot(page, "try-it")


def test_editor_cannot_manage_accounts(page_for, console_url: str) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1")
    assert page.locator("nav >> text=Tài khoản").count() == 0
    response = page.goto("/console/users")
    assert response is not None and response.status == 403
    assert "Chỉ quản trị viên mới được quản lý tài khoản." in page.inner_text("main")
    shot(page, "forbidden")


def test_reviewer_cannot_edit_content(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("reviewer1")
    assert page.locator("a:has-text('Sửa')").count() == 0 and page.locator("text=+ Thêm câu hỏi").count() == 0
    page.click("table a.strong >> nth=0")
    assert page.locator("button:has-text('Xóa')").count() == 0
    response = page.goto("/console/faqs/1/edit")
    assert response is not None and response.status == 403
    assert "chỉ được xem nội dung" in page.inner_text("main")


def test_html_in_content_is_text_not_markup(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1")
    page.goto("/console/faqs/new")
    evil = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script><b>đậm</b>"
    page.fill("#question", "Câu hỏi thử <b>đậm</b>?")
    page.fill("#answer", f"Trả lời {evil}")
    page.click("button:has-text('Lưu')")
    page.wait_for_selector(".answer-text")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img").count() == 0 and page.locator("main b:has-text('đậm')").count() == 0
    assert evil in page.inner_text(".answer-text")
    assert "Câu hỏi thử <b>đậm</b>?" in page.inner_text("h1")


def test_delete_then_undo(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1")
    page.click("table a.strong >> nth=0")
    question = page.inner_text("h1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Xóa')")
    page.wait_for_selector("text=vào thùng rác")
    page.click("button:has-text('Hoàn tác')")
    page.wait_for_selector("text=Đã khôi phục câu hỏi từ thùng rác.")
    assert page.inner_text("h1") == question


def test_add_a_document_row_on_a_tablet(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1", {"width": 820, "height": 1180})
    assert not page.locator("#main-nav").is_visible()
    page.click("[data-menu-toggle]")
    page.click("#main-nav >> text=Thủ tục")
    page.click("table a.strong >> nth=0")
    page.click("a:has-text('Sửa')")
    shot(page, "procedure-form-tablet")
    page.click("[data-add-row=documents]")
    page.locator("#rows-documents [data-row]").last.locator("textarea").fill("Giấy tờ mới theo Nghị định 2026")
    page.locator("#rows-documents [data-row]").last.locator("text=Bản sao").click()
    page.click("button:has-text('Lưu')")
    page.wait_for_selector("text=Đã lưu")
    assert "Giấy tờ mới theo Nghị định 2026" in page.inner_text("ol.docs")
    shot(page, "procedure-view-tablet")
