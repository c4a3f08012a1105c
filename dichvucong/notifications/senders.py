"""Channel senders: deliver one text to one recipient, or raise :class:`SendError`."""

from __future__ import annotations

from typing import Protocol

import httpx


class SendError(RuntimeError):
    """Delivery failed; the message is safe to store (it never holds a token or URL)."""


class ChannelSender(Protocol):
    """Sends plain text on one channel (Telegram today; Zalo, web chat can follow)."""

    def send(self, recipient_id: str, text: str) -> None:
        """Deliver ``text`` to ``recipient_id``; raise on any failure."""
        ...


def channel_user_id(channel: str, recipient_id: str) -> str:
    """The messenger's own id behind a Rasa sender id (``telegram:123`` → ``123``).

    Subscriptions store the Rasa sender id, which every channel namespaces with its name
    (``connectors/ids.py``); a row from before that (a bare id) is used as it is, and an id of
    another channel is refused rather than delivered to the wrong person.
    """
    prefix = channel + ":"
    if recipient_id.startswith(prefix):
        user_id = recipient_id[len(prefix):]
    elif ":" in recipient_id:
        raise SendError(f"{channel}: người nhận không thuộc kênh này")
    else:
        user_id = recipient_id
    if not user_id:
        raise SendError(f"{channel}: thiếu mã người nhận")
    return user_id


class TelegramSender:
    """Telegram Bot API ``sendMessage``; the recipient is the Rasa sender id ``telegram:<chat id>``."""

    def __init__(
        self,
        token: str,
        api_base_url: str = "https://api.telegram.org",
        timeout: float = 10.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = f"{api_base_url.rstrip('/')}/bot{token}/sendMessage"
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, recipient_id: str, text: str) -> None:
        chat_id = channel_user_id("telegram", recipient_id)
        # Errors are re-raised without their cause: httpx errors carry the URL, which holds the token.
        try:
            response = self._client.post(self._url, json={"chat_id": chat_id, "text": text})
        except httpx.TimeoutException:
            raise SendError("Telegram: hết thời gian chờ phản hồi") from None
        except httpx.TransportError as exc:
            raise SendError(f"Telegram: lỗi kết nối ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
            description = str(body.get("description", "")) if isinstance(body, dict) else ""
            raise SendError(f"Telegram HTTP {response.status_code}: {description[:200]}".rstrip(": "))

    def close(self) -> None:
        self._client.close()
