"""The plain REST channel, for trusted server-side use and tests only (docs/channels.md).

``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ...}``, as Rasa's own
``RestInput``, with three differences that keep it from speaking for another channel:

* a sender id containing ``:`` is refused (400): ``telegram:``, ``zalo:`` and ``web:`` ids
  belong to those channels, and nothing a REST client sends can land in their trackers;
* ``input_channel`` and ``metadata`` in the body are ignored: the message is always recorded
  as ``rest`` (Rasa's RestInput takes both from the body);
* the body is bounded (64 kB) and a malformed one gets a polite 400, never a stack trace.

Production never routes this channel to the internet (docker/nginx.conf); the web widget has
its own token-checked channel (``connectors/web.py``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.http import BodyTooLarge, read_bounded

logger = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_BODY = 64 * 1024
MAX_MESSAGE = 5000
# Plain ids only: letters, digits and - _ . @ (no ':' — that separates a channel's namespace).
SENDER_PATTERN = re.compile(r"^[\w.@-]{1,128}$")
BAD_REQUEST = "Yêu cầu không hợp lệ: cần 'sender' (chữ, số, - _ . @; không có dấu ':') và 'message'."


def valid_sender(sender: object) -> bool:
    """True for a sender id a REST client may use."""
    return isinstance(sender, str) and bool(SENDER_PATTERN.match(sender))


def _bad(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason, "message": BAD_REQUEST}, status=status)


class InternalRestInput(InputChannel):
    """``/webhooks/rest/``: plain sender ids, input channel always ``rest``."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InternalRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("internal_rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                data = json.loads(await read_bounded(request, MAX_BODY))
            except BodyTooLarge:
                return _bad("body_too_large", 413)
            except ValueError:
                return _bad("not_json")
            if not isinstance(data, dict):
                return _bad("not_an_object")
            sender, text = data.get("sender"), data.get("message")
            if not valid_sender(sender):
                logger.warning("REST message refused: sender id %r is not a plain id", str(sender)[:40])
                return _bad("bad_sender")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE:
                return _bad("bad_message")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL))
            except Exception:  # noqa: BLE001 - as Rasa's RestInput: answer with what was collected
                logger.exception("REST message of %s failed in Rasa", sender)
            return response.json(collector.messages)

        return rest
