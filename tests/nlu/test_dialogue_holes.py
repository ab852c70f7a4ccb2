"""Messages the dialogue depends on, read as the right intent by the trained model.

Asking for a person in anger, accepting the offer of a person, an order question typed
together with the order number and e-mail or phone, and a follow-up on the delivery
date. The sentences are written for this test and are not in the training data.
"""

import pytest

from bot.nlu.evaluation import Parser, load_examples
from tests.conftest import ROOT
from tests.nlu.test_training_data import _key

pytestmark = pytest.mark.slow

HANDOFF_OR_YES = {"human_handoff", "affirm"}  # the dialogue queues a handoff on either

CASES = [
    # a person, asked for in anger, is a handoff; anger alone stays a complaint
    ("もういいから責任者を出して", {"human_handoff"}),
    ("上司と代わってもらえますか", {"human_handoff"}),
    ("店長を呼んでください", {"human_handoff"}),
    ("オペレーターにつないでほしい", {"human_handoff"}),
    ("もういい、本当に最悪の対応だ", {"complaint"}),
    # typed after 「担当者におつなぎしますか？」
    ("はい、それでお願いします", {"affirm"}),
    ("はい、ぜひお願いします", {"affirm"}),
    ("うん、つないで", HANDOFF_OR_YES),
    ("はい、担当の方につないでください", HANDOFF_OR_YES),
    # an order question with its identifiers is the question, not inform
    ("Ｄ－２００１５５ ０９０－００００－２１５５ キャンセル可能ですか", {"cancel_order"}),
    ("注文番号C-7712のお支払いは確認できましたか", {"payment_status"}),
    ("#1234 まだ届かないです", {"order_status"}),
    ("A-204418 kenji@example.jp 返品させてください", {"return_request"}),
    ("E-300912 080-1234-0091 届く日を変更したいです", {"change_delivery"}),
    ("B-118420 注文した服のサイズを変えたいです", {"change_order"}),
    ("F-661029 返金はもう済みましたか", {"refund_status"}),
    ("G-2250193 hiro@example.com 届いたマグが欠けていました", {"report_problem"}),
    ("H-4409182 使っているうちに動かなくなったので修理をお願いしたい", {"repair_request"}),
    # identifiers with fillers only are inform
    ("D-200155 090-0000-2155です", {"inform"}),
    ("はい、A-204418 と kenji@example.jp です", {"inform"}),
    # a follow-up on this order's delivery date, and the general question
    ("明日中には届きますか", {"order_status", "faq/delivery_time"}),
    ("通常は何日ほどで届きますか", {"faq/delivery_time"}),
    # product questions the product flow answers (one was read as faq/shipping_fee)
    ("この綿のシャツ、洗うと縮みますか", {"product_question"}),
    ("黒のMは在庫ありますか", {"product_question"}),
    ("再入荷の時期はいつ頃ですか", {"product_question"}),
    ("Lの着丈は何cmですか", {"product_question"}),
    ("このブランケットはおうちの洗濯機で洗えますか", {"product_question"}),
    # bare answers to the flows' yes/no questions
    ("はい、お願いいたします", {"affirm"}),
    ("いいえ、やめておきます", {"deny"}),
    # on arrival vs after use
    ("A-300122 届いたお皿が割れていました", {"report_problem"}),
    ("B-220019 一年使ったら壊れたので保証で直してほしい", {"repair_request"}),
]


@pytest.fixture(scope="module")
def parser(trained_model):
    parser = Parser(str(trained_model))
    yield parser
    parser.close()


def test_the_sentences_are_not_trained_on():
    trained = {_key(ex.text) for ex in load_examples(ROOT / "data")}
    assert [text for text, _ in CASES if _key(text) in trained] == []


@pytest.mark.parametrize(("text", "labels"), CASES)
def test_dialogue_hole_is_read_as_the_right_intent(parser, text, labels):
    assert parser.predict(text).label in labels
