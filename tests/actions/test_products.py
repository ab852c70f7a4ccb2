"""action_answer_product on a tracker: answers from the catalogue, remembers the product,
offers a person when the catalogue cannot answer, and never needs or shows an order."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionAnswerOrder
from actions.products import ActionAnswerProduct, answer_product
from bot import db, demo, importer
from bot.handoff import Handoff
from bot.product_import import PRODUCTS
from tests.actions.conftest import DEMO, facts, make_tracker, run, slot_events, texts
from tests.conftest import ROOT

SMOKE = ROOT.parent / "shared" / "contract_smoke" / "products.json"
SMOKE_TOTE = {
    "sku": "SMP-TOTE-02", "name": "見本トートバッグ 生成り", "category": "bags", "price": 2980,
    "material": "綿100%（キャンバス 10号）", "care": "手洗い可・漂白剤不可",
    "sizes": [{"size": "F", "measurements": {"縦": 38, "横": 42, "マチ": 12}}],
    "stock": 5, "restock_date": None, "warranty_months": None,
}  # fmt: skip


@pytest.fixture(autouse=True)
def catalogue(demo_db):
    """The demo catalogue (dated as the demo orders) and the contract's sample tote."""
    records = [*demo.demo_products(demo.WRITTEN_FOR), SMOKE_TOTE]
    with db.session_scope(demo_db) as session:
        report = importer.import_records(session, records, source="test", kind=PRODUCTS)
    assert report.rejected == 0, report.errors


def ask(domain, text: str, intent: str = "product_question", **slots):
    tracker = make_tracker(slots, text, intent)
    return run(ActionAnswerProduct(), tracker, domain)


def handoffs(demo_db) -> int:
    with db.session_scope(demo_db) as session:
        return session.query(Handoff).count()


def test_answers_the_material_from_the_catalogue_and_remembers_the_product(domain, demo_db):
    before = handoffs(demo_db)
    events, messages = ask(domain, "オーガニックコットンTシャツ 白の素材は何ですか？")
    assert "綿100%（オーガニックコットン）" in texts(messages)
    assert slot_events(events) == {"product_sku": "TS-01"}
    assert handoffs(demo_db) == before  # no person, no verification


def test_the_remembered_product_answers_the_next_question(domain):
    events, messages = ask(domain, "在庫はありますか？", product_sku="TS-01")
    said = texts(messages)
    assert "オーガニックコットンTシャツ（TS-01）" in said
    assert "Mサイズは在庫がございます（残りわずか）" in said
    assert "Lサイズは売り切れです" in said
    assert "12月10日ごろ入荷予定です（予定のため前後する場合がございます）" in said
    assert slot_events(events) == {"product_sku": "TS-01"}


def test_a_new_product_in_the_message_wins_over_the_remembered_one(domain):
    events, messages = ask(domain, "KN-95-F の洗濯方法は？", product_sku="TS-01")
    assert "おしゃれ着用洗剤" in texts(messages)
    assert slot_events(events)["product_sku"] == "KN-95"


def test_measurements_per_size(domain):
    _, messages = ask(domain, "リネンシャツ 生成りのMサイズの着丈と身幅は？")
    said = texts(messages)
    assert "・M：着丈75cm／身幅57cm" in said and "・S：" not in said


def test_several_candidates_ask_which(domain):
    events, messages = ask(domain, "トートバッグの素材を教えてください")
    [message] = messages
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["SMP-TOTE-02 の素材について", "TB-30 の素材について"]
    assert [b["title"] for b in message["buttons"]] == [
        "見本トートバッグ（SMP-TOTE-02・生成り）",
        "帆布トートバッグ（TB-30・生成り）",
    ]
    assert "product_sku" not in slot_events(events)
    # the click answers at once
    _, chosen = ask(domain, payloads[0])
    assert "綿100%（キャンバス 10号）" in texts(chosen)


def test_an_unknown_product_offers_a_person(domain):
    events, messages = ask(domain, "パーカーの素材は？")
    assert "見つけられませんでした" in texts(messages)
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/human_handoff", "/deny"]
    assert slot_events(events) == {"human_offer": "product_question"}


def test_an_unknown_product_number_is_not_the_remembered_product(domain):
    events, messages = ask(domain, "ZZ-99 の在庫は？", product_sku="TS-01")
    assert "見つけられませんでした" in texts(messages)
    assert "オーガニックコットンTシャツ" not in texts(messages)
    assert slot_events(events) == {"human_offer": "product_question"}


def test_what_the_catalogue_does_not_say_offers_a_person(domain):
    events, messages = ask(domain, "ソイキャンドル 柚子のお手入れ方法は？")
    assert "お手入れ方法については、あいにく商品情報に記載がございません" in texts(messages)
    assert slot_events(events) == {"product_sku": "CD-90", "human_offer": "product_question"}


def test_the_order_actions_can_answer_a_product_number_given_as_inform(domain):
    tracker = make_tracker({}, "商品番号は SMP-TOTE-02 です。", "inform")
    dispatcher = CollectingDispatcher()
    events = answer_product(dispatcher, tracker)
    said = texts(dispatcher.messages)
    assert "綿100%（キャンバス 10号）" in said and "2,980円" in said
    assert slot_events(events) == {"product_sku": "SMP-TOTE-02"}


def test_an_order_number_in_a_product_question_shows_nothing_of_the_order(domain):
    order = next(o for o in DEMO.values() if o["items"][0]["sku"].startswith("TS-01"))
    text = f"注文 {order['order_id']} のTシャツ 白の在庫は？"
    _, messages = ask(domain, text)
    said = texts(messages)
    assert "在庫" in said
    leaked = {fact for fact in facts(order) if fact in said}
    assert not leaked - {"オーガニックコットンTシャツ 白"}, leaked  # the catalogue's own name


def test_a_product_number_read_as_inform_is_answered_without_a_check(domain):
    tracker = make_tracker({"product_sku": None}, "商品番号は SMP-TOTE-02 です。", "inform")
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    said = texts(messages)
    assert "見本トートバッグ" in said and "verify_form" not in str(events)
    order_tracker = make_tracker({}, "A-100234です", "inform", entities={"order_id": "A-100234"})
    events, _ = run(ActionAnswerOrder(), order_tracker, domain)
    assert any(e.get("name") == "verify_form" for e in events)  # an order number: the check
