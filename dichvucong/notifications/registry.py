"""Which sender serves which channel, built from settings.

Channel names are Rasa's input channel names (``telegram``; later ``zalo``, ``webchat``). To
add a channel, register a factory that returns a sender when its settings are present.
"""

from __future__ import annotations

from collections.abc import Callable

from dichvucong.config import Settings
from dichvucong.notifications.senders import ChannelSender, TelegramSender

SenderFactory = Callable[[Settings], "ChannelSender | None"]


def _telegram(settings: Settings) -> ChannelSender | None:
    if not settings.telegram_bot_token:
        return None
    return TelegramSender(settings.telegram_bot_token, settings.telegram_api_base_url)


_FACTORIES: dict[str, SenderFactory] = {"telegram": _telegram}


def register_sender(channel: str, factory: SenderFactory) -> None:
    """Make ``channel`` deliverable: ``factory(settings)`` returns a sender or None if unconfigured."""
    _FACTORIES[channel] = factory


def build_senders(settings: Settings) -> dict[str, ChannelSender]:
    """A sender for every channel whose settings are configured."""
    senders = {}
    for channel, factory in _FACTORIES.items():
        sender = factory(settings)
        if sender is not None:
            senders[channel] = sender
    return senders
