"""Check the action server's answers against Rasa's schema with a validator built once.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate``, which first
checks the (large, event-by-event) schema itself and builds a new validator: about 26 ms of
CPU per action call on these machines, more than everything else Rasa does for a message.
The schema never changes, so we build its validator once; the response is still checked in
full, and an invalid one fails with the same error and hint as before.
"""

from __future__ import annotations

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


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """A validator of Rasa's action-response schema, the schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Same contract as ``RemoteAction._validate_action_result``: True, or ValidationError."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is not None:
        error.message += FORMAT_HINT
        raise error
    return True


def compile_action_result_check() -> None:
    """Make every remote action use the prebuilt validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

