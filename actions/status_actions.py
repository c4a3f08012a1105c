"""Actions of the application status lookup: a form for the code and four digits, then the answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replying import send_reply
from actions.runtime import status_dialogue
from dichvucong.assistant.service import Reply


def _utter(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    send_reply(dispatcher, reply)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


class ActionPrefillLookup(Action):
    """Start (or resume) the lookup with whatever the message already says: a code, digits."""

    def name(self) -> str:
        return "action_prefill_lookup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        prefill = status_dialogue().prefill(tracker.latest_message.get("text") or "", tracker.get_slot("application_code"))
        return [SlotSet("application_code", prefill.code), SlotSet("phone_last4", prefill.phone_last4)]


class ValidateStatusLookupForm(FormValidationAction):
    """Read the code and the digits out of the citizen's words, explaining the format if needed."""

    def name(self) -> str:
        return "validate_status_lookup_form"

    def validate_application_code(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:  # nothing given yet (the lookup just started): the form asks for it
            return {"application_code": None}
        result = status_dialogue().read_code(str(slot_value))
        if result.reply is not None:
            _utter(dispatcher, result.reply)
        return {"application_code": result.code}

    def validate_phone_last4(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:  # nothing given yet: the form asks for the digits when it is their turn
            return {"phone_last4": None}
        result = status_dialogue().read_digits(str(slot_value))
        if result.reply is not None:
            _utter(dispatcher, result.reply)
        slots: dict[str, Any] = {"phone_last4": result.phone_last4}
        if result.code:  # the citizen sent a (corrected) code instead of the digits
            slots["application_code"] = result.code
        return slots


class ActionCheckStatus(Action):
    """Verify the four digits and, only then, tell the citizen where the application stands."""

    def name(self) -> str:
        return "action_check_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        outcome = status_dialogue().check(
            sender_id=tracker.sender_id,
            channel=_channel(tracker),
            code=tracker.get_slot("application_code") or "",
            phone_last4=tracker.get_slot("phone_last4") or "",
        )
        _utter(dispatcher, outcome.reply)
        events = [SlotSet("phone_last4", None)]
        if outcome.verified_code:
            events += [SlotSet("verified_code", outcome.verified_code), SlotSet("application_code", None)]
        elif not outcome.keep_code:
            events.append(SlotSet("application_code", None))
        return events


class ActionCancelLookup(Action):
    """"Thôi" / "hủy": stop the lookup politely and forget what was typed."""

    def name(self) -> str:
        return "action_cancel_lookup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        _utter(dispatcher, status_dialogue().cancelled(was_active=tracker.active_loop_name is not None))
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("application_code", None),
            SlotSet("phone_last4", None),
        ]


class ActionSubscribeStatus(Action):
    """"Báo cho tôi khi có kết quả": follow a verified application on this channel."""

    def name(self) -> str:
        return "action_subscribe_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reply = status_dialogue().subscribe(tracker.sender_id, _channel(tracker), tracker.get_slot("verified_code"))
        _utter(dispatcher, reply)
        return []
