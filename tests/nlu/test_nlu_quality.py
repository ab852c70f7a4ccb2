"""Regression guard: the trained model still understands unseen Japanese messages.

Scores tests/data/nlu_heldout.yml, which is never trained on. The floors are the levels
measured with `make eval` (README), less a small margin for numeric noise; they guard
against regressions and are not a measure of speed.
"""

import pytest

from bot.nlu.evaluation import Parser, load_examples, score
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

MACRO_F1_FLOOR = 0.94
ORDER_ID_F1_FLOOR = 0.98


@pytest.fixture(scope="module")
def parser(trained_model):
    parser = Parser(str(trained_model))
    yield parser
    parser.close()


@pytest.fixture(scope="module")
def heldout_scores(parser):
    return score(load_examples(ROOT / "tests" / "data" / "nlu_heldout.yml"), parser)


def test_heldout_macro_f1_stays_at_the_measured_level(heldout_scores):
    assert heldout_scores.macro_f1 >= MACRO_F1_FLOOR, heldout_scores.confusions


def test_heldout_order_numbers_are_found(heldout_scores):
    assert heldout_scores.entity_f1["order_id"] >= ORDER_ID_F1_FLOOR
    assert heldout_scores.entity_f1["email"] >= ORDER_ID_F1_FLOOR
    assert heldout_scores.entity_f1["phone"] >= ORDER_ID_F1_FLOOR


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Ａ－１００２３４ キャンセルできますか", "order_id", "A-100234"),
        ("注文番号は＃１００１です", "order_id", "1001"),
        ("b2045678の件です", "order_id", "B-2045678"),
        ("メールはＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰです", "email", "taro@example.jp"),
        ("電話は０９０ー１２３４ー５６７８", "phone", "09012345678"),
    ],
)
def test_the_value_that_reaches_actions_is_canonical(parser, text, entity, value):
    entities = parser.parse(text)["entities"]
    assert [(e["entity"], e["value"]) for e in entities] == [(entity, value)]


def test_faq_answers_are_chosen_at_sub_intent_level(parser):
    prediction = parser.predict("送料はいくらですか？")
    assert prediction.label == "faq/shipping_fee"
