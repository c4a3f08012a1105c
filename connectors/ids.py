"""Channel-bound sender ids: every channel's conversations live under its own prefix.

``telegram:<chat id>``, ``zalo:<user id>``, ``web:<session id>``. A channel builds its sender
ids with :func:`sender_id` and, when it talks back through its messenger, recovers the
messenger's own id with :func:`messenger_id`, which refuses another channel's ids (a Rasa
API call asking the Telegram output to write to ``web:...`` or ``zalo:...`` sends nothing).
"""

from __future__ import annotations

SEPARATOR = ":"
BOUND_CHANNELS = ("telegram", "zalo", "web")


def sender_id(channel: str, raw_id: object) -> str:
    """The Rasa sender id of ``raw_id`` on ``channel``."""
    return f"{channel}{SEPARATOR}{raw_id}"


def messenger_id(channel: str, sender: str) -> str | None:
    """The messenger's id behind a Rasa sender id of ``channel``; None when it belongs elsewhere.

    An id without any prefix (a conversation recorded before ids were namespaced) is taken
    as it is.
    """
    prefix = channel + SEPARATOR
    if sender.startswith(prefix):
        rest = sender[len(prefix):]
        return rest or None
    if SEPARATOR in sender:
        return None
    return sender or None


def is_bound(sender: str) -> bool:
    """True for an id that only a channel itself may create (``telegram:``, ``zalo:``, ``web:``...)."""
    return SEPARATOR in sender
