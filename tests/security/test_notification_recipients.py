"""Status notifications reach only the channel a subscription belongs to.

Subscriptions store the Rasa sender id, namespaced by channel (``telegram:<chat id>``). The
Telegram sender strips its own prefix, still reads rows stored before namespacing (a bare
chat id), and refuses another channel's ids instead of messaging whoever has that number.
"""

from __future__ import annotations

import json

import httpx
import pytest

from dichvucong.notifications import SendError, TelegramSender
from dichvucong.notifications.senders import channel_user_id


def recording_sender() -> tuple[TelegramSender, list[dict]]:
    sent: list[dict] = []

    def bot_api(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True, "result": {}})

    return TelegramSender("1:token", "http://bot.test", transport=httpx.MockTransport(bot_api)), sent


@pytest.mark.parametrize(("recipient", "chat_id"), [("telegram:7123456789", "7123456789"), ("7123456789", "7123456789")])
def test_telegram_notifications_go_to_the_chat_of_the_subscription(recipient: str, chat_id: str) -> None:
    sender, sent = recording_sender()
    sender.send(recipient, "Hồ sơ của bạn đã có kết quả.")
    assert sent == [{"chat_id": chat_id, "text": "Hồ sơ của bạn đã có kết quả."}]


@pytest.mark.parametrize("recipient", ["web:0123456789abcdef0123456789abcdef", "zalo:7123456789", "rest:7123456789", "telegram:"])
def test_another_channels_subscription_is_never_sent_to_telegram(recipient: str) -> None:
    sender, sent = recording_sender()
    with pytest.raises(SendError):
        sender.send(recipient, "Hồ sơ của bạn đã có kết quả.")
    assert sent == []


def test_channel_user_id() -> None:
    assert channel_user_id("zalo", "zalo:88") == "88"
    with pytest.raises(SendError):
        channel_user_id("zalo", "telegram:88")
