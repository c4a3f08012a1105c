"""One running stack for the handoff tests: Rasa, actions and console, with the Telegram and
Zalo channels pointed at the fake APIs, the web widget, agents' accounts, and two agencies:
one always open, one closed (holidays around today) that answers for the "Căn cước" field.

Package-scoped, so the whole package starts one stack; the other packages' stacks are not
touched (their office hours would depend on the clock).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from dichvucong.console.services.accounts import create_user
from dichvucong.db.models import Handoff
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from dichvucong.handoff.hours import VIETNAM_TZ
from dichvucong.handoff.service import latest_handoff, open_handoff
from tests.connectors.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    ZALO_ACCESS_TOKEN,
    ZALO_APP_ID,
    ZALO_APP_SECRET,
    ZALO_OA_SECRET,
    ZALO_REFRESH_TOKEN,
    ChannelStack,
)
from tests.connectors.fakes import FakeTelegram, FakeZaloApi, FakeZaloOAuth
from tests.stack import seeded_stack, wait_until

PASSWORD = "mat-khau-can-bo-ho-tro-1"
USERS = {"agent1": "agent", "agent2": "agent", "admin1": "admin", "editor1": "editor", "reviewer1": "reviewer"}
OPEN_AGENCY = "Trung tâm thử nghiệm luôn mở cửa"
CLOSED_AGENCY = "Công an thử nghiệm đang nghỉ lễ"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def agencies_file(path: Path) -> Path:
    today = datetime.now(VIETNAM_TZ).date()
    data = {
        "agencies": [
            {"key": "mo-cua", "name": OPEN_AGENCY, "default": True, "hours": "mon-sun 00:00-24:00"},
            {
                "key": "dong-cua", "name": CLOSED_AGENCY, "hours": "mon-fri 07:30-11:30,13:30-17:00",
                "holidays": [f"{today - timedelta(days=3)}..{today + timedelta(days=3)}"], "fields": ["Căn cước"],
            },
        ]
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class Console:
    """An official signed in to the stack's console over HTTP (cookies, CSRF tokens)."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.username = username
        self.token = ""
        self.get("/console/login")
        response = self.post("/console/login", {"username": username, "password": PASSWORD, "next": "/console"})
        assert response.status_code == 303, response.text[:500]
        self.get("/console")

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        match = _CSRF.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if match:
            self.token = match.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        form = {"csrf_token": self.token, **(data or {})}
        return self.http.post(path, data=form)

    def act(self, handoff_id: int, action: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """A button on the conversation page; returns the page it leads to."""
        self.get(f"/console/inbox/{handoff_id}")
        response = self.post(f"/console/inbox/{handoff_id}/{action}", data)
        assert response.status_code == 303, (response.status_code, response.text[:1000])
        return self.get(response.headers["location"])

    def close(self) -> None:
        self.http.close()


@dataclass
class HandoffStack:
    config: StackConfig
    channels: ChannelStack
    agencies: Path

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.config.console_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.config.rasa_port}"

    def handoff(self, sender_id: str, open_only: bool = True) -> Handoff | None:
        with get_sessionmaker(self.config.database_url or "")() as session:
            found = open_handoff(session, sender_id) if open_only else latest_handoff(session, sender_id)
            if found is not None:
                session.expunge(found)
            return found

    def wait_handoff(self, sender_id: str, status: str | None = None, timeout: float = 60) -> Handoff:
        def check() -> Handoff | None:
            found = self.handoff(sender_id, open_only=False)
            return found if found is not None and (status is None or found.status == status) else None

        return wait_until(check, timeout, f"handoff of {sender_id} in status {status}")

    def console(self, username: str) -> Console:
        return Console(self.console_url, username)

    def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        response = httpx.get(self.config.api_url(f"/conversations/{quote(sender_id, safe=':')}/tracker"), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def web_session(self) -> WebCitizen:
        return WebCitizen(self)


class WebCitizen:
    """A widget conversation without a browser: a session token, the web channel, updates."""

    def __init__(self, stack: HandoffStack) -> None:
        self.stack = stack
        response = httpx.post(f"{stack.console_url}/widget/session", json={}, timeout=30)
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        self.after: int | None = None

    @property
    def sender_id(self) -> str:
        from dichvucong.widget.token import TokenSigner

        return TokenSigner(self.stack.config.widget_token_secret).verify(self.token).sender_id

    def say(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{self.stack.rasa_url}/webhooks/web/webhook", json={"message": text},
            headers={"Authorization": f"Bearer {self.token}"}, timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def text(self, message: str) -> str:
        return "\n".join(m.get("text") or "" for m in self.say(message))

    def updates(self, wait: bool = False) -> dict[str, Any]:
        response = httpx.post(
            f"{self.stack.console_url}/widget/updates", json={"token": self.token, "after": self.after, "wait": wait}, timeout=60
        )
        assert response.status_code == 200, response.text
        data = response.json()
        self.after = data["after"]
        return data


@pytest.fixture(scope="package")
def hstack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HandoffStack]:
    telegram = FakeTelegram(TELEGRAM_TOKEN).start()
    zalo = FakeZaloApi(ZALO_ACCESS_TOKEN).start()
    oauth = FakeZaloOAuth(ZALO_APP_ID, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, zalo).start()
    workdir = tmp_path_factory.mktemp("handoff")
    agencies = agencies_file(workdir / "agencies.json")
    env = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url, "TELEGRAM_MODE": "webhook",
        "ZALO_APP_ID": ZALO_APP_ID, "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET, "ZALO_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
        "ZALO_REFRESH_TOKEN": ZALO_REFRESH_TOKEN, "ZALO_APP_SECRET": ZALO_APP_SECRET,
        "ZALO_API_BASE_URL": zalo.url, "ZALO_OAUTH_BASE_URL": oauth.url, "ZALO_TOKEN_FILE": str(workdir / "zalo.json"),
        "HANDOFF_AGENCIES_FILE": str(agencies), "HANDOFF_HOLIDAYS": "",
    }
    try:
        with seeded_stack(trained_model, workdir, extra_env=env) as config:
            with get_sessionmaker(config.database_url or "")() as session:
                for username, role in USERS.items():
                    create_user(session, username, PASSWORD, role, f"Cán bộ {username}")
                session.commit()
            yield HandoffStack(config, ChannelStack(config, telegram, zalo, oauth, workdir / "zalo.json"), agencies)
    finally:
        for server in (telegram, zalo, oauth):
            server.stop()
