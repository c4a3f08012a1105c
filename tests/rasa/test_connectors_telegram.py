"""Telegram connector pieces in the Rasa environment: splitting, keyboards, updates, the route logic."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from telegram import Update
from telegram.error import RetryAfter

from connectors.telegram import (
    CALLBACK_DATA_LIMIT,
    EXPIRED_BUTTON_REPLY,
    NOT_TEXT_REPLY,
    SECRET_HEADER,
    PayloadStore,
    TelegramInput,
    TelegramOutput,
    TelegramSettings,
    build_keyboard,
    command_text,
    read_update,
    split_text,
)
from connectors.text import split_message, utf16_len

FIXTURES = Path(__file__).resolve().parents[1] / "connectors" / "fixtures"
SECRET = "unit-secret_123"
SETTINGS = TelegramSettings(token="1:abc", webhook_secret=SECRET, api_base_url="http://127.0.0.1:9")


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


# --- splitting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("ngắn", 10, ["ngắn"]),
        ("", 10, []),
        ("\n\n  \n", 10, []),
        ("aaaa\nbbbb\ncccc", 9, ["aaaa\nbbbb", "cccc"]),
        ("aaaa\nbbbb\ncccc", 14, ["aaaa\nbbbb\ncccc"]),
        ("một hai ba bốn năm", 8, ["một hai", "ba bốn", "năm"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("dòng 1\n\n\ndòng 2", 7, ["dòng 1", "dòng 2"]),
    ],
    ids=["short", "empty", "blank", "lines", "fits", "words", "no-space", "blank-lines"],
)
def test_split_message(text: str, limit: int, parts: list[str]) -> None:
    assert split_message(text, limit) == parts


def test_split_counts_utf16_units_like_telegram() -> None:
    text = "🙂" * 3000  # 6,000 UTF-16 units in 3,000 code points
    parts = split_text(text)
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts) and "".join(parts) == text


def test_split_keeps_an_nfd_accent_with_its_letter() -> None:
    text = "a" * 9 + "e\u0301" + "b" * 5  # the accent is the 11th code point
    parts = split_message(text, 10)
    assert parts[0] == "a" * 9 and parts[1].startswith("e\u0301")


def test_a_long_answer_is_split_at_line_ends_under_4096() -> None:
    lines = [f"• Dòng {i}: " + "giấy tờ cần chuẩn bị " * 4 for i in range(120)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) >= 3
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert [line for p in parts for line in p.split("\n")] == lines


# --- buttons -------------------------------------------------------------------------------------


def test_keyboard_has_one_button_per_row_and_short_callback_data() -> None:
    store = PayloadStore()
    long_payload = "/choose_procedure" + json.dumps({"procedure_code": "1.004194", "note": "x" * 80})
    buttons = [
        {"title": "Lệ phí", "payload": "/ask_fee"},
        {"title": "Làm lại căn cước mất bao nhiêu tiền?", "payload": "làm lại căn cước mất bao nhiêu tiền"},
        {"title": "Thủ tục dài", "payload": long_payload},
        {"title": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn"},
        {"title": "no payload"},
    ]
    markup = build_keyboard(buttons, store)
    assert markup is not None
    rows = markup.to_dict()["inline_keyboard"]
    assert [len(row) for row in rows] == [1, 1, 1, 1]
    data = [row[0].get("callback_data") for row in rows]
    assert data[:2] == ["/ask_fee", "làm lại căn cước mất bao nhiêu tiền"]
    assert all(len(d.encode()) <= CALLBACK_DATA_LIMIT for d in data[:3])
    assert store.resolve(data[2]) == long_payload
    assert rows[3][0] == {"text": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn"}
    assert build_keyboard([], store) is None


def test_payload_store_is_bounded_and_forgets_the_oldest() -> None:
    store = PayloadStore(max_size=2)
    keys = [store.callback_data(f"payload {i} " + "x" * 70) for i in range(3)]
    assert store.resolve(keys[0]) is None  # evicted
    assert store.resolve(keys[2]).startswith("payload 2")
    assert store.callback_data("k:looks like a key") != "k:looks like a key"
    assert store.resolve("plain") == "plain"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("/start", "/greet"), ("/start@dichvucong_bot", "/greet"), ("/START ref123", "/greet"), ("/help", "/bot_capabilities"),
     ("/ask_fee", "/ask_fee"), ("làm lại cccd", "làm lại cccd")],
)
def test_commands(typed: str, meant: str) -> None:
    assert command_text(typed) == meant


# --- updates -----------------------------------------------------------------------------------


def test_read_update_on_recorded_updates() -> None:
    store = PayloadStore()

    def read(name: str):  # noqa: ANN202
        return read_update(Update.de_json(fixture(name), None), store)

    text = read("telegram_text")
    assert (text.chat_id, text.text) == (700001, "làm lại căn cước mất bao nhiêu tiền")
    assert text.metadata == {"channel": "telegram", "chat_id": 700001, "user_id": 700001, "language": "vi", "update_id": 815000001}
    assert read("telegram_start").text == "/greet"
    press = read("telegram_callback_query")
    assert (press.chat_id, press.text, press.callback_query_id) == (700003, "làm lại căn cước mất bao nhiêu tiền", "4382bfdwdsb323b2d9")
    assert read("telegram_photo").reply == NOT_TEXT_REPLY and read("telegram_photo").text is None
    for name in ("telegram_edited_message", "telegram_my_chat_member", "telegram_channel_post"):
        assert read(name) is None
    service = fixture("telegram_photo")
    del service["message"]["photo"]
    service["message"]["pinned_message"] = {"message_id": 1, "date": 0, "chat": service["message"]["chat"]}
    assert read_update(Update.de_json(service, None), store) is None  # nothing to answer


@pytest.mark.parametrize("name", ["telegram_text", "telegram_start", "telegram_callback_query", "telegram_photo"])
def test_what_the_poller_forwards_reads_like_the_original(name: str) -> None:
    """The poller posts ``update.to_dict()``; the route must read it as Telegram's own JSON."""
    store = PayloadStore()
    original = Update.de_json(fixture(name), None)
    forwarded = Update.de_json(json.loads(json.dumps(original.to_dict())), None)
    assert read_update(forwarded, store) == read_update(original, store)


def test_an_expired_button_key_gets_a_polite_answer() -> None:
    update = fixture("telegram_callback_query")
    update["callback_query"]["data"] = "k:0123456789abcdef0123"
    incoming = read_update(Update.de_json(update, None), PayloadStore())
    assert incoming.text is None and incoming.reply == EXPIRED_BUTTON_REPLY


# --- the route's logic, with a recording stand-in for the Bot API ----------------------------------


class RecordingBot:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.calls.append(("sendMessage", kwargs))

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> None:
        self.calls.append(("answerCallbackQuery", {"callback_query_id": callback_query_id, "text": text}))


class Rasa:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": "Lệ phí: 70.000 đồng", "buttons": [{"title": "Giấy tờ", "payload": "/ask_documents"}]}
        )


def run(channel: TelegramInput, headers: dict[str, str], data: Any) -> tuple[int, dict[str, Any], Rasa]:
    """Post ``data`` (an update as a dict, or raw bytes) to the channel's route logic."""
    rasa = Rasa()
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    status, body = asyncio.run(channel.handle(headers, raw, rasa))
    return status, body, rasa


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + " "}])
def test_wrong_or_missing_secret_is_rejected_before_anything_else(headers: dict[str, str]) -> None:
    bot = RecordingBot()
    status, _, rasa = run(TelegramInput(SETTINGS, bot=bot), headers, fixture("telegram_text"))
    assert status == 403 and rasa.messages == [] and bot.calls == []


def test_an_unconfigured_channel_answers_503() -> None:
    for settings in (TelegramSettings(), TelegramSettings(token="1:abc"), TelegramSettings(token="1:abc", webhook_secret="bad secret!")):
        status, body, rasa = run(TelegramInput(settings, bot=RecordingBot()), {SECRET_HEADER: SECRET}, fixture("telegram_text"))
        assert status == 503 and body["status"] == "ignored" and rasa.messages == []


def test_a_text_becomes_a_user_message_of_the_telegram_channel() -> None:
    bot = RecordingBot()
    status, _, rasa = run(TelegramInput(SETTINGS, bot=bot), {SECRET_HEADER: SECRET}, fixture("telegram_text"))
    assert status == 200
    [message] = rasa.messages
    assert (message.sender_id, message.input_channel, message.text) == ("telegram:700001", "telegram", "làm lại căn cước mất bao nhiêu tiền")
    assert message.metadata["language"] == "vi"
    [(method, sent)] = bot.calls
    assert method == "sendMessage" and sent["chat_id"] == "700001" and sent["text"] == "Lệ phí: 70.000 đồng"
    assert sent["reply_markup"].to_dict() == {"inline_keyboard": [[{"text": "Giấy tờ", "callback_data": "/ask_documents"}]]}


def test_the_secret_is_checked_before_the_body_is_parsed() -> None:
    """A body that is not JSON at all: 403 without the secret (never parsed), 400 with it."""
    channel = TelegramInput(SETTINGS, bot=RecordingBot())
    assert run(channel, {SECRET_HEADER: "wrong"}, b"\xff{not json")[0] == 403
    assert run(channel, {SECRET_HEADER: SECRET}, b"\xff{not json")[0] == 400
    assert run(channel, {SECRET_HEADER: SECRET}, b"[1, 2]")[0] == 400


def test_replies_go_only_to_telegram_conversations() -> None:
    """The output strips ``telegram:``, takes a bare (old) chat id, and refuses other channels' ids."""
    bot = RecordingBot()
    output = TelegramOutput(bot, PayloadStore())  # type: ignore[arg-type]
    for recipient in ("telegram:700001", "700002", "zalo:700003", "web:0123456789abcdef0123456789abcdef", "telegram:"):
        asyncio.run(output.send_text_message(recipient, "xin chào"))
    assert [kwargs["chat_id"] for _, kwargs in bot.calls] == ["700001", "700002"]


def test_a_button_press_is_answered_then_handled() -> None:
    bot = RecordingBot()
    status, _, rasa = run(TelegramInput(SETTINGS, bot=bot), {SECRET_HEADER: SECRET}, fixture("telegram_callback_query"))
    assert status == 200 and [m.text for m in rasa.messages] == ["làm lại căn cước mất bao nhiêu tiền"]
    assert bot.calls[0] == ("answerCallbackQuery", {"callback_query_id": "4382bfdwdsb323b2d9", "text": None})


@pytest.mark.parametrize("name", ["telegram_edited_message", "telegram_my_chat_member", "telegram_channel_post"])
def test_updates_without_a_message_are_ignored(name: str) -> None:
    bot = RecordingBot()
    status, body, rasa = run(TelegramInput(SETTINGS, bot=bot), {SECRET_HEADER: SECRET}, fixture(name))
    assert (status, body["status"]) == (200, "ignored") and rasa.messages == [] and bot.calls == []


def test_long_replies_are_split_and_the_keyboard_rides_on_the_last_part() -> None:
    bot = RecordingBot()
    output = TelegramOutput(bot, PayloadStore())  # type: ignore[arg-type]
    text = "\n".join(f"Dòng {i}: " + "x" * 90 for i in range(100))
    asyncio.run(output.send_text_with_buttons("42", text, [{"title": "Lệ phí", "payload": "/ask_fee"}]))
    parts = [kwargs for _, kwargs in bot.calls]
    assert len(parts) == 3 and all(utf16_len(p["text"]) <= 4096 for p in parts)
    assert [p["reply_markup"] is not None for p in parts] == [False, False, True]
    asyncio.run(output.send_text_with_buttons("42", "", [{"title": "Lệ phí", "payload": "/ask_fee"}]))
    assert bot.calls[-1][1]["text"]  # Telegram refuses an empty text


class FloodedBot(RecordingBot):
    def __init__(self, waits: list[int]) -> None:
        super().__init__()
        self.waits = waits

    async def send_message(self, **kwargs: Any) -> None:
        if self.waits:
            raise RetryAfter(self.waits.pop(0))
        await super().send_message(**kwargs)


@pytest.mark.parametrize(("waits", "delivered"), [([0], True), ([0, 0], False), ([60], False)], ids=["once", "twice", "too-long"])
def test_flood_control_is_waited_out_once(waits: list[int], delivered: bool) -> None:
    bot = FloodedBot(waits)
    asyncio.run(TelegramOutput(bot, PayloadStore()).send_text_message("42", "xin chào"))  # type: ignore[arg-type]
    assert bool(bot.calls) is delivered


def test_settings_come_from_credentials_then_environment() -> None:
    environ = {"TELEGRAM_BOT_TOKEN": "env-token", "TELEGRAM_WEBHOOK_SECRET": "env_secret", "TELEGRAM_API_BASE_URL": "http://fake:1/"}
    settings = TelegramSettings.load({"token": "yml-token", "webhook_secret": "", "mode": None}, environ)
    assert settings == TelegramSettings(token="yml-token", webhook_secret="env_secret", mode="webhook", api_base_url="http://fake:1")
    assert TelegramSettings.load(None, {}).problems() == [
        "TELEGRAM_BOT_TOKEN is not set",
        "TELEGRAM_WEBHOOK_SECRET is not set (updates without it are never accepted)",
    ]
    assert "TELEGRAM_MODE" in TelegramSettings.load({"mode": "push"}, environ).problems()[0]
