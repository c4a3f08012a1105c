"""The whole loop in real browsers (Playwright + Debian's Chromium): a citizen asks for a
person in the widget, the agent sees the request appear in the inbox without reloading,
claims it, answers; the widget shows the reply (also after a reload), the citizen's next
message reaches the agent's page live, the agent hands back and the bot answers again.

The time from the agent's click on "Gửi" to the reply showing in the widget is printed
(``pytest -s``); docs/handoff.md reports it. Nothing is asserted about it.
"""

from __future__ import annotations

import json
import time

import pytest

from dichvucong.widget.token import TokenSigner
from tests.handoff.conftest import PASSWORD, HandoffStack
from tests.stack import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run scripts/install_browser.sh"),
]


def _page(browser, errors: list[str], **options):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN", **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def _sender(page, hstack: HandoffStack) -> str:  # type: ignore[no-untyped-def]
    stored = json.loads(page.evaluate(f"() => localStorage.getItem('dvcw:v2:{hstack.rasa_url}')"))
    return TokenSigner(hstack.config.widget_token_secret).verify(stored["session"]["token"]).sender_id


def _ask(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("textbox", name="Nhập câu hỏi")
    box.fill(text)
    box.press("Enter")


def test_widget_agent_loop(browser, hstack: HandoffStack) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    agent_context, agent = _page(browser, errors, base_url=hstack.console_url, viewport={"width": 1366, "height": 900})
    citizen_context, citizen = _page(browser, errors, viewport={"width": 390, "height": 844})  # a phone
    try:
        agent.goto("/console/inbox")
        agent.fill("#username", "agent1")
        agent.fill("#password", PASSWORD)
        agent.click("button:has-text('Đăng nhập')")
        agent.wait_for_url("**/console/inbox")
        agent.locator("[data-live-status]", has_text="Đang cập nhật trực tiếp").wait_for()

        citizen.goto(f"{hstack.console_url}/widget/demo?rasa={hstack.rasa_url}")
        citizen.locator(".dvcw-launcher").click()
        _ask(citizen, "gặp cán bộ")
        bot = citizen.locator(".dvcw-msg--bot .dvcw-text")
        bot.filter(has_text="Cán bộ sẽ trả lời bạn ngay tại đây").wait_for()
        citizen.get_by_text("Đang kết nối với cán bộ hỗ trợ").wait_for()
        handoff = hstack.wait_handoff(_sender(citizen, hstack), "waiting")

        row = agent.locator(f'[data-queue-rows] tr[data-handoff="{handoff.id}"]')
        row.wait_for()  # appeared without a reload (server-sent events)
        assert "Web (widget)" in row.inner_text() and "đang chờ" in row.inner_text()
        row.get_by_role("link", name="Mở").click()
        agent.get_by_test_id("claim").click()
        agent.locator("#reply-text").wait_for()

        timings = []
        for text in ("Chào bạn, tôi là cán bộ hỗ trợ. Bạn cần làm thủ tục gì?", "Bạn cứ hỏi, tôi đang ở đây."):
            agent.fill("#reply-text", text)
            started = time.monotonic()
            agent.get_by_test_id("send").click()
            citizen.locator(".dvcw-msg--agent .dvcw-text", has_text=text).wait_for()
            timings.append(time.monotonic() - started)
            if len(timings) == 1:  # the reply stays after a reload, and the next one still arrives
                citizen.reload()
                citizen.locator(".dvcw-msg--agent .dvcw-text", has_text=text).wait_for()
        print(f"\nagent reply → widget: {', '.join(f'{t:.2f} s' for t in timings)}")
        assert citizen.locator(".dvcw-msg--agent .dvcw-agent").first.inner_text().startswith("Cán bộ hỗ trợ")

        bot_count = bot.count()
        _ask(citizen, "Tôi muốn làm lại căn cước bị mất")
        agent.get_by_test_id("citizen-text").filter(has_text="Tôi muốn làm lại căn cước bị mất").wait_for()  # live
        citizen.locator('.dvcw-msg--user[data-status="sent"]', has_text="Tôi muốn làm lại căn cước bị mất").wait_for()
        assert bot.count() == bot_count  # the bot stayed quiet: the person answers

        agent.get_by_test_id("handback").click()
        agent.wait_for_url("**/console/inbox")
        bot.filter(has_text="Cán bộ đã chuyển bạn lại cho trợ lý ảo").wait_for()
        citizen.get_by_text("Đang trực tuyến").wait_for()
        _ask(citizen, "làm lại căn cước mất bao nhiêu tiền")
        bot.filter(has_text="70.000").wait_for()
        assert not errors, errors
    finally:
        agent_context.close()
        citizen_context.close()
