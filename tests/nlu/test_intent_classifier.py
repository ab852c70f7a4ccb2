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


def test_the_tfidf_weighting_is_scikit_learns_sublinear_tfidf_scaled():
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    from bot.nlu.intent_classifier import inverse_document_frequency, sublinear_tfidf

    counts = csr_matrix([[2, 0, 1, 0], [0, 0, 3, 1], [1, 1, 0, 0], [0, 0, 0, 0]])
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray() * 3.0
    got = sublinear_tfidf(counts, inverse_document_frequency(counts), 3.0).toarray()
    assert got == pytest.approx(expected)
    assert got[3].tolist() == [0.0, 0.0, 0.0, 0.0]  # an empty message stays empty


def test_tfidf_options_are_checked():
    with pytest.raises(ValueError, match="tfidf_scale > 0"):
        RegularisedLogisticRegression.validate_config({"tfidf_scale": 0})
    with pytest.raises(ValueError, match="must be a list"):
        RegularisedLogisticRegression.validate_config({"tfidf_features": "lemma_ngrams"})


def test_the_classifier_learns_and_keeps_the_weights_of_the_named_blocks(tmp_path):
    import numpy as np
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from scipy.sparse import coo_matrix

    def message(text, intent, counts, dense):
        m = Message(data={"text": text, "intent": intent})
        m.add_features(Features(coo_matrix([counts]), "sentence", "text", "words"))
        m.add_features(Features(np.array([dense], dtype=float), "sentence", "text", "vectors"))
        return m

    data = TrainingData(
        [
            message("a", "yes", [3, 0, 1], [1.0, 0.0]),
            message("b", "yes", [1, 0, 1], [0.9, 0.1]),
            message("c", "no", [0, 2, 1], [0.0, 1.0]),
            message("d", "no", [0, 1, 1], [0.1, 0.9]),
        ]
    )
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent")
    context = ExecutionContext(GraphSchema({}), "intent")
    config = {
        **RegularisedLogisticRegression.get_default_config(),
        "C": 10,
        "tfidf_features": ["words"],
        "tfidf_scale": 3.0,
    }
    trained = RegularisedLogisticRegression.create(config, storage, resource, context)
    trained.train(data)
    loaded = RegularisedLogisticRegression.load(config, storage, resource, context)
    assert loaded._idf["words"].tolist() == pytest.approx(trained._idf["words"].tolist())
    test = [message("e", None, [2, 0, 1], [0.8, 0.2]), message("f", None, [0, 3, 0], [0.2, 0.8])]
    matrix = loaded._create_X(test)
    assert matrix.shape == (2, 5)  # 3 weighted count columns + 2 dense ones
    assert np.linalg.norm(matrix.toarray()[0, :3]) == pytest.approx(3.0)
    assert [m.get("intent")["name"] for m in loaded.process(test)] == ["yes", "no"]
