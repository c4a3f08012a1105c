"""The web widget's channel and the internal REST channel, in the Rasa environment."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from connectors.ids import messenger_id, sender_id
from connectors.rest import InternalRestInput, valid_sender
from connectors.web import WebInput, bearer_token
from dichvucong.widget.token import TokenError, TokenSigner

CREDENTIALS = Path(__file__).resolve().parents[2] / "rasa_project" / "credentials.yml"
SECRET = "s" * 40
NOW = 1_700_000_000.0  # November 2023: tokens issued "now" by this clock are long expired


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def test_a_token_names_its_session_and_nothing_else_verifies() -> None:
    clock = Clock()
    signer = TokenSigner(SECRET, ttl_seconds=3600, max_session_seconds=7200, clock=clock)
    token, session = signer.issue()
    assert signer.verify(token) == session and session.sender_id == f"web:{session.session_id}"
    assert len(session.session_id) == 32 and session.expires_at == NOW + 3600
    other_token, other = signer.issue()
    assert other.session_id != session.session_id
    head, payload, mac = token.split(".")
    other_payload = other_token.split(".")[1]
    forged = [
        "", "v1", f"{head}.{payload}", f"{head}.{other_payload}.{mac}",  # another session's claims, our signature
        f"v2.{payload}.{mac}", f"{head}.{payload}.{mac[:-2]}AA", token + "x",
        TokenSigner("t" * 40, clock=clock).issue()[0],  # signed with another secret
        "v1.é.x", "a" * 600,
    ]
    for bad in forged:
        with pytest.raises(TokenError) as caught:
            signer.verify(bad)
        assert caught.value.reason == "invalid", bad


def test_tokens_expire_renewal_keeps_the_session_until_its_maximum_age() -> None:
    clock = Clock()
    signer = TokenSigner(SECRET, ttl_seconds=3600, max_session_seconds=3 * 3600, clock=clock)
    token, session = signer.issue()
    clock.now += 3000
    renewed, again = signer.renew(token)
    assert again.session_id == session.session_id and again.born == session.born
    clock.now += 3599
    assert signer.verify(renewed).session_id == session.session_id
    clock.now += 1
    with pytest.raises(TokenError) as caught:
        signer.verify(renewed)
    assert caught.value.reason == "expired"
    with pytest.raises(TokenError):
        signer.renew(renewed)  # an expired token is not renewed: the page starts a new session
    # a session cannot be renewed for ever: no token outlives born + the maximum age
    token, session = signer.issue()
    for _ in range(4):
        clock.now += 2000
        token, renewed_session = signer.renew(token)
        assert renewed_session.session_id == session.session_id
        assert renewed_session.expires_at <= session.born + 3 * 3600
    clock.now = session.born + 3 * 3600
    with pytest.raises(TokenError):
        signer.renew(token)


def test_a_short_or_missing_secret_is_refused() -> None:
    for secret in ("", "short"):
        with pytest.raises(ValueError):
            TokenSigner(secret)
        assert WebInput(secret).configured is False


class Rasa:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "Xin chào!"})


def post(channel: WebInput, headers: dict[str, str], body: Any) -> tuple[int, Any, Rasa]:
    rasa = Rasa()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = asyncio.run(channel.handle(headers, raw, rasa))
    return status, answer, rasa


def test_the_web_channel_talks_as_the_tokens_session_only() -> None:
    channel = WebInput(SECRET)
    token, session = TokenSigner(SECRET).issue()
    spoof = {"message": "xin chào", "sender": "telegram:700001", "input_channel": "telegram", "metadata": {"channel": "telegram"}}
    status, answer, rasa = post(channel, {"authorization": f"Bearer {token}"}, spoof)
    assert status == 200 and answer == [{"recipient_id": session.sender_id, "text": "Xin chào!"}]
    [message] = rasa.messages
    assert (message.sender_id, message.input_channel, message.metadata) == (session.sender_id, "web", {"channel": "web"})


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({}, "invalid"), ({"authorization": "Bearer nope"}, "invalid"), ({"authorization": "Basic abc"}, "invalid")],
)
def test_missing_or_forged_tokens_get_401(headers: dict[str, str], reason: str) -> None:
    status, answer, rasa = post(WebInput(SECRET), headers, {"message": "xin chào"})
    assert (status, answer["error"]) == (401, reason) and rasa.messages == []
    assert "phiên" in answer["message"].lower()


def test_an_expired_token_gets_401_expired() -> None:
    clock = Clock()
    token, _ = TokenSigner(SECRET, ttl_seconds=60, max_session_seconds=60, clock=clock).issue()
    status, answer, _ = post(WebInput(SECRET), {"authorization": f"Bearer {token}"}, {"message": "xin chào"})
    assert (status, answer["error"]) == (401, "expired")  # NOW is long past


@pytest.mark.parametrize("body", [b"not json", b"[]", {"message": ""}, {"message": 5}, {"text": "x"}])
def test_bad_bodies_get_a_polite_400(body: Any) -> None:
    token, _ = TokenSigner(SECRET).issue()
    status, answer, rasa = post(WebInput(SECRET), {"authorization": f"Bearer {token}"}, body)
    assert status == 400 and answer["message"] == "Tin nhắn không hợp lệ." and rasa.messages == []


def test_an_unconfigured_web_channel_answers_503() -> None:
    status, answer, _ = post(WebInput(""), {}, {"message": "x"})
    assert status == 503 and "tạm ngừng" in answer["message"]


def test_bearer_token_parsing() -> None:
    assert bearer_token({"authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"authorization": "bearer  abc "}) == "abc"
    assert bearer_token({"authorization": "Bearer "}) is None
    assert bearer_token({}) is None


@pytest.mark.parametrize("sender", ["demo", "e2e-1", "user.name@example", "A_b-9"])
def test_rest_accepts_plain_sender_ids(sender: str) -> None:
    assert valid_sender(sender)


@pytest.mark.parametrize("sender", ["telegram:700001", "zalo:1", "web:abc", ":", "a b", "", "x" * 129, None, 5, "tele\ngram"])
def test_rest_refuses_namespaced_or_odd_sender_ids(sender: Any) -> None:
    assert not valid_sender(sender)


def test_sender_ids_are_namespaced_and_unwrapped_per_channel() -> None:
    assert sender_id("telegram", 700001) == "telegram:700001"
    assert messenger_id("telegram", "telegram:700001") == "700001"
    assert messenger_id("telegram", "700001") == "700001"  # recorded before namespacing
    assert messenger_id("telegram", "zalo:700001") is None
    assert messenger_id("zalo", "telegram:1") is None
    assert messenger_id("telegram", "telegram:") is None


def test_credentials_enable_web_and_internal_rest_but_not_socketio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", SECRET)
    channels = create_http_input_channels(None, str(CREDENTIALS))
    by_name = {c.name(): c for c in channels}
    assert isinstance(by_name["web"], WebInput) and by_name["web"].configured
    assert isinstance(by_name["rest"], InternalRestInput)
    assert "socketio" not in by_name
    app = Sanic("channels_check")
    register(channels, app, "/webhooks/")
    paths = {route.path for route in app.router.routes}
    assert {"webhooks/web/webhook", "webhooks/rest/webhook"} <= paths
    assert not any("socket.io" in path for path in paths)
