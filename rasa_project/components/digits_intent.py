"""Only a message that holds four digits can be the last four digits of a phone number.

The status lookup asks for the last four digits of the phone number on the application
(``inform_digits``). The classifier also learns that short messages with a number in them
are digits, so a question such as "vneid mức 1 với mức 2 khác gì" may come out as
``inform_digits`` and be answered with "send me your application code". This component
runs after the intent classifier and before the FallbackClassifier: when the prediction is
``inform_digits`` but a sentence of several words holds fewer than four digits (a short
"12" or "số cuối 12" stays digits, so the lookup form can ask again for four), the
classifier's next intent
becomes the prediction (with its own confidence, so a weak one still falls back), and
``intent_override`` in the parse data records why.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import OVERRIDE_KEY, override_intent

__all__ = ["OVERRIDE_KEY", "DigitsIntentGuard", "digit_count"]


def digit_count(text: str | None) -> int:
    """How many digits ``text`` holds (full-width digits count too)."""
    return sum(1 for ch in text or "" if ch.isdigit())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DigitsIntentGuard(GraphComponent, IntentClassifier):
    """Demotes the digits intent on messages that hold too few digits."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that should be included in the pipeline before this component."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # The intent that gives the digits the lookup asks for.
            "intent": "inform_digits",
            # The lookup asks for the last four digits of a phone number.
            "min_digits": 4,
            # Shorter messages keep the prediction: "12" is a wrong answer to the form's
            # question, which the form answers itself.
            "min_words": 5,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Constructs the component from its config."""
        self._intent = str(config["intent"])
        self._min_digits = int(config["min_digits"])
        self._min_words = int(config["min_words"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DigitsIntentGuard:
        """Creates a new component (see parent class for full docstring)."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Give the classifier's next intent to digit predictions without the digits."""
        for message in messages:
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            text = message.get(TEXT) or ""
            if predicted != self._intent or digit_count(text) >= self._min_digits or len(text.split()) < self._min_words:
                continue
            ranking = [item for item in message.get(INTENT_RANKING_KEY) or [] if item.get(INTENT_NAME_KEY) != self._intent]
            if not ranking:
                continue
            override_intent(message, dict(ranking[0]), ranking, "too_few_digits", predicted)
        return messages
