"""The logistic-regression intent classifier passes its C on to scikit-learn."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema

from bot.nlu.intent_classifier import RegularisedLogisticRegression


def _classifier(**config):
    config = {**RegularisedLogisticRegression.get_default_config(), **config}
    return RegularisedLogisticRegression.create(
        config, None, None, ExecutionContext(GraphSchema({}), "intent")
    )


def test_c_reaches_the_model_and_class_weights_stay_balanced():
    classifier = _classifier(C=10)
    assert classifier.clf.C == 10.0
    assert classifier.clf.class_weight == "balanced"


def test_rasas_default_c_is_kept_when_none_is_given():
    assert _classifier().clf.C == 1.0


def test_a_non_positive_c_is_refused():
    with pytest.raises(ValueError, match="C > 0"):
        RegularisedLogisticRegression.validate_config({"C": 0})
