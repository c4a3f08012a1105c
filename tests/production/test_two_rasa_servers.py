"""Several Rasa servers share one conversation through PostgreSQL and Redis."""

from __future__ import annotations

import concurrent.futures
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from dichvucong.devstack import StackConfig

pytestmark = pytest.mark.postgres


class Conversation:
    """One citizen whose messages may go to any of the Rasa servers."""

    def __init__(self, config: StackConfig) -> None:
        self.sender = f"prod-{uuid.uuid4().hex[:8]}"
        self.urls = [f"http://127.0.0.1:{port}" for port in config.rasa_ports]
        self.token = {"token": config.auth_token}  # Rasa's HTTP API requires RASA_AUTH_TOKEN

    def say(self, server: int, message: str) -> str:
        response = httpx.post(
            f"{self.urls[server]}/webhooks/rest/webhook", json={"sender": self.sender, "message": message}, timeout=60
        )
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())

    def events(self, server: int = 0) -> list[dict]:
        response = httpx.get(f"{self.urls[server]}/conversations/{self.sender}/tracker", params=self.token, timeout=30)
        return response.json()["events"]


def test_procedure_context_survives_switching_servers(production_stack: StackConfig) -> None:
    talk = Conversation(production_stack)
    assert "Cấp lại thẻ căn cước" in talk.say(0, "làm lại căn cước mất bao nhiêu tiền")
    assert "Giấy tờ cần chuẩn bị — Cấp lại thẻ căn cước" in talk.say(1, "còn giấy tờ thì cần những gì?")
    assert "Thời gian giải quyết — Cấp lại thẻ căn cước" in talk.say(0, "thế mất bao lâu")


def test_status_lookup_started_on_one_server_finishes_on_the_other(production_stack: StackConfig) -> None:
    talk = Conversation(production_stack)
    assert "4 số cuối" in talk.say(0, "tra cứu hồ sơ 000.22.05.H51-261124-0003")
    answer = talk.say(1, "3333")
    assert "000.22.05.H51-261124-0003" in answer or "đang" in answer.lower()
    assert "không khớp" not in answer


def test_simultaneous_messages_are_processed_in_order_without_lost_events(production_stack: StackConfig) -> None:
    talk = Conversation(production_stack)
    talk.say(0, "xin chào")
    messages = ["làm lại căn cước mất bao nhiêu tiền", "đăng ký kết hôn cần giấy tờ gì"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda pair: talk.say(*pair), [(0, messages[0]), (1, messages[1])]))
    assert all(reply.strip() for reply in replies)
    events = talk.events(1)
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert user_texts[0] == "xin chào" and sorted(user_texts[1:]) == sorted(messages)
    # Each user message is followed by its own answer before the next user message starts.
    turns: list[list[str]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([])
        elif event["event"] == "bot" and turns:
            turns[-1].append(event.get("text") or "")
    assert all(turn for turn in turns), "every message got an answer"
    for user_text, turn in zip(user_texts[1:], turns[1:], strict=True):
        expected = "Cấp lại thẻ căn cước" if "căn cước" in user_text else "Đăng ký kết hôn"
        assert expected in "\n".join(turn)


def test_both_servers_write_to_the_shared_postgresql_tracker_store(production_stack: StackConfig) -> None:
    talk = Conversation(production_stack)
    talk.say(0, "xin chào")
    talk.say(1, "cảm ơn")
    engine = create_engine(production_stack.extra_env["TRACKER_STORE_URL"])
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": talk.sender}
        ).scalar_one()
    engine.dispose()
    assert count == 2


def test_new_model_rolls_out_without_dropping_conversations(production_stack: StackConfig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Replace the model on each server in turn (PUT /model); a conversation in progress goes on."""
    import shutil

    talk = Conversation(production_stack)
    assert "Cấp lại thẻ căn cước" in talk.say(0, "làm lại căn cước mất bao nhiêu tiền")
    new_model = tmp_path / "new-model.tar.gz"
    shutil.copy(production_stack.model, new_model)
    for server, url in enumerate(talk.urls):
        refused = httpx.put(f"{url}/model", json={"model_file": str(new_model)}, timeout=120)
        assert refused.status_code == 401  # never without the token
        response = httpx.put(f"{url}/model", params=talk.token, json={"model_file": str(new_model)}, timeout=120)
        assert response.status_code == 204, response.text
        status = httpx.get(f"{url}/status", params=talk.token, timeout=10).json()
        assert status["model_file"].endswith("new-model.tar.gz")
        # while the other server still runs the old model, the conversation continues here
        assert "— Cấp lại thẻ căn cước" in talk.say(server, "còn lệ phí thì sao?")


def test_each_server_reports_postgresql_and_redis_healthy(production_stack: StackConfig) -> None:
    for port in production_stack.rasa_ports:
        response = httpx.get(f"http://127.0.0.1:{port}/webhooks/health/", timeout=10)
        assert response.status_code == 200 and response.json()["lock_store"] == "ok"
