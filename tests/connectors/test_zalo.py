"""The Zalo OA channel of a running Rasa server, against fake OA message and OAuth servers."""

from __future__ import annotations

import hmac
import json
import time

import httpx
import pytest

from tests.connectors.conftest import ZALO_APP_SECRET, ChannelStack, zalo_event, zalo_signature
from tests.connectors.fakes import FakeZaloApi

pytestmark = pytest.mark.e2e

QUIET = 1.5  # seconds to wait before concluding that nothing was sent


def texts(calls: list) -> str:
    return "\n".join(call.body["message"]["text"] for call in calls)


@pytest.mark.parametrize("how", ["missing", "wrong-key", "other-body", "bare-garbage", "hmac-not-sha256"])
def test_a_badly_signed_event_is_rejected(channels: ChannelStack, how: str) -> None:
    event = zalo_event("zalo_user_send_text")
    body = json.dumps(event, ensure_ascii=False).encode()
    timestamp = event["timestamp"]
    signature = {
        "missing": None,
        "wrong-key": zalo_signature(body, timestamp, key="not-the-oa-secret"),
        "other-body": zalo_signature(body + b" ", timestamp),
        "bare-garbage": "mac=zzzz",
        "hmac-not-sha256": "mac=" + hmac.new(b"oa-secret-key-for-tests", body, "sha256").hexdigest(),
    }[how]
    response = channels.post_zalo(event, signature=signature, raw=body)
    assert response.status_code == 401
    time.sleep(QUIET)
    assert channels.zalo.matching(FakeZaloApi.tries_to(event["sender"]["id"])) == []


def test_a_signed_text_is_acknowledged_at_once_and_answered_through_the_oa_api(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_text")
    user = event["sender"]["id"]
    started = time.monotonic()
    response = channels.post_zalo(event)
    acknowledged = time.monotonic() - started
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert acknowledged < 2.0, f"Zalo wants an answer within ~2 s; took {acknowledged:.2f} s"
    replies = channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    assert "70.000" in texts(replies)
    assert replies[0].body["recipient"] == {"user_id": user}
    assert replies[0].header("access_token")
    assert all(len(call.body["message"]["text"]) <= 2000 for call in replies)


def test_buttons_become_a_numbered_list_and_a_number_presses_one(channels: ChannelStack) -> None:
    greet = zalo_event("zalo_user_send_text", text="xin chào")
    user = greet["sender"]["id"]
    assert channels.post_zalo(greet).status_code == 200
    [greeting] = channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    text = greeting.body["message"]["text"]
    assert "trợ lý dịch vụ công" in text
    assert "Gõ số để chọn:\n1. Đăng ký khai sinh cần giấy tờ gì?\n2. Làm lại căn cước mất bao nhiêu tiền?" in text
    assert channels.post_zalo(zalo_event("zalo_user_send_text", sender_id=user, text="2")).status_code == 200
    replies = channels.zalo.wait_for(FakeZaloApi.replies_to(user), count=2, timeout=30)
    assert "70.000" in texts(replies[1:])


def test_a_redelivered_message_is_answered_once(channels: ChannelStack) -> None:
    first = zalo_event("zalo_user_send_text")
    user, msg_id = first["sender"]["id"], first["message"]["msg_id"]
    again = zalo_event("zalo_user_send_text_redelivered", sender_id=user, msg_id=msg_id)
    assert again["timestamp"] != first["timestamp"]  # signed anew, same message id
    assert channels.post_zalo(first).json()["status"] == "accepted"
    assert channels.post_zalo(again).json()["status"] == "duplicate"
    channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    time.sleep(QUIET)
    replies = channels.zalo.matching(FakeZaloApi.replies_to(user))
    assert texts(replies).count("70.000") == 1
    assert len([e for e in channels.tracker_events(f"zalo:{user}") if e["event"] == "user"]) == 1


def test_a_follow_event_is_acknowledged_and_ignored(channels: ChannelStack) -> None:
    event = zalo_event("zalo_follow")
    before = len(channels.zalo.calls)
    response = channels.post_zalo(event)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    time.sleep(QUIET)
    assert channels.zalo.calls[before:] == []
    assert channels.alive()


def test_an_image_gets_a_polite_text_only_reply(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_image")
    assert channels.post_zalo(event).status_code == 200
    [reply] = channels.zalo.wait_for(FakeZaloApi.replies_to(event["sender"]["id"]), timeout=10)
    assert "chỉ đọc được tin nhắn chữ" in reply.body["message"]["text"]


def test_an_anonymous_web_chat_visitor_is_answered_in_the_conversation(channels: ChannelStack) -> None:
    event = zalo_event("zalo_anonymous_send_text")
    visitor = event["sender"]["id"]
    assert channels.post_zalo(event).status_code == 200
    [reply] = channels.zalo.wait_for(FakeZaloApi.replies_to(visitor), timeout=30)
    assert reply.body["recipient"] == {"anonymous_id": visitor, "conversation_id": event["message"]["conversation_id"]}
    assert "trợ lý dịch vụ công" in reply.body["message"]["text"]


def test_an_expired_access_token_is_refreshed_and_the_reply_sent_again(channels: ChannelStack) -> None:
    channels.zalo.expire_all()
    event = zalo_event("zalo_user_send_text")
    user = event["sender"]["id"]
    assert channels.post_zalo(event).status_code == 200
    replies = channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    assert "70.000" in texts(replies)
    tries = channels.zalo.matching(FakeZaloApi.tries_to(user))
    assert tries[0].result["error"] == -216  # refused with the old token...
    [refresh] = channels.oauth.matching(lambda c: c.method == "access_token")
    assert refresh.header("secret_key") == ZALO_APP_SECRET
    assert refresh.body["grant_type"] == "refresh_token" and refresh.body["refresh_token"] == "refresh-1"
    assert refresh.at < replies[0].at  # ...then sent with the new one
    assert replies[0].header("access_token") == "access-2"
    saved = json.loads(channels.token_file.read_text())
    assert saved == {"access_token": "access-2", "refresh_token": "refresh-2"}


def test_the_tracker_store_records_the_zalo_channel(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_text")
    user = event["sender"]["id"]
    assert channels.post_zalo(event).status_code == 200
    channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30)
    user_events = [e for e in channels.tracker_events(f"zalo:{user}") if e["event"] == "user"]
    assert [e["input_channel"] for e in user_events] == ["zalo"]
    assert user_events[0]["metadata"]["event_name"] == "user_send_text"


def test_rasas_http_api_can_message_the_user_on_zalo(channels: ChannelStack) -> None:
    event = zalo_event("zalo_user_send_text")
    user = event["sender"]["id"]
    assert channels.post_zalo(event).status_code == 200
    before = len(channels.zalo.wait_for(FakeZaloApi.replies_to(user), timeout=30))
    response = httpx.post(
        f"{channels.base}/conversations/zalo:{user}/trigger_intent",
        params={"output_channel": "latest", "token": channels.config.auth_token},
        json={"name": "greet"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    replies = channels.zalo.wait_for(FakeZaloApi.replies_to(user), count=before + 1, timeout=10)
    assert "trợ lý dịch vụ công" in replies[-1].body["message"]["text"]
