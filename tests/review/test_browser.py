"""The review pages in a real browser: Debian's Chromium driven by Playwright for Python,
over the REAL conversations of the run's stack (its tracker store, read-only).

Chromium comes from ``scripts/install_browser.sh`` (apt); Playwright never downloads one.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn

from dichvucong.api.app import create_app
from dichvucong.review.tracker import dispose_engines
from tests.review.conftest import PASSWORD, PHONE, Chats, review_settings
from tests.stack import CHROMIUM, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run scripts/install_browser.sh"),
]
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def review_url(review_template: Path, chats: Chats, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console (with the review pages) on a free port: a copy of our database, the live
    tracker store read-only."""
    workdir = tmp_path_factory.mktemp("review-browser")
    shutil.copyfile(review_template, workdir / "console.db")
    settings = review_settings(f"sqlite:///{workdir / 'console.db'}", f"sqlite:///{chats.tracker_db}")
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
    dispose_engines()


class Problems(list):
    """Console errors (CSP violations included) and uncaught script errors of the pages."""


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page_for(browser, review_url: str, problems: Problems):  # type: ignore[no-untyped-def]
    """``page_for(username, start)`` → a signed-in page at ``start`` in a fresh context."""
    contexts = []

    def open_page(username: str, start: str = "/console/review"):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=review_url, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.goto(start)  # → the login page, then back
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url(f"**{start.split('?')[0]}*")
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"review-{name}.png"), full_page=True)


def test_reviewer_lists_opens_annotates_and_sees_masked_phone(page_for, chats: Chats, problems: Problems) -> None:  # type: ignore[no-untyped-def]
    page = page_for("reviewer1")
    assert page.locator("h1").inner_text() == "Hội thoại của người dân"
    page.check("input[name=fallback]")
    page.click("button:has-text('Lọc')")
    page.wait_for_url("**fallback=1**")
    assert page.locator(f"tr[data-sender='{chats.fallback}']").count() == 1
    assert page.locator(f"tr[data-sender='{chats.personal}']").count() == 0
    page.click("text=Xóa lọc")
    row = page.locator(f"tr[data-sender='{chats.personal}']")
    assert "091****678" in row.inner_text()
    shot(page, "list")
    row.locator("a.strong").click()
    page.wait_for_url(f"**/conversations/{chats.personal}")
    citizen = page.locator("[data-testid=citizen-text]").first
    assert citizen.inner_text().startswith("số điện thoại của tôi là 091****678, hồ sơ 000.00.04.H51-******-**07")
    assert PHONE not in page.content()
    assert page.locator("button:has-text('Hiện')").count() == 0  # reviewers cannot reveal
    turn = page.locator("article.turn").first
    turn.locator("details.annotate summary").click()
    turn.locator("select[name=intent]").select_option("check_status")
    turn.locator("input[name=tags]").fill("tra cứu, số điện thoại")
    turn.locator("textarea[name=comment]").fill("Người dân hỏi tình trạng hồ sơ.")
    turn.locator("button:has-text('Lưu ghi chú')").click()
    page.wait_for_selector("text=Đã lưu ghi chú.")
    summary = page.locator("article.turn").first.locator("details.annotate summary").inner_text()
    assert "check_status" in summary and "tra cứu" in summary and "reviewer1" in summary
    page.click("button:has-text('Đánh dấu đã xem xét')")
    page.wait_for_selector("[data-testid=reviewed]")
    assert "reviewer1" in page.locator("[data-testid=reviewed]").inner_text()
    shot(page, "transcript")
    assert not problems, problems


def test_transcript_shows_nlu_details_and_the_rating(page_for, chats: Chats, problems: Problems) -> None:  # type: ignore[no-untyped-def]
    page = page_for("reviewer1", f"/console/review/conversations/{quote(chats.procedure)}")
    first = page.locator("article.turn").first
    assert first.locator("[data-testid=intent]").inner_text() == "ask_fee"
    assert first.locator("[data-testid=procedure]").inner_text().startswith("1.012354 Cấp lại thẻ căn cước")
    assert "chưa đúng" in first.locator("[data-testid=rating]").inner_text()
    assert not problems, problems


def test_admin_reveals_a_message(page_for, chats: Chats, problems: Problems) -> None:  # type: ignore[no-untyped-def]
    page = page_for("admin1", f"/console/review/conversations/{quote(chats.personal)}")
    assert PHONE not in page.content()
    page.click("button:has-text('Hiện')")
    revealed = page.locator("[data-testid=revealed]")
    assert PHONE in revealed.inner_text() and "nhật ký" in revealed.inner_text()
    page.goto("/console/review/audit")
    assert chats.personal in page.locator("[data-testid=audit]").inner_text()
    assert not problems, problems


def test_editor_cannot_open_review_pages(page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for("editor1", "/console/faqs")
    response = page.goto("/console/review")
    assert response is not None and response.status == 403
    assert "Chỉ cán bộ xem xét" in page.content()


def test_dashboard_draws_its_charts_under_the_csp(page_for, problems: Problems) -> None:  # type: ignore[no-untyped-def]
    page = page_for("reviewer1", "/console/review/dashboard")
    page.wait_for_selector("html[data-charts=ready]")
    for chart in ("#chart-daily", "#chart-procedures", "#chart-ratings"):
        box = page.locator(chart).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, chart
    assert int(page.locator("[data-testid=conversations]").inner_text()) >= 6
    shot(page, "dashboard")
    assert not problems, problems  # a CSP violation would be a console error
