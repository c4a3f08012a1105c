"""A message that contains an application code always starts the status lookup.

The intent classifier reads words, and an application code ("000.00.04.H51-251120-0007")
is one opaque token it has hardly ever seen. Inside a sentence about documents or a place
("hồ sơ 000.00.04.H51-251120-0007 cần bổ sung gì") the classifier may well answer
``ask_documents``; the citizen, though, has sent the code of *their* application and expects
the lookup. This component runs after the classifiers (and after the FallbackClassifier) and,
when the text holds a well-formed code, makes the lookup intent the prediction: the
classifier's ranking is kept below it, and ``intent_override`` in the parse data records what
was predicted before, so reviewers can see why.

The code is recognised by ``dichvucong.text.application_codes``, the same recogniser the
lookup service uses (the Rasa image ships ``dichvucong.text``).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import OVERRIDE_KEY, override_intent
from dichvucong.text.application_codes import extract_application_codes

__all__ = ["OVERRIDE_KEY", "ApplicationCodeIntent", "contains_application_code"]


def contains_application_code(text: str | None) -> bool:
    """True when ``text`` holds at least one well-formed application code."""
    return bool(extract_application_codes(text or ""))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ApplicationCodeIntent(GraphComponent, IntentClassifier):
    """Sets the lookup intent on every message that contains an application code."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that should be included in the pipeline before this component."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # The intent whose rule starts (or resumes) the status lookup form.
            "intent": "check_status",
            # Predictions that already start the lookup and are left as they are.
            "lookup_intents": ["check_status", "inform_code", "inform_digits"],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Constructs the component from its config."""
        self._intent = str(config["intent"])
        self._keep = {self._intent, *config.get("lookup_intents", [])}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ApplicationCodeIntent:
        """Creates a new component (see parent class for full docstring)."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Route messages with an application code to the lookup intent."""
        for message in messages:
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if predicted in self._keep or not contains_application_code(message.get(TEXT)):
                continue
            chosen = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                item for item in message.get(INTENT_RANKING_KEY) or [] if item.get(INTENT_NAME_KEY) != self._intent
            ]
            override_intent(message, chosen, [chosen, *ranking], "application_code", predicted)
        return messages
