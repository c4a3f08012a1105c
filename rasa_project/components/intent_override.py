"""Replace a message's predicted intent after the classifier, and say why.

Components that know better than the classifier in one narrow case (an application code in
the text, too few digits for the digits intent) set the new prediction with this, so the
classifier's ranking is kept and reviewers see in ``intent_override`` what was predicted
before and for which reason.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

OVERRIDE_KEY = "intent_override"


def override_intent(
    message: Message, chosen: dict[str, Any], ranking: list[dict[str, Any]], reason: str, predicted: str | None
) -> None:
    """Make ``chosen`` the prediction with ``ranking`` below it, recording ``reason``."""
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    message.set(OVERRIDE_KEY, {"reason": reason, "predicted": predicted}, add_to_output=True)
