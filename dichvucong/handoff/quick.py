"""The quick-reply buttons an agent may attach to a reply: the bot's own ones.

Always the standard ones (back to the bot, what the bot does, application lookup), plus the
buttons of the bot's latest reply in that conversation (e.g. "Ý bạn là…" procedure choices,
related questions). The agent picks them by key; payloads never come from the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, select

from dichvucong.review.tracker import EVENTS

STANDARD = (
    ("resume", "Quay lại trợ lý ảo", "/resume_bot"),
    ("capabilities", "Tôi làm được gì?", "/bot_capabilities"),
    ("status", "Tra cứu hồ sơ", "/check_status"),
)
SKIPPED_PAYLOADS = {"/feedback_positive", "/feedback_negative", "/ask_human"}
CHANNELS_WITH_BUTTONS = ("web", "telegram", "zalo")  # Zalo shows them as a numbered list
MAX_LOOKBACK = 30


@dataclass(frozen=True)
class QuickReply:
    key: str
    title: str
    payload: str

    def as_button(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def _last_bot_buttons(tracker: Engine | None, sender_id: str) -> list[dict[str, str]]:
    if tracker is None:
        return []
    with tracker.connect() as connection:
        rows = connection.execute(
            select(EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "bot")
            .order_by(EVENTS.c.id.desc())
            .limit(MAX_LOOKBACK)
        ).all()
    for (raw,) in rows:
        try:
            event = json.loads(raw or "{}")
        except ValueError:
            continue
        if (event.get("metadata") or {}).get("pushed"):
            continue  # an agent's own message
        buttons = ((event.get("data") or {}).get("buttons")) or []
        found = [
            {"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
            for b in buttons
            if isinstance(b, dict) and b.get("payload") and str(b.get("payload")) not in SKIPPED_PAYLOADS
        ]
        if found:
            return found
    return []


def quick_replies(tracker: Engine | None, sender_id: str, channel: str) -> list[QuickReply]:
    """What the reply form offers for this conversation (nothing where buttons cannot show)."""
    if channel not in CHANNELS_WITH_BUTTONS:
        return []
    replies = [QuickReply(key, title, payload) for key, title, payload in STANDARD]
    known = {r.payload for r in replies}
    for index, button in enumerate(_last_bot_buttons(tracker, sender_id)):
        if button["payload"] not in known and button["title"]:
            replies.append(QuickReply(f"b{index}", button["title"][:80], button["payload"][:500]))
            known.add(button["payload"])
    return replies


def chosen(replies: list[QuickReply], keys: list[str]) -> list[dict[str, str]]:
    by_key = {r.key: r for r in replies}
    return [by_key[k].as_button() for k in keys if k in by_key]
