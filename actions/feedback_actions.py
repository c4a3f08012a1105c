"""👍/👎 on an answer: store the rating with the question and answer it refers to.

A "negative" message before any answer rates nothing: the classifier read a question with
a complaint in it ("… trước chỉ mình em đứng tên") as 👎. It is answered as a question
whose intent is unclear (from the search when it is sure, else a clarifying question), and
no rating is stored.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replying import offer_person, send
from actions.runtime import assistant, session_factory
from dichvucong.feedback import last_rated_turn, record_feedback
from dichvucong.handoff.offer import OFFER_BUTTON, OFFER_TEXT


class ActionStoreFeedback(Action):
    """Thank the citizen (or apologise) and keep the rating for the reviewers."""

    def name(self) -> str:
        return "action_store_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        positive = (tracker.latest_message.get("intent") or {}).get("name") == "feedback_positive"
        turn = last_rated_turn(list(tracker.events))
        if turn is None and not positive:
            reply = assistant().answer_unclear(
                text=tracker.latest_message.get("text") or "", current_code=tracker.get_slot("procedure_code")
            )
            return send(dispatcher, reply, tracker, clarifying=True)
        record_feedback(
            session_factory(),
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "",
            positive=positive,
            turn=turn,
            procedure_code=tracker.get_slot("procedure_code"),
            faq_id=tracker.get_slot("faq_id"),
        )
        if not positive and offer_person(tracker, failed_now=True):  # 👎 after a failed answer: offer a person
            dispatcher.utter_message(response="utter_feedback_sorry")
            dispatcher.utter_message(text=OFFER_TEXT, buttons=[dict(OFFER_BUTTON)])
            return []
        dispatcher.utter_message(response="utter_feedback_thanks" if positive else "utter_feedback_sorry")
        return []
