"""The intent classifier sees each message's features as Rasa's own accessors stack them."""

from __future__ import annotations

import numpy as np
import pytest
from components.logistic_regression_intent import LogisticRegressionIntentClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix


def _message(*features: Features) -> Message:
    message = Message(data={TEXT: "lệ phí đăng ký khai sinh"})
    for feature in features:
        message.add_features(feature)
    return message


def _sparse(columns: list[int], width: int, origin: str, kind: str = FEATURE_TYPE_SENTENCE, attribute: str = TEXT) -> Features:
    rows = 1 if kind == FEATURE_TYPE_SENTENCE else 3
    matrix = coo_matrix(
        (np.arange(1, len(columns) + 1, dtype=float), ([i % rows for i in range(len(columns))], columns)),
        shape=(rows, width),
    )
    return Features(matrix, kind, attribute, origin)


@pytest.mark.parametrize(
    "message",
    [
        _message(_sparse([0, 3], 5, "regex"), _sparse([1, 1, 7], 9, "words"), _sparse([2], 4, "chars")),
        _message(
            _sparse([0, 1, 2], 6, "words", FEATURE_TYPE_SEQUENCE),
            _sparse([4], 6, "words"),
            _sparse([0], 3, "words", attribute=INTENT),
            Features(np.array([[0.0, 0.5, 0.0, -1.5]]), FEATURE_TYPE_SENTENCE, TEXT, "dense"),
            _sparse([], 2, "chars"),
        ),
        _message(Features(np.array([[0.25, 0.0]]), FEATURE_TYPE_SENTENCE, TEXT, "dense")),
    ],
    ids=["three sparse featurizers", "sequence, intent and dense features mixed in", "dense only"],
)
def test_a_message_row_has_the_columns_of_rasas_own_stacking(message: Message) -> None:
    fast = LogisticRegressionIntentClassifier._row(message)
    stacked = LogisticRegressionIntentClassifier._stacked_row(message)
    assert fast.shape == stacked.shape
    assert np.array_equal(fast.toarray(), stacked.toarray())


def test_a_message_without_features_has_no_row() -> None:
    assert LogisticRegressionIntentClassifier._row(_message()) is None
