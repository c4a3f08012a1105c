"""The review loop in a real browser (Debian's Chromium, Playwright), on the running stack:
a reviewer opens a question the bot could not answer, attaches it to an FAQ in one action,
and the same question sent again through the REST channel gets that FAQ's answer."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import select

from dichvucong.console.services.accounts import create_user
from dichvucong.db.models import Faq
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from tests.review.conftest import PASSWORD
from tests.review.test_attach import find_gap
from tests.stack import CHROMIUM, Citizen

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run scripts/install_browser.sh"),
]
TARGET_FAQ = "faq-001"
ANSWER_TIMEOUT = 60.0  # seconds for the action server to pick up the new content revision


def _reviewer(stack: StackConfig) -> str:
    """A reviewer account in the stack's own database (the console the stack runs reads it)."""
    username = f"rv-attach-{uuid.uuid4().hex[:6]}"
    with get_sessionmaker(stack.database_url)() as session:
        create_user(session, username, PASSWORD, "reviewer", "Cán bộ xem xét thử nghiệm")
        session.commit()
    return username


def _faq_answer(stack: StackConfig) -> str:
    with get_sessionmaker(stack.database_url)() as session:
        answer = session.scalar(select(Faq.answer).where(Faq.external_id == TARGET_FAQ))
    assert answer
    return answer


def test_reviewer_attaches_an_unanswered_question_and_the_bot_answers_it(browser, stack: StackConfig) -> None:  # type: ignore[no-untyped-def]
    gap = find_gap(stack, "rv-browser")
    answer = _faq_answer(stack)
    assert answer[:60] not in Citizen(stack, f"{gap.sender}-before").text(gap.question)
    username = _reviewer(stack)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=f"http://127.0.0.1:{stack.console_port}", locale="vi-VN")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        start = f"/console/review/conversations/{quote(gap.sender, safe='')}"
        page.goto(start)  # → the login page, then back
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url("**/console/review/conversations/**")
        assert gap.question in page.locator("[data-testid=citizen-text]").first.inner_text()
        assert "Không tìm thấy" in page.locator("[data-testid=answer-kind]").first.inner_text()
        page.click("[data-testid=attach-link]")
        page.wait_for_url("**/console/review/attach**")
        assert gap.question in page.locator("[data-testid=attach-questions]").inner_text()
        assert page.locator("#phrases").input_value() == gap.question
        page.check("input[name=target][value=faq]")
        page.fill("#faq_code", TARGET_FAQ)
        page.click("button:has-text('Gắn')")
        page.wait_for_url("**/console/review/conversations/**")
        page.wait_for_selector("text=Đã gắn 1 cách hỏi vào câu hỏi thường gặp")
        attached = page.locator("[data-testid=attached]").first.inner_text()
        assert username in attached and "câu hỏi thường gặp" in attached
        assert page.locator("[data-testid=attach-link]").count() == 0
        assert not problems, problems  # CSP violations would be console errors
    finally:
        context.close()
    # The same question from a new conversation, through the REST channel, until the running
    # action server has rebuilt its index from the new content revision.
    deadline = time.monotonic() + ANSWER_TIMEOUT
    reply, attempt = "", 0
    while time.monotonic() < deadline:
        attempt += 1
        reply = Citizen(stack, f"{gap.sender}-after-{attempt}").text(gap.question)
        if answer[:60] in reply:
            break
        time.sleep(0.5)  # polling interval, not an expectation of timing
    assert answer[:60] in reply, reply
