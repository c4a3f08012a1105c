"""Offer a person after two failed answers in a row ("không tìm thấy", not understood, 👎).

Pure functions over rasa-sdk tracker events (dicts, oldest first), so the action server and
the tests use the same rule. A turn failed when its answer was "not found", out of scope or
unreadable, when the bot could only ask to rephrase (``action_clarify`` → ``clarify``), or
when the citizen rated the previous answer 👎.
"""

from __future__ import annotations

from typing import Any

FAILED_KINDS = frozenset({"not_found", "out_of_scope", "bad_input"})
CLARIFY_ACTION = "action_clarify"
NEGATIVE_INTENT = "feedback_negative"
OFFER_PAYLOAD = "/ask_human"
OFFER_BUTTON = {"title": "👤 Gặp cán bộ hỗ trợ", "payload": OFFER_PAYLOAD}
OFFER_TEXT = "Xin lỗi vì tôi chưa giúp được bạn. Bạn có muốn trò chuyện với cán bộ hỗ trợ ngay tại đây không?"


def reply_failed(kind: str | None, clarifying: bool = False, intent: str | None = None) -> bool:
    """Whether the answer being sent now leaves the citizen without an answer."""
    return intent == NEGATIVE_INTENT or kind in FAILED_KINDS or (clarifying and kind == "clarify")


def _turn_failed(turn: list[dict[str, Any]]) -> bool:
    user = turn[0]
    intent = ((user.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent == NEGATIVE_INTENT:
        return True
    clarified = any(e.get("event") == "action" and e.get("name") == CLARIFY_ACTION for e in turn)
    for event in turn:
        if event.get("event") == "slot" and event.get("name") == "last_answer_kind":
            value = event.get("value")
            if value in FAILED_KINDS or (clarified and value == "clarify"):
                return True
    return False


def previous_turn_failed(events: list[dict[str, Any]]) -> bool:
    """Did the turn before the current message (the last ``user`` event) fail?"""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return _turn_failed(events[users[-2]:users[-1]])


def should_offer(events: list[dict[str, Any]], failed_now: bool) -> bool:
    """Two failed answers in a row: this one and the one before."""
    return failed_now and previous_turn_failed(events)
