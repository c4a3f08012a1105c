"""Fake Telegram Bot API, Zalo OA API and Zalo OAuth servers on 127.0.0.1, recording every call.

The channel tests point the Rasa server (and the poller) at these instead of the real
services. Each server runs in a thread (ThreadingHTTPServer) and is stopped by its fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    """One request the fake received, its body parsed (JSON or form; JSON-looking form values decoded)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 0  # what the fake answered
    result: Any = None

    @property
    def method(self) -> str:
        """The last path segment: ``sendMessage``, ``cs``, ``access_token``..."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {"_": parsed}
    form = {key: values[-1] for key, values in parse_qs(raw.decode(), keep_blank_values=True).items()}
    for key, value in form.items():
        if value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                form[key] = json.loads(value)
    return form


class FakeApi:
    """An HTTP server answering from ``respond(call) -> (status, JSON body)``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                call = Call(urlsplit(self.path).path, dict(self.headers), _parse_body(self.headers.get("Content-Type", ""), raw))
                status, body = fake.respond(call)
                call.status, call.result = status, body
                with fake._lock:
                    fake.calls.append(call)
                    fake._lock.notify_all()
                payload = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)

    def respond(self, call: Call) -> tuple[int, Any]:
        raise NotImplementedError

    def start(self) -> FakeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def matching(self, predicate: Callable[[Call], bool]) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if predicate(call)]

    def wait_for(self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 60.0) -> list[Call]:
        """The calls matching ``predicate`` once there are ``count`` of them (or at the deadline)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [call for call in self.calls if predicate(call)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._lock.wait(timeout=min(remaining, 0.5))


class FakeTelegram(FakeApi):
    """The Bot API methods the connector and the poller use."""

    BOT = {"id": 6000000001, "is_bot": True, "first_name": "Trợ lý dịch vụ công", "username": "dichvucong_test_bot"}

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.pending_updates: list[dict[str, Any]] = []
        self._message_ids = itertools.count(5000)

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self.pending_updates.append(update)

    @staticmethod
    def messages_to(chat_id: int | str) -> Callable[[Call], bool]:
        """Matches the sendMessage calls to ``chat_id``."""
        return lambda c: c.method == "sendMessage" and str(c.body.get("chat_id")) == str(chat_id)

    def to_chat(self, chat_id: int | str) -> list[Call]:
        """Every call that names ``chat_id`` (messages, photos...)."""
        return self.matching(lambda c: str(c.body.get("chat_id")) == str(chat_id))

    def respond(self, call: Call) -> tuple[int, Any]:
        prefix = f"/bot{self.token}/"
        if not call.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = call.path[len(prefix):]
        if method == "getMe":
            return 200, {"ok": True, "result": self.BOT}
        if method in ("sendMessage", "sendPhoto"):
            result = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(call.body.get("chat_id", 0)), "type": "private"},
                "from": self.BOT,
                "text": call.body.get("text", ""),
            }
            return 200, {"ok": True, "result": result}
        if method == "getUpdates":
            offset = int(call.body.get("offset") or 0)
            deadline = time.monotonic() + min(float(call.body.get("timeout") or 0), 1.0)
            while True:
                with self._lock:
                    ready = [u for u in self.pending_updates if u["update_id"] >= offset]
                    self.pending_updates = [u for u in self.pending_updates if u not in ready]
                if ready or time.monotonic() >= deadline:
                    return 200, {"ok": True, "result": ready}
                time.sleep(0.05)
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return 200, {"ok": True, "result": True}
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: fake has no {method}"}


class FakeZaloApi(FakeApi):
    """``POST /v3.0/oa/message/cs``: accepts only the access tokens in ``valid_tokens``."""

    def __init__(self, access_token: str) -> None:
        super().__init__()
        self.valid_tokens = {access_token}

    def expire_all(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    @staticmethod
    def tries_to(user_id: str) -> Callable[[Call], bool]:
        """Matches every try to message ``user_id`` (also those refused for their token)."""

        def match(call: Call) -> bool:
            who = call.body.get("recipient") or {}
            return call.method == "cs" and (who.get("user_id") or who.get("anonymous_id")) == user_id

        return match

    @classmethod
    def replies_to(cls, user_id: str) -> Callable[[Call], bool]:
        """Matches the messages that reached ``user_id``."""
        tried = cls.tries_to(user_id)
        return lambda call: tried(call) and call.result.get("error") == 0

    def respond(self, call: Call) -> tuple[int, Any]:
        if call.path != "/v3.0/oa/message/cs":
            return 404, {"error": -201, "message": "not found"}
        token = call.header("access_token") or ""
        with self._lock:
            accepted = token in self.valid_tokens
        if not accepted:
            return 200, {"error": -216, "message": "Access token is invalid"}
        return 200, {"error": 0, "message": "Success", "data": {"message_id": hashlib.md5(json.dumps(call.body).encode()).hexdigest()}}


class FakeZaloOAuth(FakeApi):
    """``POST /v4/oa/access_token``: trades the current refresh token for new tokens."""

    def __init__(self, app_id: str, app_secret: str, refresh_token: str, api: FakeZaloApi) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.refresh_token = refresh_token
        self.api = api
        self._generation = itertools.count(2)

    def respond(self, call: Call) -> tuple[int, Any]:
        if call.path != "/v4/oa/access_token":
            return 404, {"error": -201, "message": "not found"}
        body = call.body
        if (
            call.header("secret_key") != self.app_secret
            or body.get("app_id") != self.app_id
            or body.get("grant_type") != "refresh_token"
            or body.get("refresh_token") != self.refresh_token
        ):
            return 200, {"error": -14014, "error_name": "Invalid refresh token", "error_description": "refresh token invalid"}
        generation = next(self._generation)
        access, refresh = f"access-{generation}", f"refresh-{generation}"
        self.refresh_token = refresh  # single use, like Zalo's
        with self.api._lock:
            self.api.valid_tokens.add(access)
        return 200, {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
