"""The evaluation's arithmetic and file handling, on hand-made predictions."""

import pytest

from bot.nlu.evaluation import (
    Example,
    Prediction,
    entity_f1,
    load_examples,
    prediction_of,
    scores_of,
    write_nlu_file,
)


def _prediction(label, raw=None, entities=()):
    return Prediction(label, 0.9, raw or label, tuple(entities))


def test_macro_f1_confusions_and_fallback_rate():
    examples = [Example("a", "greet"), Example("b", "greet"), Example("c", "thanks")]
    predictions = [
        _prediction("greet"),
        _prediction("nlu_fallback", raw="greet"),
        _prediction("thanks"),
    ]
    scores = scores_of(examples, predictions, [1.0, 2.0, 3.0])
    # greet: P=1, R=0.5 -> F1 2/3; thanks: F1 1
    assert scores.macro_f1 == pytest.approx((2 / 3 + 1) / 2)
    assert scores.raw_macro_f1 == pytest.approx(1.0)
    assert scores.accuracy == pytest.approx(2 / 3)
    assert scores.fallback_rate == pytest.approx(1 / 3)
    assert scores.confusions == [("greet", "nlu_fallback", 1)]
    assert scores.errors == [("b", "greet", "nlu_fallback")]
    assert scores.latency_ms["p50"] == 2.0


def test_entity_f1_needs_exact_span_and_type():
    examples = [
        Example("A-100234です", "inform", ((0, 8, "order_id"),)),
        Example("090-1234-5678", "inform", ((0, 13, "phone"),)),
    ]
    predictions = [
        _prediction("inform", entities=[(0, 8, "order_id")]),
        _prediction("inform", entities=[(0, 12, "phone")]),  # one character short
    ]
    f1 = entity_f1(examples, predictions)
    assert f1["order_id"] == 1.0
    assert f1["phone"] == 0.0
    assert "email" not in f1  # neither annotated nor predicted


def test_faq_is_scored_at_sub_intent_level_and_raw_label_skips_the_fallback():
    result = {
        "intent": {"name": "nlu_fallback", "confidence": 0.2},
        "intent_ranking": [{"name": "nlu_fallback"}, {"name": "faq"}, {"name": "greet"}],
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/shipping_fee"}},
        },
        "entities": [],
    }
    prediction = prediction_of(result)
    assert prediction.label == "nlu_fallback"
    assert prediction.raw_label == "faq/shipping_fee"


def test_written_fold_files_load_back_with_their_entities(tmp_path):
    examples = [
        Example("注文番号はＡ－１００２３４です", "inform", ((5, 13, "order_id"),)),
        Example("送料はいくら？", "faq/shipping_fee"),
    ]
    regexes = [{"name": "order_id", "pattern": "[A-Z]-\\d+"}]
    path = write_nlu_file(examples, regexes, tmp_path / "nlu.yml")
    assert load_examples(path) == examples
