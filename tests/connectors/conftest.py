"""A running stack whose Telegram and Zalo channels talk to fake servers on 127.0.0.1.

One stack (Rasa, actions, console) serves the whole package; each test uses its own chat
or user ids, so tests never see each other's replies.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from dichvucong.devstack import StackConfig
from tests.connectors.fakes import FakeTelegram, FakeZaloApi, FakeZaloOAuth
from tests.stack import seeded_stack

FIXTURES = Path(__file__).parent / "fixtures"

TELEGRAM_TOKEN = "6000000001:TEST-token_for-the-fake-bot-api"
TELEGRAM_SECRET = "test-secret_9f8e7d6c5b4a"
WEBHOOK_URL = "https://bot.example.invalid/webhooks/telegram/webhook"
ZALO_APP_ID = "3500000000000000001"
ZALO_OA_SECRET = "oa-secret-key-for-tests"
ZALO_APP_SECRET = "app-secret-for-tests"
ZALO_ACCESS_TOKEN = "access-1"
ZALO_REFRESH_TOKEN = "refresh-1"

_ids = itertools.count(1)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def telegram_update(name: str, chat_id: int | None = None) -> tuple[dict[str, Any], int]:
    """A recorded update with its chat (and user) moved to a fresh id; returns (update, chat id)."""
    update = copy.deepcopy(fixture(name))
    chat_id = chat_id or 710000 + next(_ids)
    update["update_id"] = 900000000 + next(_ids)
    for key in ("message", "edited_message", "channel_post", "my_chat_member"):
        if key in update:
            update[key]["chat"]["id"] = chat_id
            if "from" in update[key]:
                update[key]["from"]["id"] = chat_id
    if "callback_query" in update:
        update["callback_query"]["from"]["id"] = chat_id
        update["callback_query"]["message"]["chat"]["id"] = chat_id
    return update, chat_id


def zalo_event(name: str, sender_id: str | None = None, msg_id: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A recorded Zalo event for a fresh sender and message id (unless given), sent now (the
    channel refuses events older than its timestamp window)."""
    event = copy.deepcopy(fixture(name))
    n = next(_ids)
    event["timestamp"] = str(int(time.time() * 1000) + n)  # unique, so a redelivery is signed anew
    if "sender" in event:
        event["sender"]["id"] = sender_id or f"88000000000{n:08d}"
    if "message" in event:
        event["message"]["msg_id"] = msg_id or hashlib.md5(f"msg-{n}".encode()).hexdigest()
        if text is not None:
            event["message"]["text"] = text
    return event


def zalo_signature(raw_body: bytes, timestamp: str, app_id: str = ZALO_APP_ID, key: str = ZALO_OA_SECRET) -> str:
    return "mac=" + hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + key.encode()).hexdigest()


class ChannelStack:
    """The running stack and its fakes, with helpers to post to the channel routes."""

    def __init__(self, config: StackConfig, telegram: FakeTelegram, zalo: FakeZaloApi, oauth: FakeZaloOAuth, token_file: Path) -> None:
        self.config = config
        self.telegram = telegram
        self.zalo = zalo
        self.oauth = oauth
        self.token_file = token_file
        self.base = f"http://127.0.0.1:{config.rasa_port}"

    def post_telegram(self, update: Any, secret: str | None = TELEGRAM_SECRET, timeout: float = 90) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        content = update if isinstance(update, bytes) else json.dumps(update).encode()
        return httpx.post(
            f"{self.base}/webhooks/telegram/webhook",
            content=content,
            headers={"Content-Type": "application/json", **headers},
            timeout=timeout,
        )

    def post_zalo(self, event: dict[str, Any], signature: str | None = "sign", raw: bytes | None = None) -> httpx.Response:
        """POST ``event`` signed correctly (``signature="sign"``), with ``signature`` as given, or none."""
        body = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = zalo_signature(body, str(event.get("timestamp", "")))
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        return httpx.post(f"{self.base}/webhooks/zalo/webhook", content=body, headers=headers, timeout=30)

    def api(self, path: str) -> str:
        """A URL of Rasa's HTTP API, with the stack's auth token."""
        return self.config.api_url(path)

    def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """Events of a conversation: ``sender_id`` as Rasa knows it (``telegram:<chat id>``...)."""
        response = httpx.get(self.api(f"/conversations/{quote(sender_id, safe=':')}/tracker"), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def alive(self) -> bool:
        return httpx.get(self.api("/status"), timeout=10).status_code == 200


@pytest.fixture(scope="package")
def fakes() -> Iterator[tuple[FakeTelegram, FakeZaloApi, FakeZaloOAuth]]:
    telegram = FakeTelegram(TELEGRAM_TOKEN).start()
    zalo = FakeZaloApi(ZALO_ACCESS_TOKEN).start()
    oauth = FakeZaloOAuth(ZALO_APP_ID, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, zalo).start()
    try:
        yield telegram, zalo, oauth
    finally:
        for server in (telegram, zalo, oauth):
            server.stop()


@pytest.fixture(scope="package")
def channels(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, fakes: tuple[FakeTelegram, FakeZaloApi, FakeZaloOAuth]
) -> Iterator[ChannelStack]:
    """The stack with TELEGRAM_* and ZALO_* pointing at the fakes (never the real services)."""
    telegram, zalo, oauth = fakes
    workdir = tmp_path_factory.mktemp("channels")
    token_file = workdir / "zalo-tokens.json"
    env = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "ZALO_APP_ID": ZALO_APP_ID,
        "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "ZALO_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
        "ZALO_REFRESH_TOKEN": ZALO_REFRESH_TOKEN,
        "ZALO_APP_SECRET": ZALO_APP_SECRET,
        "ZALO_API_BASE_URL": zalo.url,
        "ZALO_OAUTH_BASE_URL": oauth.url,
        "ZALO_TOKEN_FILE": str(token_file),
    }
    with seeded_stack(trained_model, workdir, extra_env=env) as config:
        yield ChannelStack(config, telegram, zalo, oauth, token_file)
