"""Attacks on channel identities and on Rasa's HTTP API, against the running stack.

Defended (docs/security.md, "Channels and transport"):

* a REST client cannot speak in a Telegram (or Zalo, or web) conversation: namespaced sender
  ids are refused, and ``input_channel``/``metadata`` in the body are ignored;
* socket.io, whose clients choose their own session id, is not served at all;
* the web widget's channel takes its sender id only from a session token the console signed:
  a forged, expired or altered token is refused with 401, and a page holding a valid token
  can only continue that token's own conversation;
* Rasa's HTTP API (read a tracker, append events, trigger an intent, replace the model)
  answers 401 without the auth token, and CORS is answered only for configured origins.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import quote

import httpx
import pytest

from dichvucong.devstack import StackConfig
from dichvucong.widget.token import TokenSigner
from tests.stack import Citizen

pytestmark = pytest.mark.e2e

QUESTION = "làm lại căn cước mất bao nhiêu tiền"
TELEGRAM_VICTIM = "telegram:7123456789"


def rasa(stack: StackConfig, path: str) -> str:
    return f"http://127.0.0.1:{stack.rasa_port}{path}"


def user_events(stack: StackConfig, sender: str) -> list[dict]:
    response = httpx.get(stack.api_url(f"/conversations/{quote(sender, safe=':')}/tracker"), timeout=30)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["events"] if e["event"] == "user"]


def new_session(stack: StackConfig, renew: str | None = None) -> httpx.Response:
    body = {"token": renew} if renew else {}
    return httpx.post(f"http://127.0.0.1:{stack.console_port}/widget/session", json=body, timeout=30)


def web_say(stack: StackConfig, token: str, message: str, **extra: object) -> httpx.Response:
    return httpx.post(
        rasa(stack, "/webhooks/web/webhook"),
        json={"message": message, **extra},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


# --- REST and socket.io cannot reach another channel's conversation -------------------------


@pytest.mark.parametrize("sender", [TELEGRAM_VICTIM, "zalo:8800000000000000001", "web:" + "0" * 32, "7123456789:x"])
def test_rest_cannot_post_as_a_namespaced_sender(stack: StackConfig, sender: str) -> None:
    response = httpx.post(rasa(stack, "/webhooks/rest/webhook"), json={"sender": sender, "message": QUESTION}, timeout=60)
    assert response.status_code == 400
    assert "không hợp lệ" in response.json()["message"]
    assert user_events(stack, sender) == []


def test_rest_input_channel_and_metadata_from_the_body_are_ignored(stack: StackConfig) -> None:
    sender = f"spoof-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": QUESTION, "input_channel": "telegram", "metadata": {"channel": "telegram"}}
    response = httpx.post(rasa(stack, "/webhooks/rest/webhook"), json=body, timeout=60)
    assert response.status_code == 200 and "Lệ phí — Cấp lại thẻ căn cước" in json.dumps(response.json(), ensure_ascii=False)
    [event] = user_events(stack, sender)
    assert event["input_channel"] == "rest"
    assert (event.get("metadata") or {}).get("channel") != "telegram"


def test_a_plain_rest_sender_never_lands_in_the_telegram_conversation(stack: StackConfig) -> None:
    chat_id = TELEGRAM_VICTIM.split(":")[1]
    Citizen(stack, chat_id).text(QUESTION)  # the bare chat id is just another REST sender
    assert user_events(stack, TELEGRAM_VICTIM) == []
    assert [e["input_channel"] for e in user_events(stack, chat_id)] == ["rest"]


def test_socketio_is_not_served(stack: StackConfig) -> None:
    response = httpx.get(rasa(stack, "/socket.io/"), params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert response.status_code == 404


# --- the web widget's channel: the token decides the conversation ---------------------------


def test_a_widget_session_continues_its_own_conversation_only(stack: StackConfig) -> None:
    issued = new_session(stack)
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = issued.json()["token"]
    session_id = TokenSigner(stack.widget_token_secret).verify(token).session_id
    other = new_session(stack).json()["token"]
    other_id = TokenSigner(stack.widget_token_secret).verify(other).session_id

    reply = web_say(stack, token, QUESTION, sender=f"web:{other_id}", input_channel="telegram")
    assert reply.status_code == 200 and "Lệ phí — Cấp lại thẻ căn cước" in json.dumps(reply.json(), ensure_ascii=False)
    renewed = new_session(stack, renew=token).json()["token"]
    assert TokenSigner(stack.widget_token_secret).verify(renewed).session_id == session_id
    follow_up = web_say(stack, renewed, "còn giấy tờ thì cần những gì?")
    assert "Giấy tờ cần chuẩn bị — Cấp lại thẻ căn cước" in json.dumps(follow_up.json(), ensure_ascii=False)

    mine = user_events(stack, f"web:{session_id}")
    assert [e["input_channel"] for e in mine] == ["web", "web"]
    assert user_events(stack, f"web:{other_id}") == []  # the other page's conversation is untouched


def _forged(stack: StackConfig) -> dict[str, str]:
    token = new_session(stack).json()["token"]
    head, payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sid"] = "f" * 32  # somebody else's session, keeping our signature
    altered = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return {
        "altered session id": f"{head}.{altered}.{mac}",
        "wrong secret": TokenSigner("x" * 48).issue()[0],
        "made up": "v1.eyJzaWQiOiJmZmYifQ.AAAA",
        "no token": "",
    }


def test_forged_widget_tokens_are_refused(stack: StackConfig) -> None:
    for label, token in _forged(stack).items():
        response = web_say(stack, token, QUESTION) if token else httpx.post(
            rasa(stack, "/webhooks/web/webhook"), json={"message": QUESTION}, timeout=30
        )
        assert response.status_code == 401, label
        assert response.json()["error"] == "invalid", label
    assert user_events(stack, "web:" + "f" * 32) == []
    assert new_session(stack, renew=_forged(stack)["altered session id"]).status_code == 401


def test_an_expired_widget_token_is_refused(stack: StackConfig) -> None:
    yesterday = time.time() - 86400
    old_token, session = TokenSigner(stack.widget_token_secret, ttl_seconds=3600, clock=lambda: yesterday).issue()
    response = web_say(stack, old_token, QUESTION)
    assert response.status_code == 401 and response.json()["error"] == "expired"
    assert "hết hạn" in response.json()["message"]
    assert new_session(stack, renew=old_token).status_code == 401  # the page must start a new session
    assert user_events(stack, session.sender_id) == []


# --- Rasa's HTTP API needs the token; CORS only for configured origins ----------------------


def test_rasas_http_api_refuses_calls_without_the_token(stack: StackConfig) -> None:
    sender = f"api-{uuid.uuid4().hex[:8]}"
    Citizen(stack, sender).text("xin chào")
    calls = {
        "read a tracker": lambda url: httpx.get(url(f"/conversations/{sender}/tracker"), timeout=30),
        "append an event": lambda url: httpx.post(
            url(f"/conversations/{sender}/tracker/events"), json={"event": "slot", "name": "verified_code", "value": None}, timeout=30
        ),
        "trigger an intent": lambda url: httpx.post(url(f"/conversations/{sender}/trigger_intent"), json={"name": "greet"}, timeout=60),
        "replace the model": lambda url: httpx.put(url("/model"), json={"model_file": "/nonexistent/model.tar.gz"}, timeout=60),
        "status": lambda url: httpx.get(url("/status"), timeout=30),
    }
    without = {name: call(lambda path: rasa(stack, path)).status_code for name, call in calls.items()}
    wrong = {name: call(lambda path: rasa(stack, path) + ("&" if "?" in path else "?") + "token=wrong").status_code for name, call in calls.items()}
    assert set(without.values()) == {401}, without
    assert set(wrong.values()) == {401}, wrong
    with_token = {name: call(stack.api_url).status_code for name, call in calls.items()}
    # with the token every call is authorised: the bogus model path is a bad request, not a 401
    assert with_token == {
        "read a tracker": 200, "append an event": 200, "trigger an intent": 200, "replace the model": 400, "status": 200,
    }, with_token


def test_cors_is_answered_only_for_the_configured_origins(stack: StackConfig) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            rasa(stack, "/webhooks/web/webhook"),
            headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"},
            timeout=10,
        )

    allowed = preflight(f"http://127.0.0.1:{stack.console_port}")
    assert allowed.headers.get("access-control-allow-origin") == f"http://127.0.0.1:{stack.console_port}"
    refused = preflight("https://evil.example")
    assert refused.headers.get("access-control-allow-origin") in (None, "")
