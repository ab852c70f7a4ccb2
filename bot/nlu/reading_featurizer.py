"""Rasa 3 graph component: TF-IDF character n-grams of the sentence's kana reading.

Customers who don't convert type 「にゅうきんかくにんおねがいします」, others slip with the
IME (「変品したい」). Written forms then share no characters with the training data,
but readings do: both 入金確認 and にゅうきんかくにん read ニュウキンカクニン. This
featurizer adds one sentence-level vector of character n-grams over the reading that
unidic gives every word (``bot.nlu.japanese.reading``).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.japanese import reading

logger = logging.getLogger(__name__)
VOCABULARY_FILE = "reading_vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class KanaReadingFeaturizer(SparseFeaturizer, GraphComponent):
    """Sentence features only: TF-IDF of character n-grams of the katakana reading."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            "min_ngram": 2,
            "max_ngram": 3,
            "min_df": 2,
            "max_features": 20000,
        }

    @staticmethod
    def required_packages() -> List[str]:
        return ["fugashi", "unidic_lite", "sklearn"]

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vectorizer: TfidfVectorizer | None = None,
    ) -> None:
        SparseFeaturizer.__init__(self, execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = vectorizer

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if not 1 <= config["min_ngram"] <= config["max_ngram"]:
            raise ValueError("KanaReadingFeaturizer needs 1 <= min_ngram <= max_ngram")

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KanaReadingFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    def _vectorizer_for(self, vocabulary: Dict[str, int] | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char",
            ngram_range=(self._config["min_ngram"], self._config["max_ngram"]),
            min_df=1 if vocabulary else self._config["min_df"],
            max_features=self._config["max_features"],
            sublinear_tf=True,
            lowercase=False,  # readings are katakana; latin was lower-cased by NFKC folding
            vocabulary=vocabulary,
            dtype=np.float32,
        )

    def train(self, training_data: TrainingData) -> Resource:
        readings = [reading(m.get(TEXT)) for m in training_data.training_examples if m.get(TEXT)]
        readings = [r for r in readings if r]
        if not readings:
            logger.warning("No training texts: KanaReadingFeaturizer adds no features.")
            return self._resource
        self._vectorizer = self._vectorizer_for()
        self._vectorizer.fit(readings)
        saved = {
            "vocabulary": {k: int(v) for k, v in self._vectorizer.vocabulary_.items()},
            "idf": self._vectorizer.idf_.tolist(),
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(saved, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KanaReadingFeaturizer:
        featurizer = cls(config, model_storage, resource, execution_context)
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No reading vocabulary in the model: no reading features.")
            return featurizer
        vectorizer = featurizer._vectorizer_for(saved["vocabulary"])
        vectorizer.idf_ = np.asarray(saved["idf"], dtype=np.float32)
        featurizer._vectorizer = vectorizer
        return featurizer

    def _featurize(self, messages: List[Message]) -> None:
        if self._vectorizer is None:
            return
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            vector = self._vectorizer.transform([reading(text)])
            self.add_features_to_message(
                sequence=None,
                sentence=scipy.sparse.coo_matrix(vector),
                attribute=TEXT,
                message=message,
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
