"""The web widget's own channel: ``POST /webhooks/web/webhook`` with a session token.

The console issues the page a signed, expiring token (``POST /widget/session``, see
``dichvucong/widget/token.py``); the widget sends it as ``Authorization: Bearer <token>`` with
``{"message": "..."}``. This channel verifies the token with ``WIDGET_TOKEN_SECRET`` (the
same secret as the console's) and talks as ``web:<session id from the token>``: the page
never names its sender, so it can only continue its own conversation. Replies come back in
the response, as with the REST channel (a JSON list of messages).

A missing, forged or expired token gets 401 with ``{"error": "invalid" | "expired"}`` and a
Vietnamese message; the widget then asks the console for a new session. Without a secret
(or with one shorter than 32 characters) the channel is off: its route answers 503.
``input_channel`` and ``metadata`` from the body are never read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.http import BodyTooLarge, read_bounded
from connectors.text import setting
from dichvucong.widget.token import Session, TokenError, TokenSigner, secret_problems

logger = logging.getLogger(__name__)

CHANNEL = "web"
MAX_BODY = 16 * 1024
MAX_MESSAGE = 2000  # the widget's text box allows 1,000 characters
MESSAGES = {
    "invalid": "Phiên trò chuyện không hợp lệ. Vui lòng tải lại trang để bắt đầu phiên mới.",
    "expired": "Phiên trò chuyện đã hết hạn. Vui lòng bắt đầu phiên mới.",
    "off": "Kênh trò chuyện trên web đang tạm ngừng. Vui lòng thử lại sau.",
    "bad_request": "Tin nhắn không hợp lệ.",
    "too_large": "Tin nhắn quá dài.",
    "unavailable": "Hệ thống đang gặp sự cố nên chưa trả lời được. Vui lòng gửi lại sau ít phút.",
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _error(reason: str, status: int) -> tuple[int, dict[str, Any]]:
    return status, {"error": reason, "message": MESSAGES[reason]}


class WebInput(InputChannel):
    """The chat widget's channel; sender ids come only from verified session tokens."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebInput:
        return cls(setting(credentials, "token_secret", "WIDGET_TOKEN_SECRET"))

    def __init__(self, secret: str) -> None:
        problems = secret_problems(secret)
        self.signer = TokenSigner(secret) if not problems else None
        if problems:
            logger.error("Web widget channel off: %s", "; ".join(problems))

    @property
    def configured(self) -> bool:
        return self.signer is not None

    def session(self, headers: Mapping[str, str]) -> Session:
        """The session of the request's token; raises TokenError."""
        if self.signer is None:
            raise TokenError("invalid")
        return self.signer.verify(bearer_token(headers))

    async def handle(self, headers: Mapping[str, str], raw_body: bytes, on_new_message: OnNewMessage) -> tuple[int, Any]:
        """(HTTP status, JSON body) for one message. The token is checked before the body is parsed."""
        if self.signer is None:
            return _error("off", 503)
        try:
            session = self.session(headers)
        except TokenError as exc:
            return _error(exc.reason, 401)
        try:
            data = json.loads(raw_body)
        except ValueError:
            return _error("bad_request", 400)
        text = data.get("message") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _error("bad_request", 400)
        if len(text) > MAX_MESSAGE:
            return _error("too_large", 413)
        collector = CollectingOutputChannel()
        message = UserMessage(
            text, collector, sender_id=session.sender_id, input_channel=CHANNEL, metadata={"channel": CHANNEL}
        )
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - never a stack trace; never silence either
            logger.exception("Web message of session %s… failed in Rasa", session.session_id[:6])
            if not collector.messages:  # nothing was answered: say so (the widget offers to resend)
                return _error("unavailable", 503)
        return 200, collector.messages

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        web = Blueprint("web_widget_webhook", __name__)

        @web.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.configured})

        @web.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                raw = await read_bounded(request, MAX_BODY)
            except BodyTooLarge:
                status, body = _error("too_large", 413)
                return response.json(body, status=status)
            status, body = await self.handle(request.headers, raw, on_new_message)
            return response.json(body, status=status)

        return web
