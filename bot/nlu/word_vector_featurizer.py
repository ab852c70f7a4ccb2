"""Rasa 3 graph component: dense features from the ``ja_ginza`` word vectors.

Modelled on Rasa's ``SpacyFeaturizer``, without spaCy: every token of our own
tokenizer is looked up in the vectors table that ``ja_ginza`` ships
(``bot.nlu.word_vectors``), by its written form and then by its dictionary form, so
that 縮みます and 縮む, 返品 and へんぴん-typed-as-返品 land near each other and near words
the training data never had (洗濯機 and 洗う, 在庫 and 品切れ). The sentence vector is
the mean of the token vectors, scaled to a fixed length so that it weighs alike in
short and long messages next to the count features.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.japanese import normalize_for_features
from bot.nlu.word_vectors import PACKAGE, WordVectors, load_vectors

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class WordVectorFeaturizer(DenseFeaturizer, GraphComponent):
    """Token and sentence vectors from a spaCy model package's vectors table."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[str]:
        return [PACKAGE, "msgpack"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "package": PACKAGE,
            # length of the sentence vector; 0 keeps the plain mean
            "sentence_norm": 1.0,
        }

    def __init__(self, config: Dict[str, Any], name: str, vectors: WordVectors) -> None:
        super().__init__(name, config)
        self._vectors = vectors

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WordVectorFeaturizer:
        config = {**cls.get_default_config(), **config}
        return cls(config, execution_context.node_name, load_vectors(config["package"]))

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if config.get("sentence_norm", 1.0) < 0:
            raise ValueError("WordVectorFeaturizer needs sentence_norm >= 0")

    def _token_vector(self, token) -> np.ndarray | None:
        for word in (token.text, normalize_for_features(token.text), token.lemma):
            if word:
                vector = self._vectors.vector(word)
                if vector is not None:
                    return vector
        return None

    def _featurize(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return
        width = self._vectors.dimensions
        sequence = np.zeros((len(tokens), width), dtype=np.float32)
        for i, token in enumerate(tokens):
            vector = self._token_vector(token)
            if vector is not None:
                sequence[i] = vector
        known = sequence[np.any(sequence != 0, axis=1)]
        sentence = known.mean(axis=0, keepdims=True) if len(known) else np.zeros((1, width))
        norm = float(np.linalg.norm(sentence))
        if self._config["sentence_norm"] and norm > 0:
            sentence = sentence * (self._config["sentence_norm"] / norm)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(
            Features(sentence.astype(np.float32), FEATURE_TYPE_SENTENCE, TEXT, alias)
        )

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
