"""Send a core :class:`Reply` through the dispatcher and turn it into slot events."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dichvucong.assistant.service import Reply
from dichvucong.feedback import NEGATIVE_PAYLOAD, POSITIVE_PAYLOAD, RATEABLE_KINDS
from dichvucong.handoff.offer import OFFER_BUTTON, OFFER_TEXT, reply_failed, should_offer


def offer_person(tracker: Tracker | None, failed_now: bool) -> bool:
    """Second failed answer in a row (and no handoff open): offer a person (docs/handoff.md)."""
    if tracker is None or tracker.get_slot("handoff") is not None:
        return False
    return should_offer(list(tracker.events), failed_now)


def send_reply(dispatcher: CollectingDispatcher, reply: Reply, offer: bool = False) -> None:
    """Utter the reply with its buttons, plus 👍/👎 after an answer that can be rated."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    if reply.kind in RATEABLE_KINDS:
        buttons += [
            {"title": "👍 Hữu ích", "payload": POSITIVE_PAYLOAD},
            {"title": "👎 Chưa đúng", "payload": NEGATIVE_PAYLOAD},
        ]
    text = reply.text
    if offer:
        text, buttons = f"{text}\n\n{OFFER_TEXT}", [*buttons, dict(OFFER_BUTTON)]
    dispatcher.utter_message(text=text, buttons=buttons or None)


def send(dispatcher: CollectingDispatcher, reply: Reply, tracker: Tracker | None = None, clarifying: bool = False) -> list[dict[str, Any]]:
    """Utter the reply and remember the procedure, FAQ and pending aspects it concerns; after
    two failed answers in a row the reply also offers a person."""
    send_reply(dispatcher, reply, offer_person(tracker, reply_failed(reply.kind, clarifying)))
    events = [SlotSet("pending_aspects", reply.pending_aspects or None), SlotSet("last_answer_kind", reply.kind)]
    if reply.procedure_code:
        events.append(SlotSet("procedure_code", reply.procedure_code))
    events.append(SlotSet("faq_id", reply.faq_id))
    return events + end_of_turn(tracker)


def end_of_turn(tracker: Tracker | None) -> list[dict[str, Any]]:
    """After an answer outside the status lookup, the bot waits for the citizen: said here,
    Rasa skips a second policy prediction that could only say ``action_listen`` (the rules
    resume the lookup form after an answer given in its middle, so there nothing is said)."""
    if tracker is None or tracker.active_loop_name:
        return []
    return [FollowupAction("action_listen")]
