"""Rasa 3 graph component: Rasa's ``LogisticRegressionClassifier``, better regularised.

Two changes, each measured in 5-fold CV and on the held-out sets (README):

- ``C`` is configurable. Rasa fixes the inverse regularisation strength at scikit-learn's
  default (C = 1); with ~60,000 sparse n-gram columns and 300 dense vector columns over
  ~4,700 sentences a weaker penalty separates the confusable pairs better.
- ``tfidf_features`` names count-vector featurizers (by alias) whose sentence counts are
  re-weighted before the classifier sees them: sublinear term frequency, inverse document
  frequency learnt from the training data, each block scaled to length ``tfidf_scale``.
  Raw counts let long messages and common particles (の, です, ます) outweigh the word that
  decides the label; the ResponseSelector and the other featurizers keep the raw counts.

Class weights stay "balanced" as in Rasa.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack

logger = logging.getLogger(__name__)
IDF_FILE = "idf.json"


def sublinear_tfidf(counts: csr_matrix, idf: np.ndarray, scale: float) -> csr_matrix:
    """Rows of counts as (1 + log tf) * idf, each row scaled to length ``scale``."""
    weighted = csr_matrix(counts, dtype=np.float64, copy=True)
    weighted.data = 1.0 + np.log(np.maximum(weighted.data, 1e-12))
    weighted = weighted.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return csr_matrix(weighted.multiply((scale / norms)[:, None]))


def inverse_document_frequency(counts: csr_matrix) -> np.ndarray:
    """scikit-learn's smoothed idf: ln((1 + n) / (1 + df)) + 1."""
    documents = counts.shape[0]
    frequency = np.bincount(csr_matrix(counts).indices, minlength=counts.shape[1])
    return np.log((1.0 + documents) / (1.0 + frequency)) + 1.0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RegularisedLogisticRegression(LogisticRegressionClassifier):
    """Logistic regression intent classifier with configurable C and TF-IDF weighting."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 1.0,
            "tfidf_features": [],
            "tfidf_scale": 1.0,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self._idf: Dict[str, np.ndarray] = {}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("RegularisedLogisticRegression needs C > 0")
        if float(config.get("tfidf_scale", 1.0)) <= 0:
            raise ValueError("RegularisedLogisticRegression needs tfidf_scale > 0")
        if not isinstance(config.get("tfidf_features", []), list):
            raise ValueError("RegularisedLogisticRegression: tfidf_features must be a list")

    def _weighted(self) -> List[str]:
        return list(self.config["tfidf_features"])

    def _counts(self, messages: List[Message], origin: str) -> csr_matrix:
        """One row per message: the sentence counts of the featurizer ``origin``."""
        rows = [message.get_sparse_features(TEXT, [origin])[1] for message in messages]
        if origin in self._idf:
            width = len(self._idf[origin])
        else:
            width = next((row.features.shape[1] for row in rows if row is not None), 0)
        return vstack(
            [csr_matrix(row.features) if row else csr_matrix((1, width)) for row in rows]
        ).tocsr()

    def _unweighted(self, message: Message) -> csr_matrix:
        """The other sparse sentence features and the dense ones, as Rasa joins them."""
        others = sorted(
            {f.origin for f in message.features if f.attribute == TEXT and f.is_sparse()}
            - set(self._weighted())
        )
        rest = message.get_sparse_features(TEXT, others)[1] if others else None
        dense = message.get_dense_features(TEXT)[1]
        return hstack(
            [csr_matrix(rest.features if rest else []), csr_matrix(dense.features if dense else [])]
        )

    def _create_X(self, messages: List[Message]) -> csr_matrix:  # noqa: N802 (Rasa's name)
        if not self._weighted():
            return super()._create_X(messages)
        scale = self.config["tfidf_scale"]
        columns = [
            sublinear_tfidf(self._counts(messages, origin), self._idf[origin], scale)
            for origin in self._weighted()
        ]
        columns.append(vstack([self._unweighted(message) for message in messages]).tocsr())
        return hstack(columns).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        # the weights are learnt here, from the sentences the classifier is trained on
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        self._idf = {}
        if examples:
            self._idf = {
                origin: inverse_document_frequency(self._counts(examples, origin))
                for origin in self._weighted()
            }
        resource = super().train(training_data)
        if self._idf:
            with self._model_storage.write_to(self._resource) as model_dir:
                saved = {origin: idf.tolist() for origin, idf in self._idf.items()}
                (model_dir / IDF_FILE).write_text(json.dumps(saved), encoding="utf-8")
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RegularisedLogisticRegression:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        if component._weighted():
            try:
                with model_storage.read_from(resource) as model_dir:
                    saved = json.loads((model_dir / IDF_FILE).read_text(encoding="utf-8"))
            except (ValueError, FileNotFoundError):
                logger.warning("No TF-IDF weights in the model: the classifier is untrained.")
                return cls.create(config, model_storage, resource, execution_context)
            component._idf = {origin: np.asarray(idf) for origin, idf in saved.items()}
        return component
