"""Tests for DigitsIntentGuard: a sentence without four digits is not the phone's last digits.

Both directions: digit answers of any shape stay ``inform_digits`` (so the lookup form gets
them, and a short wrong answer such as "12" is still answered by the form); a question with
a number or two in it ("vneid mức 1 với mức 2 khác gì") gets the classifier's next intent.
"""

from __future__ import annotations

import pytest
from components.digits_intent import OVERRIDE_KEY, DigitsIntentGuard, digit_count
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

DIGIT_ANSWERS = ["1234", "4 số cuối là 5678", "6 7 8 9", "số cuối của em là 5050 ạ", "１２３４", "12", "so cuoi 12"]
QUESTIONS = ["vneid mức 1 với mức 2 khác gì", "cccd cho bé 6 tuổi làm ở đâu vậy", "phiếu lý lịch số 1 và số 2 khác nhau thế nào"]


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> DigitsIntentGuard:
    return DigitsIntentGuard.create(
        DigitsIntentGuard.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("digits_intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _predicted(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return message


def test_digits_are_counted_in_any_script() -> None:
    assert digit_count("4 số cuối là 5678") == 5
    assert digit_count("１２３４") == 4
    assert digit_count("") == 0


@pytest.mark.parametrize("text", DIGIT_ANSWERS)
def test_digit_answers_stay_digits(component: DigitsIntentGuard, text: str) -> None:
    message = _predicted(text, [("inform_digits", 0.7), ("ask_overview", 0.2)])
    component.process([message])
    assert message.get(INTENT) == {"name": "inform_digits", "confidence": 0.7}
    assert message.get(OVERRIDE_KEY) is None


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_with_a_number_get_the_next_intent(component: DigitsIntentGuard, text: str) -> None:
    message = _predicted(text, [("inform_digits", 0.5), ("ask_conditions", 0.3), ("ask_overview", 0.2)])
    component.process([message])
    assert message.get(INTENT) == {"name": "ask_conditions", "confidence": 0.3}
    assert [item["name"] for item in message.get(INTENT_RANKING_KEY)] == ["ask_conditions", "ask_overview"]
    assert message.get(OVERRIDE_KEY) == {"reason": "too_few_digits", "predicted": "inform_digits"}
    assert message.as_dict(only_output_properties=True)[INTENT]["name"] == "ask_conditions"


def test_other_predictions_are_left_alone(component: DigitsIntentGuard) -> None:
    message = _predicted("vneid mức 1 với mức 2 khác gì", [("ask_overview", 0.6), ("inform_digits", 0.3)])
    component.process([message])
    assert message.get(INTENT) == {"name": "ask_overview", "confidence": 0.6}
