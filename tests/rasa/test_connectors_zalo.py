"""Zalo connector pieces in the Rasa environment, and a Rasa start-up with no channel settings."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from connectors.dedupe import MemorySeenIds, RedisSeenIds, seen_ids
from connectors.telegram import TelegramInput
from connectors.zalo import (
    NOT_TEXT_REPLY,
    SIGNATURE_HEADER,
    ZaloClient,
    ZaloInput,
    ZaloSettings,
    numbered_menu,
    signature,
    signature_matches,
)

FIXTURES = Path(__file__).resolve().parents[1] / "connectors" / "fixtures"
CREDENTIALS = Path(__file__).resolve().parents[2] / "rasa_project" / "credentials.yml"
APP_ID = "3500000000000000001"
OA_KEY = "oa-secret"
FIXTURE_NOW = 1764150600.0  # the recorded events were sent within a few minutes of this
REDIS_URL = "redis://127.0.0.1:6379/5"


def raw_fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signed_headers(raw: bytes) -> dict[str, str]:
    timestamp = json.loads(raw)["timestamp"]
    return {SIGNATURE_HEADER: "mac=" + signature(APP_ID, raw, timestamp, OA_KEY)}


def test_signature_is_plain_sha256_of_app_id_body_timestamp_key() -> None:
    body = b'{"event_name":"user_send_text"}'
    expected = hashlib.sha256(b"123" + body + b"1700000000000" + b"key").hexdigest()
    assert signature("123", body, "1700000000000", "key") == expected
    assert signature_matches(f"mac={expected}", "123", body, "1700000000000", "key")
    assert signature_matches(f"MAC={expected.upper()}", "123", body, "1700000000000", "key")
    assert not signature_matches(f"mac={expected}", "123", body + b" ", "1700000000000", "key")
    assert not signature_matches(f"mac={expected}", "123", body, "1700000000001", "key")
    assert not signature_matches(None, "123", body, "1700000000000", "key")
    assert not signature_matches(f"mac={expected}", "123", body, "", "key")


def test_numbered_menu() -> None:
    text, payloads = numbered_menu("Ý bạn là:", [{"title": "Cấp lại căn cước", "payload": "/choose_procedure{}"}, {"title": "x"}])
    assert text == "Ý bạn là:\n\nGõ số để chọn:\n1. Cấp lại căn cước"
    assert payloads == ["/choose_procedure{}"]
    assert numbered_menu("Chỉ chữ", []) == ("Chỉ chữ", [])


class RecordingClient:
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, str], str]] = []

    async def send_text(self, recipient: dict[str, str], text: str) -> bool:
        self.sent.append((recipient, text))
        return True


def channel(now: float = FIXTURE_NOW, seen: Any = None) -> tuple[ZaloInput, RecordingClient]:
    client = RecordingClient()
    zalo = ZaloInput(
        ZaloSettings(app_id=APP_ID, oa_secret_key=OA_KEY, access_token="t"),
        client=client,  # type: ignore[arg-type]
        seen=seen or MemorySeenIds(),
        clock=lambda: now,
    )
    return zalo, client


def deliver(zalo: ZaloInput, deliveries: list[tuple[dict[str, str], bytes]]) -> tuple[list[tuple[int, dict[str, Any]]], list[UserMessage]]:
    """Post each (headers, body) in one event loop, then wait for the background replies."""
    messages: list[UserMessage] = []

    async def rasa(message: UserMessage) -> None:
        messages.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": "Xin chào!", "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]}
        )

    async def go() -> list[tuple[int, dict[str, Any]]]:
        answers = [await zalo.handle(headers, raw, rasa) for headers, raw in deliveries]
        await zalo.drain(5)
        return answers

    return asyncio.run(go()), messages


def test_unconfigured_channel_answers_503() -> None:
    answers, messages = deliver(ZaloInput(ZaloSettings()), [({}, raw_fixture("zalo_user_send_text"))])
    assert answers[0][0] == 503 and messages == []


def test_bad_or_missing_signature_is_rejected() -> None:
    zalo, client = channel()
    raw = raw_fixture("zalo_user_send_text")
    answers, messages = deliver(zalo, [({}, raw), ({SIGNATURE_HEADER: "mac=00"}, raw), (signed_headers(raw), raw + b" ")])
    assert [status for status, _ in answers] == [401, 401, 401]
    assert messages == [] and client.sent == []


def test_a_signed_text_goes_to_rasa_once_and_replies_with_a_numbered_menu() -> None:
    zalo, client = channel()
    raw = raw_fixture("zalo_user_send_text")
    again = raw_fixture("zalo_user_send_text_redelivered")
    answers, messages = deliver(zalo, [(signed_headers(raw), raw), (signed_headers(again), again)])
    assert [body["status"] for _, body in answers] == ["accepted", "duplicate"]
    [message] = messages
    assert (message.sender_id, message.input_channel, message.text) == ("zalo:8800000000000000001", "zalo", "làm lại căn cước mất bao nhiêu tiền")
    assert message.message_id == "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert client.sent == [({"user_id": "8800000000000000001"}, "Xin chào!\n\nGõ số để chọn:\n1. Lệ phí")]
    # "1" now presses the first button; after that, "1" is just text again
    choose = json.loads(raw)
    choose["message"].update(text="1", msg_id="second")
    choose_raw = json.dumps(choose).encode()
    again_raw = json.dumps({**choose, "message": {**choose["message"], "msg_id": "third"}}).encode()
    _, messages = deliver(zalo, [(signed_headers(choose_raw), choose_raw)])
    assert [m.text for m in messages] == ["/ask_fee"]
    zalo.menus.pop("zalo:8800000000000000001")
    _, messages = deliver(zalo, [(signed_headers(again_raw), again_raw)])
    assert [m.text for m in messages] == ["1"]


def signed(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(event, ensure_ascii=False).encode()
    return signed_headers(raw), raw


@pytest.mark.parametrize(("offset", "accepted"), [(0, True), (-299, True), (299, True), (-301, False), (301, False), (-86400, False)])
def test_events_outside_the_timestamp_window_are_refused(offset: int, accepted: bool) -> None:
    event = json.loads(raw_fixture("zalo_user_send_text"))
    event["timestamp"] = str(int((FIXTURE_NOW + offset) * 1000))
    zalo, client = channel()
    answers, messages = deliver(zalo, [signed(event)])
    assert (answers[0][0] == 200) is accepted and bool(messages) is accepted
    if not accepted:
        assert answers[0][0] == 401 and client.sent == []


def test_the_signature_is_checked_before_the_body_is_parsed() -> None:
    """Unsigned garbage is refused as unsigned (401), never parsed; signed garbage gets 400."""
    zalo, _ = channel()
    garbage = b'{"timestamp": "1764150600000", \xff not json'
    answers, messages = deliver(zalo, [({SIGNATURE_HEADER: "mac=00"}, garbage), (signed_headers_for(garbage, "1764150600000"), garbage)])
    assert [status for status, _ in answers] == [401, 400] and messages == []
    # a signed body whose parsed timestamp is not the signed one is not a Zalo event
    event = json.loads(raw_fixture("zalo_user_send_text"))
    raw = json.dumps({"timestamp": "1764150600000", **{k: v for k, v in event.items() if k != "timestamp"}, "x": {"timestamp": "1"}}).encode()
    answers, _ = deliver(zalo, [(signed_headers_for(raw, "1"), raw)])
    assert answers[0][0] == 400


def signed_headers_for(raw: bytes, timestamp: str) -> dict[str, str]:
    return {SIGNATURE_HEADER: "mac=" + signature(APP_ID, raw, timestamp, OA_KEY)}


def _redis() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return client


def test_duplicates_are_detected_across_servers_through_redis() -> None:
    """Two Rasa servers (two channels) sharing Redis: a redelivery to the other one is dropped."""
    client = _redis()
    namespace = f"zalo-test-{id(client)}"
    first, _ = channel(seen=RedisSeenIds(client, namespace, ttl_seconds=60))
    second, _ = channel(seen=RedisSeenIds(client, namespace, ttl_seconds=60))
    raw = raw_fixture("zalo_user_send_text")
    one, messages_one = deliver(first, [(signed_headers(raw), raw)])
    two, messages_two = deliver(second, [(signed_headers(raw), raw)])
    assert [one[0][1]["status"], two[0][1]["status"]] == ["accepted", "duplicate"]
    assert len(messages_one) == 1 and messages_two == []
    keys = client.keys(f"dvc:seen:{namespace}:*")
    assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 60
    client.delete(*keys)


def test_seen_ids_use_redis_only_when_the_lock_store_is_redis() -> None:
    assert isinstance(seen_ids("zalo", 60, {"LOCK_STORE_TYPE": "in_memory"}), MemorySeenIds)
    environ = {"LOCK_STORE_TYPE": "stores.atomic_redis_lock_store.AtomicRedisLockStore", "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "1"}
    unreachable = seen_ids("zalo", 60, environ)
    assert isinstance(unreachable, RedisSeenIds)
    # Redis not answering: this server's memory takes over rather than dropping messages
    assert unreachable.seen_before("m1") is False and unreachable.seen_before("m1") is True


def test_follow_is_ignored_and_an_image_gets_a_polite_reply() -> None:
    zalo, client = channel()
    follow, image = raw_fixture("zalo_follow"), raw_fixture("zalo_user_send_image")
    answers, messages = deliver(zalo, [(signed_headers(follow), follow), (signed_headers(image), image)])
    assert [body["status"] for _, body in answers] == ["ignored", "accepted"]
    assert messages == [] and client.sent == [({"user_id": "8800000000000000003"}, NOT_TEXT_REPLY)]


def test_anonymous_visitors_are_answered_in_their_conversation() -> None:
    zalo, client = channel()
    raw = raw_fixture("zalo_anonymous_send_text")
    _, messages = deliver(zalo, [(signed_headers(raw), raw)])
    assert messages[0].metadata["anonymous"] is True
    assert client.sent[0][0] == {"anonymous_id": "anon-9c1f2e3d4b5a", "conversation_id": "conv-5d6e7f8091a2"}


def test_output_channel_for_rasas_http_api_messages_the_user_id() -> None:
    zalo, client = channel()
    output = zalo.get_output_channel()
    asyncio.run(output.send_text_message("zalo:8800000000000000009", "Hồ sơ của bạn đã có kết quả."))
    asyncio.run(output.send_text_message("telegram:700001", "không được gửi"))  # another channel's id
    asyncio.run(output.send_text_message("web:0123456789abcdef0123456789abcdef", "không được gửi"))
    assert client.sent == [({"user_id": "8800000000000000009"}, "Hồ sơ của bạn đã có kết quả.")]
    assert ZaloInput(ZaloSettings()).get_output_channel() is None


def test_expired_token_is_refreshed_persisted_and_the_message_resent(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    valid = {"new-access"}

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/v4/oa/access_token":
            return httpx.Response(200, json={"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": "90000"})
        if request.headers["access_token"] in valid:
            return httpx.Response(200, json={"error": 0, "message": "Success"})
        return httpx.Response(200, json={"error": -216, "message": "Access token is invalid"})

    token_file = tmp_path / "tokens" / "zalo.json"
    settings = ZaloSettings(
        app_id=APP_ID, oa_secret_key=OA_KEY, access_token="old", refresh_token="old-refresh", app_secret="s",
        api_base_url="http://zalo.test", oauth_base_url="http://oauth.test", token_file=str(token_file),
    )

    async def go() -> bool:
        client = ZaloClient(settings, http=httpx.AsyncClient(transport=httpx.MockTransport(api)))
        # two replies at once: the token is refreshed once
        results = await asyncio.gather(client.send_text({"user_id": "u"}, "a"), client.send_text({"user_id": "u"}, "b"))
        await client.close()
        return all(results)

    assert asyncio.run(go())
    refreshes = [c for c in calls if c.url.path == "/v4/oa/access_token"]
    assert len(refreshes) == 1
    assert refreshes[0].headers["secret_key"] == "s"
    assert dict(httpx.QueryParams(refreshes[0].content.decode())) == {"refresh_token": "old-refresh", "app_id": APP_ID, "grant_type": "refresh_token"}
    assert [c.headers["access_token"] for c in calls if c.url.path == "/v3.0/oa/message/cs"].count("new-access") == 2
    assert json.loads(token_file.read_text()) == {"access_token": "new-access", "refresh_token": "new-refresh"}
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    # a restart reads the saved tokens, not the spent ones from the environment
    assert ZaloClient(settings).tokens.access_token == "new-access"


def test_refresh_without_refresh_token_fails_cleanly() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": -216, "message": "Access token is invalid"})

    async def go() -> bool:
        client = ZaloClient(ZaloSettings(app_id=APP_ID, access_token="old"), http=httpx.AsyncClient(transport=httpx.MockTransport(api)))
        return await client.send_text({"user_id": "u"}, "a")

    assert asyncio.run(go()) is False


def test_rasa_starts_with_credentials_yml_and_no_channel_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ZALO_")):
            monkeypatch.delenv(name)
    channels = create_http_input_channels(None, str(CREDENTIALS))
    by_name = {c.name(): c for c in channels}
    assert {"rest", "telegram", "zalo"} <= set(by_name)
    assert isinstance(by_name["telegram"], TelegramInput) and not by_name["telegram"].settings.configured
    assert isinstance(by_name["zalo"], ZaloInput) and not by_name["zalo"].settings.configured
    app = Sanic("startup_check")
    register(channels, app, "/webhooks/")
    paths = {route.path for route in app.router.routes}
    assert {"webhooks/telegram/webhook", "webhooks/zalo/webhook"} <= paths
