"""Check the action server's answers against Rasa's schema, cheaply and in full.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first
checks the (large, event-by-event) schema itself and builds a new validator: about 26 ms of
CPU per action call on these machines, more than everything else Rasa does for a message.
The schema never changes, so its validators are built once.

The schema says each event must match exactly one of 23 alternatives (``oneOf``), one per
event name; checked as written, every event of every response is tried against all 23.
Each alternative fixes its ``event`` name (``const``), so an event can only match the ones
of its own name: the fast check tries those alone and counts the matches, which is the same
verdict. Anything the fast check does not pass is checked again against the whole schema,
so an invalid response fails with exactly the error and hint Rasa gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

FORMAT_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
)


@dataclass(frozen=True)
class ResponseChecks:
    """The whole schema's validator, and the same schema taken apart for the fast check."""

    whole: Any
    without_event_alternatives: Any  # the schema with each event checked as an object only
    alternatives_by_event: dict[str, tuple[Any, ...]]
    alternatives_without_name: tuple[Any, ...]  # tried for every event (none in Rasa 3.6)
    all_alternatives: tuple[Any, ...]  # empty if the schema has no per-event alternatives


@lru_cache(maxsize=1)
def response_checks() -> ResponseChecks:
    """Validators of Rasa's action-response schema, the schema itself checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    events_schema = schema["properties"]["events"]
    item_schema = events_schema["items"]
    outer = {
        **schema,
        "properties": {
            **schema["properties"],
            "events": {**events_schema, "items": {k: v for k, v in item_schema.items() if k != "oneOf"}},
        },
    }
    by_event: dict[str, list[Any]] = {}
    unnamed: list[Any] = []
    every: list[Any] = []
    for alternative in item_schema.get("oneOf", []):
        check = validator_class(alternative)
        every.append(check)
        name = alternative.get("properties", {}).get("event", {}).get("const")
        (by_event.setdefault(name, []) if isinstance(name, str) else unnamed).append(check)
    return ResponseChecks(
        whole=validator_class(schema),
        without_event_alternatives=validator_class(outer),
        alternatives_by_event={name: tuple(checks) for name, checks in by_event.items()},
        alternatives_without_name=tuple(unnamed),
        all_alternatives=tuple(every),
    )


def passes_fast_check(result: Any) -> bool:
    """True when ``result`` is valid; False means "check it against the whole schema"."""
    checks = response_checks()
    if not checks.all_alternatives:
        return checks.whole.is_valid(result)
    if not checks.without_event_alternatives.is_valid(result):
        return False
    for event in result.get("events") or ():
        name = event.get("event")
        candidates = (
            checks.alternatives_by_event.get(name, ()) + checks.alternatives_without_name
            if isinstance(name, str)
            else checks.all_alternatives
        )
        if sum(1 for check in candidates if check.is_valid(event)) != 1:
            return False
    return True


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Same contract as ``RemoteAction._validate_action_result``: True, or ValidationError."""
    if passes_fast_check(result):
        return True
    error = best_match(response_checks().whole.iter_errors(result))
    if error is not None:
        error.message += FORMAT_HINT
        raise error
    return True


def compile_action_result_check() -> None:
    """Make every remote action use the prebuilt validators."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
