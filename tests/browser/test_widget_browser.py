"""The chat widget in a real browser against the real Rasa, action and widget servers."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from dichvucong.devstack import StackConfig
from dichvucong.widget.token import TokenSigner
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.e2e

QUESTION = "làm lại căn cước mất bao nhiêu tiền"
XSS = "<img src=x onerror=alert(1)>"


def widget(page):  # type: ignore[no-untyped-def]
    """Locators of the widget (Playwright's locators pierce its open shadow root)."""

    class W:
        launcher = page.locator(".dvcw-launcher")
        dialog = page.get_by_role("dialog", name="Trợ lý dịch vụ công")
        log = page.get_by_role("log")
        input = page.get_by_role("textbox", name="Nhập câu hỏi")
        send = page.get_by_role("button", name="Gửi", exact=True)
        banner = page.locator(".dvcw-banner")
        typing = page.locator(".dvcw-typing")
        bot = page.locator(".dvcw-msg--bot .dvcw-text")
        user = page.locator(".dvcw-msg--user .dvcw-text")

    return W


def open_demo(page, url: str):  # type: ignore[no-untyped-def]
    page.goto(url)
    w = widget(page)
    w.launcher.wait_for()
    return w


def ask(w, text: str) -> None:  # type: ignore[no-untyped-def]
    w.input.fill(text)
    w.input.press("Enter")


def stored_state(page, stack: StackConfig) -> dict:  # type: ignore[no-untyped-def]
    """What the widget keeps in localStorage (history and session token)."""
    stored = page.evaluate(f"() => localStorage.getItem('dvcw:v2:http://127.0.0.1:{stack.rasa_port}')")
    return json.loads(stored)


def stored_session_id(page, stack: StackConfig) -> str:  # type: ignore[no-untyped-def]
    """The conversation the page's token belongs to (checked with the stack's secret)."""
    return TokenSigner(stack.widget_token_secret).verify(stored_state(page, stack)["session"]["token"]).session_id


def user_texts(stack: StackConfig, sender: str) -> list[str]:
    response = httpx.get(stack.api_url(f"/conversations/{sender}/tracker"), timeout=30)
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def focused_widget_class(page) -> str:  # type: ignore[no-untyped-def]
    """Class of the element focused inside the widget's shadow root ('' when focus is elsewhere)."""
    return page.evaluate(
        "() => { const h = document.getElementById('dvc-chat-widget');"
        " const a = h && document.activeElement === h ? h.shadowRoot.activeElement : null;"
        " return a ? a.className : ''; }"
    )


def test_answer_then_quick_reply(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    assert not w.dialog.is_visible()
    screenshot(page, "desktop-closed")
    w.launcher.click()
    assert w.dialog.is_visible()
    ask(w, QUESTION)
    assert w.user.last.inner_text() == QUESTION
    w.log.get_by_text("70.000", exact=False).wait_for()
    assert "Cấp lại thẻ căn cước" in w.bot.last.inner_text()
    screenshot(page, "desktop-answer")

    chip = page.get_by_role("group", name="Gợi ý câu hỏi").get_by_role("button", name="Giấy tờ cần nộp")
    chip.click()
    w.log.get_by_text("Giấy tờ cần chuẩn bị — Cấp lại thẻ căn cước").wait_for()
    # the citizen sees the button's title as their message, Rasa got the payload (/ask_documents)
    assert w.user.last.inner_text() == "Giấy tờ cần nộp"
    assert "/ask_documents" not in w.log.inner_text()
    assert page.locator(".dvcw-chips").count() <= 1  # only the latest bot message offers buttons
    screenshot(page, "desktop-quick-reply")


def test_conversation_survives_reload(page, demo_url: str, stack: StackConfig) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    w.launcher.click()
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()
    session_id = stored_session_id(page, stack)

    page.reload()
    w = widget(page)
    w.log.get_by_text("70.000", exact=False).wait_for()  # the panel was open: it reopens with the history
    assert w.dialog.is_visible()
    assert QUESTION in w.log.inner_text()

    page.get_by_role("button", name="Đóng cửa sổ trò chuyện").first.click()
    page.reload()
    w = widget(page)
    w.launcher.wait_for()
    assert not w.dialog.is_visible()
    w.launcher.click()
    assert "70.000" in w.log.inner_text() and QUESTION in w.log.inner_text()
    # same session, so Rasa still has the context: a follow-up without the procedure's name
    ask(w, "còn giấy tờ thì cần những gì?")
    w.log.get_by_text("Giấy tờ cần chuẩn bị — Cấp lại thẻ căn cước").wait_for()
    assert stored_session_id(page, stack) == session_id
    assert user_texts(stack, f"web:{session_id}") == [QUESTION, "còn giấy tờ thì cần những gì?"]


def test_new_conversation_clears_the_history(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    w.launcher.click()
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()
    page.get_by_role("button", name="Bắt đầu cuộc trò chuyện mới").click()  # confirm() accepted by the fixture
    assert "70.000" not in w.log.inner_text()
    assert page.get_by_role("button", name="Làm lại căn cước mất bao nhiêu tiền?").is_visible()


def test_keyboard_only(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    page.locator("body").click(position={"x": 5, "y": 300})
    for _ in range(40):  # Tab through the page's links until the bubble has focus
        page.keyboard.press("Tab")
        if "dvcw-launcher" in focused_widget_class(page):
            break
    else:
        pytest.fail("Tab never reached the chat bubble")
    outline = page.evaluate(
        "() => { const b = document.getElementById('dvc-chat-widget').shadowRoot.activeElement;"
        " const s = getComputedStyle(b); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline  # a visible focus ring

    page.keyboard.press("Enter")
    assert w.dialog.is_visible()
    assert "dvcw-input" in focused_widget_class(page)  # focus moved into the text box
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    w.log.get_by_text("70.000", exact=False).wait_for()
    assert w.input.input_value() == ""

    page.keyboard.press("Shift+Tab")  # back from the text box to the last quick reply
    assert "dvcw-chip" in focused_widget_class(page)
    chosen = page.evaluate("() => document.getElementById('dvc-chat-widget').shadowRoot.activeElement.textContent")
    replies = w.bot.count()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.getElementById('dvc-chat-widget').shadowRoot.querySelectorAll('.dvcw-msg--bot .dvcw-text').length > n",
        arg=replies,
    )
    assert w.user.last.inner_text() == chosen
    assert "dvcw-input" in focused_widget_class(page)  # the used button is gone, focus is in the text box
    page.keyboard.press("Escape")
    assert not w.dialog.is_visible()
    assert "dvcw-launcher" in focused_widget_class(page)  # focus returns to the bubble


def test_screen_reader_structure(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    assert w.launcher.get_attribute("aria-expanded") == "false"
    assert w.launcher.get_attribute("aria-label") == "Mở trợ lý dịch vụ công"
    w.launcher.click()
    assert w.launcher.get_attribute("aria-expanded") == "true"
    assert w.dialog.get_attribute("lang") == "vi"
    assert page.locator("#dvc-chat-widget").get_attribute("lang") == "vi"
    assert w.log.get_attribute("aria-live") == "polite"
    for name in ("Gửi", "Đóng cửa sổ trò chuyện", "Bắt đầu cuộc trò chuyện mới"):
        assert page.get_by_role("button", name=name, exact=True).first.is_visible(), name
    assert w.input.get_attribute("placeholder") == "Nhập câu hỏi..."
    nameless = page.evaluate(
        "() => [...document.getElementById('dvc-chat-widget').shadowRoot.querySelectorAll('button')]"
        ".filter(b => !(b.getAttribute('aria-label') || b.textContent.trim())).length"
    )
    assert nameless == 0
    # each message says who wrote it, for screen readers
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()
    spoken = w.log.text_content()
    assert f"Bạn: {QUESTION}" in spoken and spoken.count("Trợ lý: ") >= 2  # greeting + answer


def test_markup_is_shown_as_text(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    w.launcher.click()
    ask(w, XSS)  # the real bot answers it politely
    page.wait_for_function("() => document.getElementById('dvc-chat-widget').shadowRoot.querySelectorAll('.dvcw-msg--bot').length >= 2")
    assert w.user.last.inner_text() == XSS

    bot_reply = [{
        "recipient_id": "x",
        "text": f"Trả lời thử: {XSS} <b>đậm</b>\nXem https://dichvucong.gov.vn/p/home.html. javascript:alert(2)",
        "buttons": [{"title": XSS, "payload": "/ask_fee"}],
    }]
    page.route(
        "**/webhooks/web/webhook",
        lambda route: route.fulfill(status=200, json=bot_reply, headers={"Access-Control-Allow-Origin": "*"}),
    )
    ask(w, "câu hỏi bất kỳ")
    w.log.get_by_text("Trả lời thử:", exact=False).wait_for()
    last = w.bot.last.inner_text()
    assert XSS in last and "<b>đậm</b>" in last
    shadow_counts = page.evaluate(
        "() => { const r = document.getElementById('dvc-chat-widget').shadowRoot;"
        " return { img: r.querySelectorAll('.dvcw-log img').length, b: r.querySelectorAll('.dvcw-log b').length,"
        " links: [...r.querySelectorAll('.dvcw-log a')].map(a => a.href) }; }"
    )
    assert shadow_counts["img"] == 0 and shadow_counts["b"] == 0
    assert shadow_counts["links"] == ["https://dichvucong.gov.vn/p/home.html"]  # http(s) only, trailing dot left out
    assert page.get_by_role("button", name=XSS).is_visible()
    page.unroute("**/webhooks/web/webhook")
    # (the page fixture fails the test if any alert() dialog or script error happened)


def test_phone_panel_is_full_screen(phone_page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    page = phone_page
    w = open_demo(page, demo_url)
    screenshot(page, "phone-closed")
    bubble = w.launcher.bounding_box()
    assert bubble["x"] + bubble["width"] <= 390 and bubble["y"] + bubble["height"] <= 844
    w.launcher.tap()
    page.wait_for_function("() => document.getElementById('dvc-chat-widget').shadowRoot.getAnimations().length === 0")
    box = w.dialog.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844), box
    assert not w.launcher.is_visible()  # the panel's own close button takes over
    assert w.dialog.get_attribute("aria-modal") == "true"
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()
    screenshot(page, "phone-answer")
    composer = page.locator(".dvcw-composer").bounding_box()
    assert composer["y"] + composer["height"] <= 844  # the text box stays on screen
    page.get_by_role("button", name="Đóng cửa sổ trò chuyện").click()
    assert w.launcher.is_visible()


def test_typing_indicator_while_waiting(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    w.launcher.click()
    held = []
    page.route("**/webhooks/web/webhook", lambda route: held.append(route))
    ask(w, QUESTION)
    w.typing.wait_for(state="visible")
    assert "Đang trả lời…" in w.typing.inner_text()
    screenshot(page, "desktop-typing")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the widget did not call the web channel"
    held[0].continue_()
    w.log.get_by_text("70.000", exact=False).wait_for()
    assert w.typing.is_hidden()
    page.unroute("**/webhooks/web/webhook")


def test_dropped_connection_reconnects_and_sends_the_queue(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    page.route("**/webhooks/web/**", lambda route: route.abort("connectionrefused"))
    w.launcher.click()
    w.banner.get_by_text("Mất kết nối, đang kết nối lại…").wait_for()
    assert "Mất kết nối" in page.locator(".dvcw-status").inner_text()
    ask(w, QUESTION)  # typed while offline: queued, not lost
    pending = page.locator(".dvcw-msg--user[data-status='pending']")
    pending.wait_for()
    assert "Đang chờ gửi" in pending.inner_text()
    screenshot(page, "desktop-offline")
    page.reload()  # the queue is kept in localStorage
    w = widget(page)
    pending.wait_for()
    w.banner.get_by_text("Mất kết nối, đang kết nối lại…").wait_for()

    page.unroute("**/webhooks/web/**")  # the server is reachable again: automatic retry with backoff
    w.log.get_by_text("70.000", exact=False).wait_for(timeout=30_000)
    assert pending.count() == 0
    assert "Đang trực tuyến" in page.locator(".dvcw-status").inner_text()
    w.banner.wait_for(state="hidden", timeout=10_000)


def test_browser_offline_event_queues_then_recovers(page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    w = open_demo(page, demo_url)
    w.launcher.click()
    page.context.set_offline(True)
    w.banner.get_by_text("Mất kết nối, đang kết nối lại…").wait_for()
    ask(w, QUESTION)
    page.locator(".dvcw-msg--user[data-status='pending']").wait_for()
    page.context.set_offline(False)  # the 'online' event retries at once
    w.log.get_by_text("70.000", exact=False).wait_for(timeout=30_000)
    w.banner.get_by_text("Đã kết nối lại.").wait_for()


def _plant_session(page, stack: StackConfig, token: str, issued_at: float, expires_at: float) -> None:  # type: ignore[no-untyped-def]
    """Put a session token (and a one-message history) in the page's localStorage, then reload."""
    state = {
        "session": {"token": token, "issuedAt": issued_at, "expiresAt": expires_at},
        "messages": [{"id": "m1", "role": "user", "text": "tin nhắn cũ", "ts": time.time() * 1000, "status": "sent"}],
        "updated": time.time() * 1000,
    }
    key = f"dvcw:v2:http://127.0.0.1:{stack.rasa_port}"
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(state)])
    page.reload()


def test_a_token_past_half_its_life_is_renewed_for_the_same_conversation(page, demo_url: str, stack: StackConfig) -> None:  # type: ignore[no-untyped-def]
    issued = time.time() - 20 * 3600  # 20 of its 24 hours gone
    signer = TokenSigner(stack.widget_token_secret, ttl_seconds=24 * 3600, clock=lambda: issued)
    token, session = signer.issue()
    open_demo(page, demo_url)
    _plant_session(page, stack, token, session.issued_at, session.expires_at)
    w = widget(page)
    w.launcher.click()
    assert "tin nhắn cũ" in w.log.inner_text()  # the history is still shown
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()
    state = stored_state(page, stack)
    assert state["session"]["token"] != token  # renewed...
    assert stored_session_id(page, stack) == session.session_id  # ...for the same conversation
    assert user_texts(stack, session.sender_id) == [QUESTION]


@pytest.mark.parametrize("kind", ["expired", "forged"])
def test_a_refused_token_is_replaced_by_a_new_session(page, demo_url: str, stack: StackConfig, kind: str) -> None:  # type: ignore[no-untyped-def]
    if kind == "expired":
        issued = time.time() - 2 * 86400
        token, session = TokenSigner(stack.widget_token_secret, ttl_seconds=3600, clock=lambda: issued).issue()
        expires_at = session.expires_at
    else:  # signed with another secret; the page even believes it is fresh
        token, session = TokenSigner("z" * 48).issue()
        expires_at = session.expires_at
    open_demo(page, demo_url)
    _plant_session(page, stack, token, session.issued_at, expires_at)
    w = widget(page)
    w.launcher.click()
    ask(w, QUESTION)
    w.log.get_by_text("70.000", exact=False).wait_for()  # answered in a new session, no error shown
    new_id = stored_session_id(page, stack)
    assert new_id != session.session_id
    assert user_texts(stack, f"web:{new_id}") == [QUESTION]
    assert user_texts(stack, session.sender_id) == []
