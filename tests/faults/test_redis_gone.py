"""(d) Redis gone (lock store and connector state): citizens are told, never answered wrongly, and
answered again as soon as Redis is back."""

from __future__ import annotations

import httpx
import pytest

from tests.connectors.conftest import TELEGRAM_SECRET, telegram_update
from tests.connectors.fakes import FakeTelegram
from tests.faults.conftest import FaultStack

pytestmark = pytest.mark.postgres


def test_while_redis_is_gone_citizens_get_a_clear_error_then_answers_again(fault_stack: FaultStack) -> None:
    token = fault_stack.web_token()
    rasa = f"http://127.0.0.1:{fault_stack.config.rasa_port}"
    assert fault_stack.web_say(token, "xin chào")[0] == 200
    fault_stack.redis_proxy.cut()
    try:
        web_status, web_shown = fault_stack.web_say(token, "lệ phí đăng ký kết hôn")
        update, chat_id = telegram_update("telegram_text")
        response = httpx.post(f"{rasa}/webhooks/telegram/webhook", json=update,
                              headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=60)
        assert response.status_code == 200
        [telegram_reply] = fault_stack.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=30)
        health = httpx.get(f"{rasa}/webhooks/health/", timeout=30)
        console = httpx.get(f"http://127.0.0.1:{fault_stack.config.console_port}/health", timeout=10)
    finally:
        fault_stack.redis_proxy.restore()
    print("\nWith Redis gone the citizen saw:")
    print(f"  web widget -> HTTP {web_status}: {web_shown}")
    print(f"  Telegram   -> {telegram_reply.body['text']}")
    print(f"  Rasa /webhooks/health/ -> {health.status_code} {health.json()}; console /health -> {console.status_code}")
    assert web_status == 503 and "sự cố" in web_shown
    assert "sự cố" in telegram_reply.body["text"] and "1022" in telegram_reply.body["text"]
    assert health.status_code == 503 and health.json()["lock_store"].startswith("unreachable")
    assert console.status_code == 200  # the console does not need Redis

    status, shown = fault_stack.web_say(token, "lệ phí đăng ký kết hôn")
    print(f"  Redis back, web widget -> HTTP {status}: {shown.splitlines()[0] if shown else ''}")
    assert status == 200 and "Đăng ký kết hôn" in shown
    assert httpx.get(f"{rasa}/webhooks/health/", timeout=30).status_code == 200
