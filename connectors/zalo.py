"""Zalo Official Account (OA) channel for the Rasa server.

Zalo POSTs every event to ``/webhooks/zalo/webhook``. The route reads at most 1 MB of body,
checks the signature on the raw bytes before parsing any JSON (``X-ZEvent-Signature:
mac=<hex>``, hex = SHA-256 of app id + raw body + timestamp + OA secret key: plain SHA-256,
compared in constant time; the timestamp is the body's own ``timestamp`` field, found in the
raw bytes and checked again after parsing), refuses events whose timestamp is outside
``ZALO_TIMESTAMP_WINDOW_SECONDS`` (5 minutes) of the server's clock, answers 200 at once
(Zalo expects an answer within about two seconds and redelivers otherwise) and handles the
message in an asyncio task: Rasa's replies go back through the OA customer-service message
API. A message id already handled is not handled twice: the ids are kept in Redis when the
lock store is Redis (shared by every Rasa server), else in this server's memory.

The Rasa sender id is ``zalo:<Zalo user id>`` (see ``connectors/ids.py``).

Buttons become a numbered list under the text ("Gõ số để chọn: 1. …"); the next message
that is just one of those numbers counts as pressing that button. This works on every Zalo
client, unlike template buttons.

When the API reports an expired or invalid access token, the refresh token is exchanged at
``{ZALO_OAUTH_BASE_URL}/v4/oa/access_token`` for new tokens, kept in the shared state and,
when ``ZALO_TOKEN_FILE`` is set, written there (refresh tokens are single-use, so a restart
must not go back to the one in the environment); the reply is then sent again once.

The numbered menus, the handled message ids and the tokens live in the connectors' shared
state (``connectors/state.py``): Redis when several Rasa servers share the traffic, so a "2"
is read as the menu choice on whichever server gets it, and a token refreshed by one server
(under a lock: one server at a time) is used by all.

Settings (credentials.yml keys, or the environment when a key is empty; see docs/channels.md):
``app_id`` ZALO_APP_ID, ``oa_secret_key`` ZALO_OA_SECRET_KEY, ``access_token``
ZALO_ACCESS_TOKEN, ``refresh_token`` ZALO_REFRESH_TOKEN, ``app_secret`` ZALO_APP_SECRET,
``api_base_url`` ZALO_API_BASE_URL (https://openapi.zalo.me), ``oauth_base_url``
ZALO_OAUTH_BASE_URL (https://oauth.zaloapp.com), ``token_file`` ZALO_TOKEN_FILE,
``timestamp_window_seconds`` ZALO_TIMESTAMP_WINDOW_SECONDS (300).
Without an app id and an OA secret key the channel stays off (503) and Rasa still starts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.dedupe import SeenIds, seen_ids
from connectors.http import MAX_WEBHOOK_BODY, BodyTooLarge, read_bounded, too_large_body
from connectors.ids import messenger_id
from connectors.ids import sender_id as bound_sender_id
from connectors.state import SharedState, shared_state
from connectors.text import setting, split_message

logger = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
TEXT_LIMIT = 2000  # characters of one OA text message
TEXT_EVENTS = {"user_send_text", "anonymous_send_text"}
# Error codes the OA API answers (with HTTP 200) for an access token it no longer accepts.
TOKEN_ERRORS = {-216, -124}
MENU_CHOICE = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)
NOT_TEXT_REPLY = "Xin lỗi, hiện tôi chỉ đọc được tin nhắn chữ. Bạn vui lòng gõ câu hỏi về thủ tục nhé."
MENU_HEADER = "Gõ số để chọn:"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIMESTAMP_WINDOW = 300  # seconds an event may be older (or newer) than our clock
# The body's "timestamp" values, found without parsing the JSON (the signature covers them).
TIMESTAMP_FIELD = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,16})"?')
MAX_TIMESTAMP_CANDIDATES = 4
MENU_TTL = 24 * 3600  # seconds a numbered list is remembered (until the user's next message)
TOKENS = ("zalo", "tokens")  # namespace and key of the current tokens in the shared state
REFRESH_LOCK = "zalo-token-refresh"
REFRESH_LOCK_SECONDS = 30.0  # a refresh holds the lock at most this long
REFRESH_WAIT_SECONDS = 15.0  # how long a server waits for another one's refresh
UNAVAILABLE_REPLY = (  # when Rasa cannot handle the message (a store is down)
    "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được tin nhắn này. "
    f"Bạn vui lòng gửi lại sau ít phút, hoặc gọi tổng đài {os.environ.get('HOTLINE') or '1022'} nếu cần gấp."
)


@dataclass(frozen=True)
class ZaloSettings:
    """The OA's keys and where its APIs are."""

    app_id: str = ""
    oa_secret_key: str = ""
    access_token: str = ""
    refresh_token: str = ""
    app_secret: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    oauth_base_url: str = DEFAULT_OAUTH_BASE_URL
    token_file: str = ""
    timestamp_window_seconds: int = DEFAULT_TIMESTAMP_WINDOW

    @classmethod
    def load(cls, credentials: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> ZaloSettings:
        """credentials.yml values, falling back to the ZALO_* environment variables."""

        def get(key: str, env_name: str, default: str = "") -> str:
            return setting(credentials, key, env_name, default, environ)

        return cls(
            app_id=get("app_id", "ZALO_APP_ID"),
            oa_secret_key=get("oa_secret_key", "ZALO_OA_SECRET_KEY"),
            access_token=get("access_token", "ZALO_ACCESS_TOKEN"),
            refresh_token=get("refresh_token", "ZALO_REFRESH_TOKEN"),
            app_secret=get("app_secret", "ZALO_APP_SECRET"),
            api_base_url=get("api_base_url", "ZALO_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
            oauth_base_url=get("oauth_base_url", "ZALO_OAUTH_BASE_URL", DEFAULT_OAUTH_BASE_URL).rstrip("/"),
            token_file=get("token_file", "ZALO_TOKEN_FILE"),
            timestamp_window_seconds=_positive_int(
                get("timestamp_window_seconds", "ZALO_TIMESTAMP_WINDOW_SECONDS"), DEFAULT_TIMESTAMP_WINDOW
            ),
        )

    @property
    def configured(self) -> bool:
        """Events can be verified (app id and OA secret key are known)."""
        return bool(self.app_id and self.oa_secret_key)


def _positive_int(value: str, default: int) -> int:
    try:
        number = int(value)
    except ValueError:
        return default
    return number if number > 0 else default


def event_seconds(timestamp: str) -> float | None:
    """Seconds since the epoch of a Zalo timestamp (milliseconds; seconds are accepted too)."""
    try:
        value = int(timestamp)
    except ValueError:
        return None
    return value / 1000 if value > 100_000_000_000 else float(value)


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex SHA-256 Zalo puts in ``X-ZEvent-Signature: mac=<hex>``."""
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def signature_matches(header: str | None, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Constant-time check of the signature header of one delivery."""
    if not header or not timestamp:
        return False
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    expected = signature(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def numbered_menu(text: str, buttons: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The text with the buttons as a numbered list, and the payload of each number."""
    payloads: list[str] = []
    lines: list[str] = []
    for button in buttons:
        payload = str(button.get("payload") or "").strip()
        title = str(button.get("title") or payload).strip()
        if not payload:
            continue
        payloads.append(payload)
        lines.append(f"{len(payloads)}. {title}")
    if not lines:
        return text, []
    menu = "\n".join([MENU_HEADER, *lines])
    return (f"{text.rstrip()}\n\n{menu}" if text.strip() else menu), payloads


class Menus:
    """The numbered list last shown to each user, in the shared state (read by any server)."""

    NAMESPACE = "zalo:menu"

    def __init__(self, state: SharedState, ttl_seconds: float = MENU_TTL) -> None:
        self.state = state
        self.ttl_seconds = ttl_seconds

    def put(self, sender_id: str, payloads: list[str]) -> None:
        self.state.put(self.NAMESPACE, sender_id, json.dumps(payloads, ensure_ascii=False), self.ttl_seconds)

    def pop(self, sender_id: str) -> list[str] | None:
        """The list shown to ``sender_id`` (forgotten now: only the very next message may use it)."""
        raw = self.state.pop(self.NAMESPACE, sender_id)
        try:
            payloads = json.loads(raw) if raw else None
        except ValueError:
            return None
        return [str(p) for p in payloads] if isinstance(payloads, list) else None


class TokenStore:
    """The current access and refresh tokens: in the shared state (every server reads the
    latest), and written to ``path`` when they change."""

    def __init__(self, access_token: str, refresh_token: str, path: str = "", state: SharedState | None = None) -> None:
        self.state = state
        self._access_token = access_token
        self._refresh_token = refresh_token
        self.path = (PROJECT_ROOT / path) if path else None  # a relative path: from the project directory
        if self.path is not None and self.path.exists():
            try:
                saved = json.loads(self.path.read_text(encoding="utf-8"))
                self._access_token = saved.get("access_token") or self._access_token
                self._refresh_token = saved.get("refresh_token") or self._refresh_token
                logger.info("Zalo tokens read from %s", self.path)
            except (OSError, ValueError):
                logger.warning("Zalo token file %s is unreadable; using the environment's tokens", self.path)
        if self.state is not None and self._access_token:
            # the first server to start offers its tokens; later ones read what is there
            self.state.add(*TOKENS, self._dumps(), None)

    def _dumps(self) -> str:
        return json.dumps({"access_token": self._access_token, "refresh_token": self._refresh_token})

    def _current(self) -> tuple[str, str]:
        raw = self.state.get(*TOKENS) if self.state is not None else None
        if raw:
            try:
                saved = json.loads(raw)
                self._access_token = str(saved.get("access_token") or self._access_token)
                self._refresh_token = str(saved.get("refresh_token") or self._refresh_token)
            except (ValueError, AttributeError):
                logger.warning("Unreadable Zalo tokens in the shared state; using this server's")
        return self._access_token, self._refresh_token

    @property
    def access_token(self) -> str:
        return self._current()[0]

    @property
    def refresh_token(self) -> str:
        return self._current()[1]

    def update(self, access_token: str, refresh_token: str) -> None:
        self._access_token = access_token
        self._refresh_token = refresh_token or self._refresh_token
        if self.state is not None:
            self.state.put(*TOKENS, self._dumps(), None)
        if self.path is None:
            return
        try:  # write a temporary file, then rename: a crash never leaves half a file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".zalo-tokens-")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({"access_token": self._access_token, "refresh_token": self._refresh_token}, file)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except OSError as exc:
            logger.error("Could not save the new Zalo tokens to %s: %s", self.path, exc)


class ZaloClient:
    """The OA message API, refreshing the access token when the API reports it expired."""

    def __init__(
        self, settings: ZaloSettings, http: httpx.AsyncClient | None = None, state: SharedState | None = None
    ) -> None:
        self.settings = settings
        self.state = state
        self.tokens = TokenStore(settings.access_token, settings.refresh_token, settings.token_file, state)
        self._http = http
        self._refresh_lock = asyncio.Lock()

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def send_text(self, recipient: dict[str, str], text: str) -> bool:
        """Send ``text`` (in parts of at most 2,000 characters); False if a part failed."""
        for part in split_message(text, TEXT_LIMIT):
            if not await self.send({"recipient": recipient, "message": {"text": part}}):
                return False
        return True

    async def send(self, body: dict[str, Any]) -> bool:
        token = self.tokens.access_token
        result = await self._post_message(body, token)
        if _token_rejected(result) and await self.refresh(token):
            result = await self._post_message(body, self.tokens.access_token)
        if result.get("error") != 0:
            logger.warning("Zalo message not sent: error %s %s", result.get("error"), result.get("message"))
            return False
        return True

    async def _post_message(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        url = f"{self.settings.api_base_url}/v3.0/oa/message/cs"
        try:
            reply = await self.http.post(url, json=body, headers={"access_token": token})
        except httpx.HTTPError as exc:
            return {"error": "network", "message": type(exc).__name__}
        try:
            result = reply.json()
        except ValueError:
            result = {}
        if not isinstance(result, dict):
            result = {}
        if reply.status_code == 401:
            result.setdefault("error", -216)
        result.setdefault("error", "http" if reply.status_code >= 400 else 0)
        return result

    async def refresh(self, stale_token: str) -> bool:
        """Exchange the refresh token for new tokens (once, however many replies and servers
        wait for it: a lock in this process, and one in the shared state across servers)."""
        async with self._refresh_lock:
            if self.tokens.access_token != stale_token:
                return True  # another reply refreshed it meanwhile
            held = await self._cluster_lock()
            if held is None:
                # another server is refreshing and did not finish in time: never spend the
                # single-use refresh token twice
                fresh = self.tokens.access_token != stale_token
                if not fresh:
                    logger.error("Zalo token refresh by another server did not finish within %.0f s", REFRESH_WAIT_SECONDS)
                return fresh
            try:
                return await self._refresh_now(stale_token)
            finally:
                if self.state is not None:
                    self.state.release(REFRESH_LOCK, held)

    async def _cluster_lock(self) -> str | None:
        """The shared refresh lock's token (waiting for another server's refresh); None on time-out."""
        if self.state is None:
            return ""
        deadline = time.monotonic() + REFRESH_WAIT_SECONDS
        while True:
            token = self.state.acquire(REFRESH_LOCK, REFRESH_LOCK_SECONDS)
            if token is not None:
                return token
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.1)

    async def _refresh_now(self, stale_token: str) -> bool:
        """One exchange at the OAuth API (the caller holds the locks)."""
        if self.tokens.access_token != stale_token:
            return True  # another server refreshed it while we waited for the lock
        if not (self.tokens.refresh_token and self.settings.app_secret):
            logger.error("Zalo access token expired and ZALO_REFRESH_TOKEN / ZALO_APP_SECRET are not set")
            return False
        url = f"{self.settings.oauth_base_url}/v4/oa/access_token"
        try:
            reply = await self.http.post(
                url,
                headers={"secret_key": self.settings.app_secret},
                data={
                    "refresh_token": self.tokens.refresh_token,
                    "app_id": self.settings.app_id,
                    "grant_type": "refresh_token",
                },
            )
            result = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.error("Zalo token refresh failed: %s", type(exc).__name__)
            return False
        if not isinstance(result, dict) or not result.get("access_token"):
            error = result.get("error") if isinstance(result, dict) else None
            logger.error("Zalo token refresh refused (error %s); a new refresh token is needed", error)
            return False
        self.tokens.update(str(result["access_token"]), str(result.get("refresh_token") or ""))
        logger.info("Zalo access token refreshed")
        return True


def _token_rejected(result: Mapping[str, Any]) -> bool:
    error = result.get("error")
    if error in TOKEN_ERRORS:
        return True
    message = str(result.get("message") or "").lower()
    return error not in (0, None) and "access token" in message and ("expire" in message or "invalid" in message)


class ZaloOutput(OutputChannel):
    """Rasa's replies to one Zalo user (or anonymous web-chat visitor)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, client: ZaloClient, menus: Menus, recipient: dict[str, str] | None = None) -> None:
        self.client = client
        self.menus = menus
        self.recipient = recipient  # None: the Rasa sender id is the Zalo user id

    def _to(self, recipient_id: str) -> dict[str, str] | None:
        if self.recipient:
            return self.recipient
        user_id = messenger_id(CHANNEL, recipient_id)
        if user_id is None:
            logger.warning("Not sending to %r through Zalo: not a Zalo conversation", recipient_id[:40])
        return {"user_id": user_id} if user_id else None

    async def _send(self, recipient_id: str, text: str) -> None:
        to = self._to(recipient_id)
        if to is not None:
            await self.client.send_text(to, text)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        text, payloads = numbered_menu(text or "", buttons)
        if payloads:
            self.menus.put(recipient_id, payloads)
        await self._send(recipient_id, text)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("Custom payload not sent to Zalo user %s", recipient_id)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class ZaloInput(InputChannel):
    """``POST /webhooks/zalo/webhook``: signed Zalo OA events, answered asynchronously."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ZaloInput:
        return cls(ZaloSettings.load(credentials))

    def __init__(
        self,
        settings: ZaloSettings,
        client: ZaloClient | None = None,
        seen: SeenIds | None = None,
        clock: Callable[[], float] = time.time,
        state: SharedState | None = None,
    ) -> None:
        self.settings = settings
        self.state = state or shared_state()
        self.client = client or ZaloClient(settings, state=self.state)
        # a redelivery is only possible inside the timestamp window: remember ids a bit longer
        self.recent = seen or seen_ids(CHANNEL, 2 * settings.timestamp_window_seconds + 60)
        self.clock = clock
        self.menus = Menus(self.state)
        self._tasks: set[asyncio.Task[None]] = set()
        if settings.configured:
            logger.info("Zalo channel on (OA API %s)", settings.api_base_url)
            if not settings.access_token and not self.client.tokens.access_token:
                logger.error("Zalo channel cannot reply: ZALO_ACCESS_TOKEN is not set")
        elif settings.app_id or settings.oa_secret_key:
            logger.error("Zalo channel off: both ZALO_APP_ID and ZALO_OA_SECRET_KEY are needed")

    def get_output_channel(self) -> OutputChannel | None:
        """Replies outside a webhook call (Rasa's HTTP API with ``output_channel=zalo``)."""
        return ZaloOutput(self.client, self.menus) if self.settings.configured else None

    async def handle(self, headers: Mapping[str, str], raw_body: bytes, on_new_message: OnNewMessage) -> tuple[int, dict[str, Any]]:
        """Answer one webhook call at once: (HTTP status, JSON body); replies follow in a task."""
        if not self.settings.configured:
            return 503, {"status": "ignored", "reason": "the Zalo channel is not configured"}
        header = headers.get(SIGNATURE_HEADER)
        if not header:
            logger.warning("Zalo event rejected: no %s header", SIGNATURE_HEADER)
            return 401, {"status": "rejected"}
        timestamp = self._signed_timestamp(header, raw_body)
        if timestamp is None:
            logger.warning("Zalo event rejected: wrong signature")
            return 401, {"status": "rejected"}
        try:  # only a signed body is ever parsed
            event = json.loads(raw_body)
        except ValueError:
            return 400, {"status": "rejected", "reason": "the body is not JSON"}
        if not isinstance(event, dict) or str(event.get("timestamp") or "") != timestamp:
            return 400, {"status": "rejected", "reason": "the body is not a Zalo event"}
        sent_at = event_seconds(timestamp)
        if sent_at is None or abs(self.clock() - sent_at) > self.settings.timestamp_window_seconds:
            logger.warning("Zalo event rejected: timestamp %s is outside the %d s window", timestamp, self.settings.timestamp_window_seconds)
            return 401, {"status": "rejected", "reason": "stale or future timestamp"}
        return self.accept(event, on_new_message)

    def _signed_timestamp(self, header: str, raw_body: bytes) -> str | None:
        """The body's timestamp whose signature matches the header; None when none does."""
        for count, match in enumerate(TIMESTAMP_FIELD.finditer(raw_body)):
            if count >= MAX_TIMESTAMP_CANDIDATES:
                break
            timestamp = match.group(1).decode("ascii")
            if signature_matches(header, self.settings.app_id, raw_body, timestamp, self.settings.oa_secret_key):
                return timestamp
        return None

    def accept(self, event: dict[str, Any], on_new_message: OnNewMessage) -> tuple[int, dict[str, Any]]:
        """Start handling a verified event in the background; the status to answer Zalo now."""
        name = str(event.get("event_name") or "")
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        zalo_id = str(sender.get("id") or "")
        is_user_message = name.startswith(("user_send_", "anonymous_send_"))
        if not (is_user_message and zalo_id):
            return 200, {"status": "ignored", "event": name}
        msg_id = str(message.get("msg_id") or "")
        if msg_id and self.recent.seen_before(msg_id):
            logger.info("Zalo message %s delivered again; ignored", msg_id)
            return 200, {"status": "duplicate"}
        sender_id = bound_sender_id(CHANNEL, zalo_id)
        recipient = self._recipient(name, zalo_id, message)
        output = ZaloOutput(self.client, self.menus, recipient)
        text = str(message.get("text") or "").strip()
        if name in TEXT_EVENTS and text:
            text = self._menu_choice(sender_id, text)
            user_message = UserMessage(
                text,
                output,
                sender_id=sender_id,
                input_channel=CHANNEL,
                message_id=msg_id or None,
                metadata={
                    "channel": CHANNEL,
                    "user_id": zalo_id,
                    "event_name": name,
                    "anonymous": name.startswith("anonymous_"),
                    "app_id": str(event.get("app_id") or ""),
                    "user_id_by_app": event.get("user_id_by_app"),
                },
            )
            self._start(self._to_rasa(user_message, on_new_message), f"zalo message {msg_id}")
        else:
            self._start(output.send_text_message(sender_id, NOT_TEXT_REPLY), f"zalo {name}")
        return 200, {"status": "accepted"}

    @staticmethod
    def _recipient(event_name: str, sender_id: str, message: Mapping[str, Any]) -> dict[str, str]:
        """Who the OA API should deliver replies to (anonymous web-chat visitors differ)."""
        conversation_id = message.get("conversation_id")
        if event_name.startswith("anonymous_") and conversation_id:
            return {"anonymous_id": sender_id, "conversation_id": str(conversation_id)}
        return {"user_id": sender_id}

    def _menu_choice(self, sender_id: str, text: str) -> str:
        """"2" right after a numbered list means the second button's payload."""
        payloads = self.menus.pop(sender_id)
        choice = MENU_CHOICE.match(text)
        if payloads and choice and 1 <= int(choice.group(1)) <= len(payloads):
            return payloads[int(choice.group(1)) - 1]
        return text

    @staticmethod
    async def _to_rasa(message: UserMessage, on_new_message: OnNewMessage) -> None:
        """Hand the message to Rasa; if that fails (a store down), say so rather than stay silent."""
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - logged; the citizen is told to try again
            logger.exception("Zalo message %s failed in Rasa", message.message_id)
            await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)

    def _start(self, work: Awaitable[Any], label: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:  # noqa: BLE001 - a failed reply must not go unnoticed, nor crash
                logger.exception("Handling %s failed", label)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)  # keep a reference until it finishes
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait (a bounded time) for replies still being handled."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        zalo_webhook = Blueprint("custom_zalo_webhook", __name__)

        @zalo_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.settings.configured})

        @zalo_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                raw = await read_bounded(request, MAX_WEBHOOK_BODY)
            except BodyTooLarge:
                logger.warning("Zalo delivery refused: body larger than %d bytes", MAX_WEBHOOK_BODY)
                return response.json(too_large_body(), status=413)
            status, body = await self.handle(request.headers, raw, on_new_message)
            return response.json(body, status=status)

        @zalo_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: asyncio.AbstractEventLoop) -> None:
            await self.drain()
            await self.client.close()

        return zalo_webhook
