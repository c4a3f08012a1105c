"""What a Rasa tracker event says, for review: the citizen's words, the intent, the slots.

Pure functions over the ``data`` JSON of Rasa's ``events`` rows, shared by the summary
(:mod:`dichvucong.review.services.sync`) and the transcript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dichvucong.applications.masking import mask_sensitive
from dichvucong.console.timeutil import VIETNAM_TZ
from dichvucong.feedback import NEGATIVE_PAYLOAD, POSITIVE_PAYLOAD
from dichvucong.text.normalize import collapse_spaces, fold

FALLBACK_INTENT = "nlu_fallback"
CLARIFY_ACTION = "action_clarify"
HUMAN_INTENT = "ask_human"
ANSWER_SLOTS = ("procedure_code", "faq_id", "last_answer_kind")
UNANSWERED_KINDS = ("not_found", "clarify", "out_of_scope")
#: Replies that leave the citizen without an answer (the conversation is not contained).
NOT_ANSWERED_KINDS = ("not_found", "out_of_scope")
PAYLOAD_LABELS = {POSITIVE_PAYLOAD: "👍 Hữu ích", NEGATIVE_PAYLOAD: "👎 Chưa đúng"}


@dataclass
class UserMessage:
    """One citizen message as NLU understood it (text NOT masked: mask before showing)."""

    text: str
    intent: str | None
    confidence: float | None  # of the best real intent (the one nlu_fallback overruled)
    top_intent: str | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    channel: str = ""

    @property
    def is_payload(self) -> bool:
        """A button press (``/feedback_negative``, ``/choose_procedure{...}``), not typed text."""
        return self.text.startswith("/")

    @property
    def fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT


def load(data: str | None) -> dict[str, Any]:
    """The event's JSON (an empty dict when missing or unreadable)."""
    if not data:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def user_message(event: dict[str, Any]) -> UserMessage:
    """The citizen's text, predicted intent, confidence and entities of a ``user`` event."""
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = intent.get("name") or None
    confidence = _number(intent.get("confidence"))
    top = name
    if name == FALLBACK_INTENT:
        ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") not in (None, FALLBACK_INTENT)]
        top = ranking[0]["name"] if ranking else None
        confidence = _number(ranking[0].get("confidence")) if ranking else None
    entities = [
        {"entity": str(e.get("entity", "")), "value": str(e.get("value", ""))}
        for e in parse.get("entities") or []
        if isinstance(e, dict)
    ]
    return UserMessage(
        text=str(event.get("text") or ""),
        intent=name,
        confidence=confidence,
        top_intent=top,
        entities=entities,
        channel=str(event.get("input_channel") or ""),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def mask(text: str) -> str:
    """Phone numbers, 12-digit ID numbers and application codes hidden."""
    return mask_sensitive(text or "")


def display_text(text: str) -> str:
    """What a review page shows for a message: masked, with button payloads named."""
    if text.startswith("/"):
        return PAYLOAD_LABELS.get(text, "Bấm nút: " + text[1:].split("{", 1)[0])
    return mask(text)


def text_key(masked: str) -> str:
    """Groups repeated questions: folded (no accents, lower case), spaces collapsed."""
    return collapse_spaces(fold(masked))[:300]


def day_of(timestamp: float) -> str:
    """``YYYY-MM-DD`` of a Unix time in Vietnam time (UTC+7)."""
    return datetime.fromtimestamp(timestamp, VIETNAM_TZ).strftime("%Y-%m-%d")
