"""Our Rasa entry point's fixes keep Rasa's behaviour (rasa_project/serving)."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from serving import apply_fixes

apply_fixes()


def test_a_valid_action_response_passes() -> None:
    action = RemoteAction("action_answer_procedure", None)
    response = {
        "events": [{"event": "slot", "name": "procedure_code", "value": "1.001193", "timestamp": None}],
        "responses": [{"text": "Lệ phí: miễn phí.", "buttons": [{"title": "👍", "payload": "/feedback_positive"}]}],
    }
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": [{"event": "slot", "name": "procedure_code"}], "responses": "not a list"},
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "nothing", "responses": []},
    ],
)
def test_an_invalid_action_response_is_refused_with_rasa_hint(response: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_answer_procedure", None)._validate_action_result(response)


def test_events_are_rebuilt_with_the_same_classes() -> None:
    for cls in (UserUttered, ActionExecuted, SlotSet):
        assert Event.resolve_by_type(cls.type_name) is cls
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    slot = Event.from_parameters({"event": "slot", "name": "faq_id", "value": "7"})
    assert isinstance(slot, SlotSet) and slot.value == "7"


@pytest.mark.parametrize(
    "events",
    [
        [],
        [{"event": "slot", "name": "faq_id", "value": None}, {"event": "followup", "name": "action_listen"}],
        [{"event": "bot", "text": "Xin chào"}, {"event": "action", "name": "action_listen"}],
        [{"event": "active_loop", "name": None}, {"event": "slot", "name": "requested_slot", "value": None}],
        [{"event": "slot", "value": "thiếu tên"}],
        [{"event": "slot", "name": 7, "value": 1}],
        [{"event": "user", "text": 12}],
        [{"name": "action_listen"}],
        [{"event": None}],
        ["not an event"],
        [{"event": "session_started"}, {"event": "no_such_event"}],
    ],
)
def test_the_fast_response_check_agrees_with_the_whole_schema(events: list) -> None:
    """Each event is tried only against its own name's alternative; the verdict is the schema's."""
    from jsonschema.validators import validator_for
    from serving.action_results import passes_fast_check

    schema = RemoteAction.action_response_format_spec()
    response = {"events": events, "responses": []}
    assert passes_fast_check(response) is validator_for(schema)(schema).is_valid(response)
