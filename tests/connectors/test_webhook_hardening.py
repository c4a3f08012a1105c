"""Webhook routes of a running Rasa server refuse oversized, stale and replayed deliveries."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.connectors.conftest import (
    TELEGRAM_SECRET,
    ChannelStack,
    telegram_update,
    zalo_event,
    zalo_signature,
)
from tests.connectors.fakes import FakeTelegram, FakeZaloApi

pytestmark = pytest.mark.e2e

TOO_BIG = 1024 * 1024 + 1


def only_the_next_telegram_message_is_answered(channels: ChannelStack, chat_id: int) -> None:
    """A valid message from the same chat, answered: the refused one before it left no trace
    (Rasa handles one conversation's messages in order)."""
    update, _ = telegram_update("telegram_text", chat_id=chat_id)
    assert channels.post_telegram(update).status_code == 200
    channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=30)
    user_events = [e for e in channels.tracker_events(f"telegram:{chat_id}") if e["event"] == "user"]
    assert len(user_events) == 1


def only_the_next_zalo_message_is_answered(channels: ChannelStack, user: str) -> None:
    """The same for Zalo: a fresh, valid event from the same user is the only one handled."""
    assert channels.post_zalo(zalo_event("zalo_user_send_text", sender_id=user)).status_code == 200
    channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    user_events = [e for e in channels.tracker_events(f"zalo:{user}") if e["event"] == "user"]
    assert len(user_events) == 1


def test_an_oversized_telegram_delivery_is_refused_unread(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_text")
    update["padding"] = "x" * TOO_BIG  # still a valid update, only too large
    response = channels.post_telegram(update)
    assert response.status_code == 413
    assert channels.alive()
    only_the_next_telegram_message_is_answered(channels, chat_id)


def test_an_oversized_zalo_delivery_is_refused_unread(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_text")
    event["padding"] = "x" * TOO_BIG
    response = channels.post_zalo(event)  # correctly signed
    assert response.status_code == 413
    only_the_next_zalo_message_is_answered(channels, event["sender"]["id"])


def test_unsigned_garbage_is_refused_before_parsing(channels: ChannelStack) -> None:
    garbage = b"\xff\xfe{" * 1000
    assert channels.post_telegram(garbage, secret="wrong").status_code == 403
    assert channels.post_telegram(garbage).status_code == 400  # with the secret: parsed, refused
    response = httpx.post(
        f"{channels.base}/webhooks/zalo/webhook", content=garbage, headers={"X-ZEvent-Signature": "mac=00"}, timeout=30
    )
    assert response.status_code == 401


@pytest.mark.parametrize("age_seconds", [600, -600])
def test_a_zalo_event_outside_the_time_window_is_refused(channels: ChannelStack, age_seconds: int) -> None:
    event = zalo_event("zalo_user_send_text")
    event["timestamp"] = str(int((time.time() - age_seconds) * 1000))  # signed correctly, but old (or future)
    response = channels.post_zalo(event)
    assert response.status_code == 401
    only_the_next_zalo_message_is_answered(channels, event["sender"]["id"])


def test_a_replayed_zalo_event_is_handled_once(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_text")
    body = json.dumps(event, ensure_ascii=False).encode()
    signature = zalo_signature(body, event["timestamp"])
    statuses = [channels.post_zalo(event, signature=signature, raw=body).json()["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    channels.zalo.wait_for(FakeZaloApi.replies_to(event["sender"]["id"]), timeout=30)


def test_a_telegram_update_lands_in_the_namespaced_conversation(channels: ChannelStack) -> None:
    update, chat_id = telegram_update("telegram_text")
    assert channels.post_telegram(update, secret=TELEGRAM_SECRET).status_code == 200
    channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=30)
    assert any(e["event"] == "user" for e in channels.tracker_events(f"telegram:{chat_id}"))
    assert not any(e["event"] == "user" for e in channels.tracker_events(str(chat_id)))
