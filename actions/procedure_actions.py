"""Actions that answer questions about procedures and FAQs."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replying import send
from actions.runtime import assistant


def _chosen_code(tracker: Tracker) -> str | None:
    """The procedure a button press named (``/choose_procedure{"procedure_code": ...}``)."""
    return next(tracker.get_latest_entity_values("procedure_code"), None)


def _chosen_faq(tracker: Tracker) -> str | None:
    """The FAQ a "Câu hỏi liên quan" button named (``/choose_faq{"faq_id": ...}``)."""
    return next(tracker.get_latest_entity_values("faq_id"), None)


def _intent(tracker: Tracker) -> str | None:
    """The intent NLU predicted for the latest message (or that a button payload named)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


class ActionAnswerProcedure(Action):
    """Answer documents / fee / time / place / steps / result / legal basis / conditions."""

    def name(self) -> str:
        return "action_answer_procedure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = assistant().answer_question(
            text=tracker.latest_message.get("text") or "",
            intent=_intent(tracker),
            current_code=tracker.get_slot("procedure_code"),
            chosen_code=_chosen_code(tracker),
            pending_aspects=tracker.get_slot("pending_aspects"),
            chosen_faq=_chosen_faq(tracker),
        )
        return send(dispatcher, reply, tracker)


class ActionClarify(Action):
    """Low NLU confidence: answer when the search is sure, otherwise ask a clarifying question."""

    def name(self) -> str:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = assistant().answer_unclear(
            text=tracker.latest_message.get("text") or "",
            current_code=tracker.get_slot("procedure_code"),
        )
        return send(dispatcher, reply, tracker, clarifying=True)


class ActionAnswerOutOfScope(Action):
    """"Out of scope" by NLU: answer if the catalogue plainly covers it, else say what we do."""

    def name(self) -> str:
        return "action_answer_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        reply = assistant().answer_out_of_scope(tracker.latest_message.get("text") or "")
        return send(dispatcher, reply, tracker)
