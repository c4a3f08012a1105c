"""Bench-only Rasa component: the sparse sentence features, copied as dense features.

Rasa's SklearnIntentClassifier (an SVM) reads dense sentence features only, and every dense
featurizer Rasa ships needs a downloaded language model. To compare it with DIET and
LogisticRegressionClassifier *on the same features*, this component copies the sentence
vector the CountVectorsFeaturizers produced into a dense one (no sequence features, so the
memory stays one row per message). Used by ``bench/nlu_compare.py`` only, never in the
project's pipeline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SparseSentenceAsDense(DenseFeaturizer, GraphComponent):
    """Adds the (combined) sparse sentence features of TEXT as a dense float32 vector."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Sparse featurizers must run first."""
        return [SparseFeaturizer]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SparseSentenceAsDense:
        """Creates the component."""
        return cls(execution_context.node_name, {**cls.get_default_config(), **config})

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate."""

    def _add(self, message: Message) -> None:
        _, sentence = message.get_sparse_features(TEXT)
        if sentence is not None:
            dense = np.asarray(sentence.features.todense(), dtype=np.float32)
            self.add_features_to_message(None, dense, TEXT, message)

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes messages at inference."""
        for message in messages:
            self._add(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples."""
        for message in training_data.training_examples:
            self._add(message)
        return training_data
