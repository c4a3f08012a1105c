"""👍/👎 on an answer: store the rating with the question and answer it refers to."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replying import offer_person
from actions.runtime import session_factory
from dichvucong.feedback import last_rated_turn, record_feedback
from dichvucong.handoff.offer import OFFER_BUTTON, OFFER_TEXT


class ActionStoreFeedback(Action):
    """Thank the citizen (or apologise) and keep the rating for the reviewers."""

    def name(self) -> str:
        return "action_store_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        positive = (tracker.latest_message.get("intent") or {}).get("name") == "feedback_positive"
        record_feedback(
            session_factory(),
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "",
            positive=positive,
            turn=last_rated_turn(list(tracker.events)),
            procedure_code=tracker.get_slot("procedure_code"),
            faq_id=tracker.get_slot("faq_id"),
        )
        if not positive and offer_person(tracker, failed_now=True):  # 👎 after a failed answer: offer a person
            dispatcher.utter_message(response="utter_feedback_sorry")
            dispatcher.utter_message(text=OFFER_TEXT, buttons=[dict(OFFER_BUTTON)])
            return []
        dispatcher.utter_message(response="utter_feedback_thanks" if positive else "utter_feedback_sorry")
        return []
