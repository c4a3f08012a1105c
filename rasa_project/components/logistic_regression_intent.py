"""Rasa's LogisticRegressionClassifier, safe on messages without features, with ``C`` exposed.

Rasa 3.6's classifier stacks each message's sparse and dense sentence features into one
matrix. A message of only emoji or punctuation ("👍", "???") gets no tokens from our
tokenizer, hence no features, and its empty row breaks that stack (``incompatible
dimensions``): at training time for such an example, at run time for such a message, which
would then get no answer at all. Here a message without features becomes a row of zeros
(the classifier then returns its prior, usually below the fallback threshold).

``C`` (inverse regularisation strength, scikit-learn's name) and ``class_weight`` are
configurable; Rasa fixes them at 1.0 and "balanced". ``normalize`` scales each message's feature row to unit length (L2) before the
model sees it, so a long message with many character n-grams does not outweigh a short one
(the usual tf normalisation for linear text classifiers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression on the sentence features; featureless messages are zero rows."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (Rasa's, plus ``C``)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "normalize": False, "class_weight": "balanced"}

    def __init__(self, config: dict[str, Any], name: str, model_storage: Any, resource: Any) -> None:
        """Builds the scikit-learn model as Rasa does, with the configured ``C``."""
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]), class_weight=self.config["class_weight"])

    @staticmethod
    def _row(message: Message) -> csr_matrix | None:
        """The message's sentence features side by side: every sparse one, then every dense one.

        The same row as ``hstack`` of Rasa's ``get_sparse_features`` and
        ``get_dense_features`` (same columns in the same order), built directly from the
        features' entries: Rasa deep-copies and re-stacks each feature matrix first, which
        cost more than the classifier itself on every message."""
        sparse, dense = [], []
        for feature in message.features:
            if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE:
                (sparse if feature.is_sparse() else dense).append(feature.features)
        if not sparse and not dense:
            return None
        columns, values, width = [], [], 0
        for matrix in sparse:
            entries = matrix.tocoo()
            if entries.shape[0] != 1:
                return LogisticRegressionIntentClassifier._stacked_row(message)
            columns.append(entries.col.astype(np.int64) + width)
            values.append(entries.data)
            width += entries.shape[1]
        for matrix in dense:
            array = np.asarray(matrix)
            if array.ndim != 2 or array.shape[0] != 1:
                return LogisticRegressionIntentClassifier._stacked_row(message)
            present = np.flatnonzero(array[0])
            columns.append(present + width)
            values.append(array[0][present])
            width += array.shape[1]
        column_index = np.concatenate(columns)
        return csr_matrix(
            (np.concatenate(values), (np.zeros(len(column_index), dtype=np.int64), column_index)), shape=(1, width)
        )

    @staticmethod
    def _stacked_row(message: Message) -> csr_matrix | None:
        """The row as Rasa's own feature accessors stack it (features of more than one row)."""
        parts = []
        for _, sentence in (message.get_sparse_features(TEXT), message.get_dense_features(TEXT)):
            if sentence is not None:
                parts.append(csr_matrix(sentence.features))
        return hstack(parts, format="csr") if parts else None

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """One row per message; messages without features get zeros of the right width."""
        rows = [self._row(message) for message in messages]
        width = getattr(self.clf, "n_features_in_", None)
        if width is None:
            width = max((row.shape[1] for row in rows if row is not None), default=0)
        rows = [row if row is not None and row.shape[1] == width else csr_matrix((1, width)) for row in rows]
        matrix = rows[0] if len(rows) == 1 else vstack(rows, format="csr")
        return normalize(matrix) if self.config["normalize"] else matrix
