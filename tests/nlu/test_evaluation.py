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


def _report_with_a_blind_set():
    from bot.nlu.evaluation import Report

    old = [Example("送料は？", "faq/shipping_fee"), Example("はい", "affirm")]
    wrong = [_prediction("faq/shipping_fee"), _prediction("deny")]
    report = Report(blind={"chat"})
    report.train_seconds["ours"] = 12.0
    report.parse_ms["ours"] = {"p50": 9.0, "p95": 15.0, "max": 20.0}
    report.heldout["chat"] = {"ours": scores_of(old, wrong, [1.0, 2.0])}
    report.heldout["old"] = {"ours": scores_of(old, wrong, [1.0, 2.0])}
    return report


def test_blind_sets_show_scores_but_never_sentences_or_confusions():
    from bot.nlu.evaluation import format_report

    report = _report_with_a_blind_set()
    text = format_report(report)
    assert "held-out chat: macro-F1" in text
    assert "top confusions (old, ours)" in text
    assert "top confusions (chat" not in text
    saved = report.as_dict()["heldout"]
    assert "errors" not in saved["chat"]["ours"] and "confusions" not in saved["chat"]["ours"]
    assert saved["old"]["ours"]["errors"]


def test_a_recorded_peer_is_shown_with_its_date_and_command(tmp_path):
    import json

    from bot.nlu.evaluation import format_report, load_recorded, recorded_figures

    measured = _report_with_a_blind_set()
    measured.train_seconds["ginza"] = 900.0
    measured.parse_ms["ginza"] = {"p50": 30.0, "p95": 40.0, "max": 50.0}
    for by_pipeline in measured.heldout.values():
        by_pipeline["ginza"] = by_pipeline["ours"]
    path = tmp_path / "peer.json"
    saved = recorded_figures(measured, "ginza", "python -m bot eval nlu --peer x.yml", "2026-12-02")
    path.write_text(json.dumps(saved))
    assert "errors" not in json.dumps(saved)

    report = _report_with_a_blind_set()
    report.recorded = load_recorded(path)
    text = format_report(report)
    assert "ginza*" in text
    assert "recorded on 2026-12-02 with `python -m bot eval nlu --peer x.yml`" in text
    assert "900" in text and "30.0" in text


def test_heldout_sentences_also_in_the_training_data_are_scored_apart():
    from bot.nlu.evaluation import sentence_key, with_unseen_share

    examples = [Example("はい！", "affirm"), Example("送料は？", "faq/shipping_fee")]
    predictions = [_prediction("affirm"), _prediction("affirm")]
    scores = scores_of(examples, predictions, [1.0, 1.0])
    scores = with_unseen_share(scores, examples, predictions, {sentence_key("はい")})
    assert scores.in_training == 1
    assert scores.unseen_macro_f1 == 0.0  # the one unseen sentence was wrong
