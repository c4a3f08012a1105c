"""The Telegram channel of a running Rasa server, against a fake Bot API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from dichvucong.db.session import get_sessionmaker
from dichvucong.faqs.importer import import_faqs
from tests.connectors.conftest import TELEGRAM_SECRET, WEBHOOK_URL, ChannelStack, telegram_update
from tests.connectors.fakes import FakeTelegram

pytestmark = pytest.mark.e2e

QUIET = 1.5  # seconds to wait before concluding that nothing was sent


def texts(calls: list) -> str:
    return "\n".join(str(call.body.get("text", "")) for call in calls)


def keyboard(call) -> list[list[dict]]:
    return (call.body.get("reply_markup") or {}).get("inline_keyboard", [])


def test_webhook_registered_at_start_with_the_secret(channels: ChannelStack) -> None:
    [call] = channels.telegram.wait_for(lambda c: c.method == "setWebhook", timeout=10)
    assert call.body["url"] == WEBHOOK_URL
    assert call.body["secret_token"] == TELEGRAM_SECRET
    assert call.body["allowed_updates"] == ["message", "callback_query"]


@pytest.mark.parametrize(
    "secret", [None, "", "wrong", TELEGRAM_SECRET[:-1] + "X", TELEGRAM_SECRET + "x"], ids=["missing", "empty", "wrong", "last-char", "longer"]
)
def test_update_without_the_right_secret_is_rejected(channels: ChannelStack, secret: str | None) -> None:
    update, chat_id = telegram_update("telegram_text")
    response = channels.post_telegram(update, secret=secret)
    assert response.status_code == 403
    time.sleep(QUIET)
    assert channels.telegram.to_chat(chat_id) == []
    assert not any(e["event"] == "user" for e in channels.tracker_events(f"telegram:{chat_id}"))


def test_text_message_is_answered_in_vietnamese_with_an_inline_keyboard(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_text")
    response = channels.post_telegram(update)
    assert response.status_code == 200, response.text
    sent = channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=10)
    assert "70.000" in texts(sent)
    assert all("parse_mode" not in call.body for call in sent)  # plain text: nothing to escape
    rows = [row for call in sent for row in keyboard(call)]
    assert rows, "the answer offers follow-up buttons"
    assert all(len(row) == 1 for row in rows), "one button per row"
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in rows)
    assert "/ask_documents" in [row[0]["callback_data"] for row in rows]


def test_start_command_greets_with_buttons(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_start")
    assert channels.post_telegram(update).status_code == 200
    [greeting] = channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=10)
    assert "trợ lý dịch vụ công" in greeting.body["text"]
    titles = [row[0]["text"] for row in keyboard(greeting)]
    assert "Làm lại căn cước mất bao nhiêu tiền?" in titles


def test_button_press_is_answered_and_its_payload_handled(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_callback_query")
    assert channels.post_telegram(update).status_code == 200
    [answered] = channels.telegram.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=10)
    assert answered.body["callback_query_id"] == update["callback_query"]["id"]
    assert "70.000" in texts(channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=10))
    [user_event] = [e for e in channels.tracker_events(f"telegram:{chat_id}") if e["event"] == "user"]
    assert user_event["text"] == "làm lại căn cước mất bao nhiêu tiền"


@pytest.mark.parametrize("name", ["telegram_edited_message", "telegram_my_chat_member", "telegram_channel_post"])
def test_update_without_a_message_is_ignored(channels: ChannelStack, name: str) -> None:
    update, chat_id = telegram_update(name)
    before = len(channels.telegram.calls)
    response = channels.post_telegram(update)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    time.sleep(QUIET)
    assert channels.telegram.to_chat(chat_id) == []
    assert all(c.method == "getUpdates" for c in channels.telegram.calls[before:])
    assert channels.alive()


def test_unreadable_bodies_are_refused_and_the_server_stays_up(channels: ChannelStack) -> None:
    assert channels.post_telegram(b"not json").status_code == 400
    assert channels.post_telegram([1, 2]).status_code == 400
    response = channels.post_telegram({"update_id": "x", "message": {"chat": "nonsense"}})
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert channels.alive()


def test_a_photo_gets_a_polite_text_only_reply(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_photo")
    assert channels.post_telegram(update).status_code == 200
    [reply] = channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=10)
    assert "chỉ đọc được tin nhắn chữ" in reply.body["text"]


def test_an_answer_longer_than_4096_characters_is_split_at_line_ends(channels: ChannelStack, tmp_path: Path) -> None:
    lines = [f"Dòng {i:02d}: giấy tờ, lệ phí và nơi nộp hồ sơ cấp phép xây dựng nhà ở riêng lẻ tại phường." for i in range(1, 81)]
    answer = "\n".join(lines)
    assert len(answer) > 6000
    faq = tmp_path / "faq.jsonl"
    record = {
        "id": "tg-long-1",
        "question": "Hướng dẫn chi tiết xin giấy phép xây dựng nhà ở riêng lẻ đầy đủ?",
        "answer": answer,
        "alt_questions": ["huong dan chi tiet xin giay phep xay dung nha o rieng le"],
    }
    faq.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with get_sessionmaker(channels.config.database_url)() as session:
        import_faqs(session, faq)
    deadline = time.monotonic() + 8
    while True:  # running servers see new content within about a second
        update, chat_id = telegram_update("telegram_text")
        update["message"]["text"] = "hướng dẫn chi tiết xin giấy phép xây dựng nhà ở riêng lẻ đầy đủ"
        assert channels.post_telegram(update).status_code == 200
        sent = channels.telegram.matching(FakeTelegram.messages_to(chat_id))
        if "Dòng 01" in texts(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    parts = [call.body["text"] for call in sent]
    assert len(parts) >= 2, parts
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)
    assert all(part.startswith("Dòng") and part.endswith("phường.") for part in parts), "cut at line ends only"
    assert "\n".join(parts) == answer
    assert not any(keyboard(call) for call in sent[:-1]), "buttons, if any, come with the last part"


def test_the_tracker_store_records_the_telegram_channel(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_text")
    assert channels.post_telegram(update).status_code == 200
    user_events = [e for e in channels.tracker_events(f"telegram:{chat_id}") if e["event"] == "user"]
    assert [e["input_channel"] for e in user_events] == ["telegram"]
    metadata = user_events[0]["metadata"]
    assert metadata["chat_id"] == chat_id and metadata["user_id"] == chat_id and metadata["language"] == "vi"


def test_rasas_http_api_can_message_the_chat_on_its_latest_channel(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_text")
    assert channels.post_telegram(update).status_code == 200
    before = len(channels.telegram.matching(FakeTelegram.messages_to(chat_id)))
    response = httpx.post(
        f"{channels.base}/conversations/telegram:{chat_id}/trigger_intent",
        params={"output_channel": "latest", "token": channels.config.auth_token},
        json={"name": "greet"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    sent = channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), count=before + 1, timeout=10)
    assert "trợ lý dịch vụ công" in sent[-1].body["text"]
