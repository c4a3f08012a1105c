"""Tell subscribed citizens when their application's status changes (outbox + channel senders)."""

from dichvucong.notifications.dispatch import (
    MAX_ATTEMPTS,
    DispatchReport,
    dispatch_pending,
    mark_uncertain,
    outbox_counts,
)
from dichvucong.notifications.registry import build_senders, register_sender
from dichvucong.notifications.senders import ChannelSender, SendError, TelegramSender

__all__ = [
    "MAX_ATTEMPTS",
    "ChannelSender",
    "DispatchReport",
    "SendError",
    "TelegramSender",
    "build_senders",
    "dispatch_pending",
    "mark_uncertain",
    "outbox_counts",
    "register_sender",
]
