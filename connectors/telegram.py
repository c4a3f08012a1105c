"""Telegram channel for the Rasa server, built on python-telegram-bot (PTB).

Updates arrive at ``POST /webhooks/telegram/webhook``, either straight from Telegram
(``setWebhook`` with a secret token) or from ``connectors.telegram_polling`` (long polling for
an office without a public HTTPS address), which forwards every update it fetches to the same
route with the same secret header. So there is one code path: read at most 1 MB of body,
check the secret header, only then parse the JSON and the update with PTB, turn it into a
``UserMessage`` (sender id ``telegram:<chat id>``, ``input_channel="telegram"``), and send
Rasa's replies through the Bot API with :class:`TelegramOutput` (which strips the prefix and
refuses another channel's sender ids).

Settings (credentials.yml keys, or the environment when a key is empty; see docs/channels.md):

==================  ==========================  =========================================
key                 environment                 meaning
==================  ==========================  =========================================
``token``           ``TELEGRAM_BOT_TOKEN``      bot token from @BotFather
``webhook_secret``  ``TELEGRAM_WEBHOOK_SECRET`` value of ``X-Telegram-Bot-Api-Secret-Token``
``mode``            ``TELEGRAM_MODE``           ``webhook`` (default) or ``polling``
``api_base_url``    ``TELEGRAM_API_BASE_URL``   default ``https://api.telegram.org``
``webhook_url``     ``TELEGRAM_WEBHOOK_URL``    public URL registered with setWebhook at start
==================  ==========================  =========================================

Without a token and a secret the channel stays off: the route answers 503 and Rasa starts.
Messages are sent as plain text (no parse mode), so nothing needs escaping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from connectors.http import MAX_WEBHOOK_BODY, BodyTooLarge, read_bounded, too_large_body
from connectors.ids import messenger_id
from connectors.ids import sender_id as bound_sender_id
from connectors.state import MemoryState, SharedState, shared_state
from connectors.text import setting, split_message, utf16_len

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_BASE_URL = "https://api.telegram.org"
TEXT_LIMIT = 4096  # Bot API: 1-4096 characters (UTF-16 code units) per message
CALLBACK_DATA_LIMIT = 64  # Bot API: 1-64 bytes of callback_data per button
KEY_PREFIX = "k:"  # callback_data that stands for a longer payload kept in memory
PAYLOAD_MEMORY = 10_000  # long payloads remembered per Rasa server (LRU) without Redis
PAYLOAD_TTL = 30 * 24 * 3600  # seconds a long payload is remembered (a button in the chat history)
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_FLOOD_WAIT = 5.0  # seconds a reply may wait for Telegram's flood control
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a secret token.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# Bot commands and what they mean to the assistant.
COMMANDS = {"/start": "/greet", "/help": "/bot_capabilities"}
NOT_TEXT_REPLY = "Xin lỗi, hiện tôi chỉ đọc được tin nhắn chữ. Bạn vui lòng gõ câu hỏi về thủ tục nhé."
EXPIRED_BUTTON_REPLY = "Nút này đã hết hạn. Bạn vui lòng gõ lại câu hỏi nhé."
UNAVAILABLE_REPLY = (  # when Rasa cannot handle the message (a store is down)
    "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được tin nhắn này. "
    f"Bạn vui lòng gửi lại sau ít phút, hoặc gọi tổng đài {os.environ.get('HOTLINE') or '1022'} nếu cần gấp."
)
BUTTONS_ONLY_TEXT = "Mời bạn chọn:"


@dataclass(frozen=True)
class TelegramSettings:
    """Where the bot is and how updates reach it."""

    token: str = ""
    webhook_secret: str = ""
    mode: str = "webhook"
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str = ""

    @classmethod
    def load(cls, credentials: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> TelegramSettings:
        """credentials.yml values, falling back to the TELEGRAM_* environment variables."""

        def get(key: str, env_name: str, default: str = "") -> str:
            return setting(credentials, key, env_name, default, environ)

        return cls(
            token=get("token", "TELEGRAM_BOT_TOKEN"),
            webhook_secret=get("webhook_secret", "TELEGRAM_WEBHOOK_SECRET"),
            mode=get("mode", "TELEGRAM_MODE", "webhook").lower(),
            api_base_url=get("api_base_url", "TELEGRAM_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
            webhook_url=get("webhook_url", "TELEGRAM_WEBHOOK_URL"),
        )

    def problems(self) -> list[str]:
        """Why the channel cannot run (empty when it can)."""
        found = []
        if not self.token:
            found.append("TELEGRAM_BOT_TOKEN is not set")
        if not self.webhook_secret:
            found.append("TELEGRAM_WEBHOOK_SECRET is not set (updates without it are never accepted)")
        elif not SECRET_PATTERN.match(self.webhook_secret):
            found.append("TELEGRAM_WEBHOOK_SECRET may only hold 1-256 of A-Z a-z 0-9 _ -")
        if self.mode not in {"webhook", "polling"}:
            found.append(f"TELEGRAM_MODE must be webhook or polling, not {self.mode!r}")
        return found

    @property
    def configured(self) -> bool:
        return not self.problems()

    def secret_matches(self, given: str | None) -> bool:
        """Constant-time comparison of the secret header with ours."""
        if not self.webhook_secret or not given:
            return False
        return hmac.compare_digest(given.encode(), self.webhook_secret.encode())


def _retry_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asks us to wait (an int or a timedelta, depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():  # the int form is deprecated in PTB 22
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def make_bot(settings: TelegramSettings) -> Bot:
    """A PTB Bot talking to ``settings.api_base_url`` (a fake server in the tests)."""
    return Bot(
        settings.token,
        base_url=f"{settings.api_base_url}/bot",
        base_file_url=f"{settings.api_base_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=32, read_timeout=15, write_timeout=15),
    )


class PayloadStore:
    """Button payloads as ``callback_data`` (at most 64 bytes).

    A payload that fits is sent as it is. A longer one (or one that looks like a key) is
    replaced by ``k:`` + 20 hex digits of its SHA-256, and the key → payload mapping is kept in
    the connectors' shared state for 30 days: Redis when several Rasa servers share the
    traffic (any of them resolves the key), else this process's memory (the ``max_size`` most
    recently used). A key that is no longer known (expired, evicted, or built by a server
    whose memory is gone) is answered with "this button has expired"; the citizen types the
    question again.
    """

    NAMESPACE = "telegram:payload"

    def __init__(self, max_size: int = PAYLOAD_MEMORY, state: SharedState | None = None) -> None:
        self.state = state or MemoryState(max_size)

    def callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self.state.put(self.NAMESPACE, key, payload, PAYLOAD_TTL)
        return key

    def resolve(self, data: str) -> str | None:
        """The payload behind ``callback_data``; None for a key that is no longer known."""
        if not data.startswith(KEY_PREFIX):
            return data
        return self.state.get(self.NAMESPACE, data)


def build_keyboard(buttons: list[dict[str, Any]], payloads: PayloadStore) -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard, one button per row."""
    rows = []
    for button in buttons:
        payload = str(button.get("payload") or "").strip()
        title = str(button.get("title") or payload).strip()
        url = button.get("url")
        if url and (button.get("type") in (None, "web_url")):
            rows.append([InlineKeyboardButton(title or str(url), url=str(url))])
        elif payload:
            rows.append([InlineKeyboardButton(title or payload, callback_data=payloads.callback_data(payload))])
    return InlineKeyboardMarkup(rows) if rows else None


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """A reply cut into Telegram messages of at most ``limit`` UTF-16 units, at line ends."""
    return split_message(text, limit, measure=utf16_len)


def command_text(text: str) -> str:
    """What a typed message means: /start greets, /help lists what the bot does."""
    if not text.startswith("/"):
        return text
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
    return COMMANDS.get(command, text)


class TelegramOutput(OutputChannel):
    """Rasa's replies to one chat through the Bot API: plain text, inline keyboards."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, bot: Bot, payloads: PayloadStore) -> None:
        self.bot = bot
        self.payloads = payloads

    @staticmethod
    def chat_id(recipient_id: str) -> str | None:
        """The Telegram chat id of a Rasa sender id; None for another channel's conversation."""
        chat_id = messenger_id(CHANNEL, recipient_id)
        if chat_id is None:
            logger.warning("Not sending to %r through Telegram: not a Telegram conversation", recipient_id[:40])
        return chat_id

    async def _send(self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chat_id = self.chat_id(recipient_id)
        if chat_id is None:
            return
        parts = split_text(text) or ([BUTTONS_ONLY_TEXT] if markup else [])
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if not await self._send_part(chat_id, part, markup if last else None):
                return

    async def _send_part(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        for attempt in (1, 2):
            try:
                await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
                return True
            except RetryAfter as exc:  # flood control: wait as told (a few seconds at most), once
                delay = _retry_seconds(exc)
                if attempt == 2 or delay > MAX_FLOOD_WAIT:
                    logger.warning("Telegram flood control on chat %s (%.0f s); reply dropped", chat_id, delay)
                    return False
                await asyncio.sleep(delay)
            except TelegramError as exc:  # blocked by the user, chat gone, network: log, go on
                logger.warning("Telegram sendMessage to chat %s failed: %s", chat_id, exc)
                return False
        return False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text or "", build_keyboard(buttons, self.payloads))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        chat_id = self.chat_id(recipient_id)
        if chat_id is None:
            return
        try:
            await self.bot.send_photo(chat_id=chat_id, photo=image)
        except TelegramError as exc:
            logger.warning("Telegram sendPhoto to chat %s failed: %s", chat_id, exc)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        logger.debug("Custom payload not sent to Telegram chat %s", recipient_id)


@dataclass
class Incoming:
    """What one update asks of the assistant."""

    chat_id: int
    text: str | None = None  # None: nothing to pass to Rasa
    reply: str | None = None  # a fixed answer instead of Rasa's (not text, expired button)
    callback_query_id: str | None = None
    message_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def read_update(update: Update, payloads: PayloadStore) -> Incoming | None:
    """The citizen's message in an update; None for updates that carry none.

    A text message (commands mapped by :func:`command_text`) or an inline button press (its
    payload) goes to Rasa; another kind of message gets a fixed polite reply; edited
    messages, channel posts, member updates and the like are ignored.
    """
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        payload = payloads.resolve(query.data) if query.data else None
        return Incoming(
            chat_id=chat_id,
            text=payload,
            reply=None if payload else EXPIRED_BUTTON_REPLY,
            callback_query_id=query.id,
            message_id=f"{update.update_id}",
            metadata=_metadata(update, chat_id, query.from_user),
        )
    message = update.message
    if message is None:
        return None
    user = message.from_user
    incoming = Incoming(
        chat_id=message.chat.id,
        message_id=f"{message.chat.id}-{message.message_id}",
        metadata=_metadata(update, message.chat.id, user),
    )
    if message.text and message.text.strip():
        incoming.text = command_text(message.text.strip())
    elif message.chat.type == "private" and message.effective_attachment is not None:
        incoming.reply = NOT_TEXT_REPLY  # a photo, sticker, voice message, location...
    else:
        return None  # a service message, or an attachment in a group: nothing to say
    return incoming


def _metadata(update: Update, chat_id: int, user: Any) -> dict[str, Any]:
    return {
        "channel": CHANNEL,
        "chat_id": chat_id,
        "user_id": user.id if user is not None else None,
        "language": user.language_code if user is not None else None,
        "update_id": update.update_id,
    }


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramInput(InputChannel):
    """``POST /webhooks/telegram/webhook``: Telegram updates (webhook or forwarded by the poller)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls(TelegramSettings.load(credentials))

    def __init__(self, settings: TelegramSettings, bot: Bot | None = None) -> None:
        self.settings = settings
        self.payloads = PayloadStore(state=shared_state())
        self._bot = bot
        if settings.configured:
            logger.info("Telegram channel on (%s mode, Bot API %s)", settings.mode, settings.api_base_url)
        elif settings.token or settings.webhook_secret:
            logger.error("Telegram channel off: %s", "; ".join(settings.problems()))
        else:
            logger.debug("Telegram channel off: no TELEGRAM_BOT_TOKEN")

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            self._bot = make_bot(self.settings)
        return self._bot

    def get_output_channel(self) -> OutputChannel | None:
        return TelegramOutput(self.bot, self.payloads) if self.settings.configured else None

    async def handle(self, headers: Mapping[str, str], raw_body: bytes, on_new_message: OnNewMessage) -> tuple[int, dict[str, Any]]:
        """Answer one webhook call: (HTTP status, JSON body). Kept apart from Sanic for tests.

        The secret header is checked before the body is parsed at all.
        """
        if not self.settings.configured:
            return 503, {"status": "ignored", "reason": "the Telegram channel is not configured"}
        if not self.settings.secret_matches(headers.get(SECRET_HEADER)):
            logger.warning("Telegram update rejected: missing or wrong %s", SECRET_HEADER)
            return 403, {"status": "rejected"}
        try:
            data = json.loads(raw_body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return 400, {"status": "rejected", "reason": "the body is not a JSON object"}
        try:
            update = Update.de_json(data, self.bot)
            incoming = read_update(update, self.payloads)
        except Exception:  # noqa: BLE001 - a malformed update must not take the route down
            logger.warning("Unreadable Telegram update %s", data.get("update_id"), exc_info=True)
            return 200, {"status": "ignored", "reason": "unreadable update"}
        if incoming is None:
            return 200, {"status": "ignored"}
        output = TelegramOutput(self.bot, self.payloads)
        if incoming.callback_query_id:
            try:
                await self.bot.answer_callback_query(incoming.callback_query_id, text=incoming.reply)
            except TelegramError as exc:  # too old to answer: the payload still counts
                logger.info("answerCallbackQuery failed: %s", exc)
        if incoming.text is None:
            if incoming.reply:
                await output.send_text_message(bound_sender_id(CHANNEL, incoming.chat_id), incoming.reply)
            return 200, {"status": "answered"}
        message = UserMessage(
            incoming.text,
            output,
            sender_id=bound_sender_id(CHANNEL, incoming.chat_id),
            input_channel=CHANNEL,
            message_id=incoming.message_id,
            metadata=incoming.metadata,
        )
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - answer 200 so Telegram does not redeliver forever
            logger.exception("Telegram update %s failed in Rasa", update.update_id)
            await output.send_text_message(message.sender_id, UNAVAILABLE_REPLY)  # never silence
            return 200, {"status": "error"}
        return 200, {"status": "ok"}

    async def register_webhook(self) -> None:
        """In webhook mode with TELEGRAM_WEBHOOK_URL set, point Telegram at it (with our secret)."""
        if not (self.settings.configured and self.settings.mode == "webhook" and self.settings.webhook_url):
            return
        try:
            await self.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            logger.info("Telegram webhook set to %s", self.settings.webhook_url)
        except TelegramError as exc:
            logger.error("Telegram setWebhook failed: %s", exc)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram_webhook = Blueprint("custom_telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.settings.configured})

        @telegram_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                raw = await read_bounded(request, MAX_WEBHOOK_BODY)
            except BodyTooLarge:
                logger.warning("Telegram delivery refused: body larger than %d bytes", MAX_WEBHOOK_BODY)
                return response.json(too_large_body(), status=413)
            status, body = await self.handle(request.headers, raw, on_new_message)
            return response.json(body, status=status)

        @telegram_webhook.listener("after_server_start")
        async def start(_app: Any, _loop: asyncio.AbstractEventLoop) -> None:
            await self.register_webhook()

        @telegram_webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: asyncio.AbstractEventLoop) -> None:
            if self._bot is not None:
                await self._bot.request.shutdown()  # the HTTP client; no getMe was ever needed

        return telegram_webhook
