"""action_answer_order for a verified customer: the facts, follow-ups, other orders."""

from __future__ import annotations

import json

from sqlalchemy.exc import OperationalError

import actions.common
import actions.orders
from actions.orders import ActionAnswerOrder
from tests.actions.conftest import (
    DEMO,
    facts,
    followups,
    make_tracker,
    prove,
    run,
    slot_events,
    texts,
)

TARO = "email:taro.yamada@example.jp"  # D-200001, D-200007, D-200014
TARO_PHONE = "phone:09000001001"
PROVEN = "test-proven"  # the conversation in which verified() proves an order


def verified(order_id: str, contact: str = TARO) -> dict:
    """The slots of conversation PROVEN after a real verification of ``order_id``."""
    return prove(order_id, contact, PROVEN)


def answer(domain, slots, text="配送状況を教えて", intent="order_status", **entities):
    tracker = make_tracker(slots, text, intent, entities=entities, sender_id=PROVEN)
    return run(ActionAnswerOrder(), tracker, domain)


def test_whole_dialogue_from_question_to_answer(dialogue):
    talk = dialogue()
    talk.user("注文した商品がまだ届きません", "order_status")
    assert "ご注文番号" in talk.text
    talk.user("ｄ２００００７です", order_id="ｄ２００００７")
    assert "メールアドレスまたは電話番号" in talk.text
    assert "3601-2345-6787" not in texts(talk.messages)
    talk.user("taro.yamada@example.jp", email="taro.yamada@example.jp")
    assert talk.slots["verification"] == "verified"
    assert talk.actions == ["validate_verify_form", "action_answer_order"]
    assert "ご注文 D-200007" in talk.text
    assert "3601-2345-6787" in talk.text


def test_verified_answer_contains_the_facts(domain):
    events, messages = answer(domain, verified("D-200007"))
    assert followups(events) == []
    said = messages[0]["text"]
    assert "ご注文 D-200007（11月18日(水)ご注文）" in said
    assert "【発送済み】" in said
    assert "お問い合わせ伝票番号：3601-2345-6787（佐川急便）" in said
    assert "okurijoNo=360123456787" in said
    assert "悪天候による配送遅延のため、お届けが遅れております" in said
    assert "新しいお届け予定日は11月25日(水)です" in said
    assert "SORRY500" in said
    assert "ステンレスボトル 350ml 森 ×1" in said
    assert "ソイキャンドル 柚子 ×1" in said
    for bad in ("None", "null", "{"):
        assert bad not in said


def test_verified_answer_for_each_demo_order(domain):
    for order_id, order in DEMO.items():
        contact = f"email:{order['customer']['email']}"
        _, messages = answer(domain, verified(order_id, contact))
        said = messages[0]["text"]
        assert f"ご注文 {order_id}" in said, order_id
        for item in order["items"]:
            assert item["name"] in said
        for bad in ("None", "null", "{"):
            assert bad not in said, (order_id, said)


def test_tracking_number_follow_up(domain):
    _, messages = answer(domain, verified("D-200007"), "送り状番号は？")
    assert len(messages) == 1
    said = messages[0]["text"]
    assert "ご注文 D-200007 のお問い合わせ伝票番号は 3601-2345-6787（佐川急便）です" in said
    assert "okurijoNo=360123456787" in said
    assert "ステンレスボトル" not in said  # the short answer, not the whole status


def test_tracking_number_follow_up_before_shipping(domain):
    _, messages = answer(domain, verified("D-200014"), "追跡番号を教えて")
    assert "まだ発送前" in messages[0]["text"]


def test_other_orders_follow_up_lists_only_this_customers_orders(domain):
    _, messages = answer(domain, verified("D-200007"), "他の注文は？")
    assert len(messages) == 1
    assert "ほかに2件" in messages[0]["text"]
    buttons = messages[0]["buttons"]
    payloads = [b["payload"] for b in buttons]
    assert payloads == [
        '/order_status{"order_id": "D-200014"}',  # newest first
        '/order_status{"order_id": "D-200001"}',
    ]
    for payload in payloads:  # Rasa parses the JSON after the intent name
        assert json.loads(payload.removeprefix("/order_status"))["order_id"].startswith("D-")
    assert buttons[0]["title"] == "D-200014（11月23日(月)・お支払い待ち）"
    assert buttons[1]["title"] == "D-200001（11月15日(日)・お届け済み）"
    said = texts(messages)
    assert "D-200002" not in said and "D-200008" not in said  # 佐藤 花子's orders


def test_other_orders_by_phone(domain):
    _, messages = answer(domain, verified("D-200001", TARO_PHONE), "ほかの注文もある？")
    assert {b["payload"] for b in messages[0]["buttons"]} == {
        '/order_status{"order_id": "D-200007"}',
        '/order_status{"order_id": "D-200014"}',
    }


def test_a_single_order_customer_has_no_other_orders(domain):
    contact = "email:daisuke.watanabe@example.jp"
    _, messages = answer(domain, verified("D-200009", contact), "他の注文は？")
    assert "ご注文 D-200009 の1件のみ" in messages[0]["text"]
    assert messages[0]["buttons"] == []


def test_the_status_answer_offers_the_other_orders_as_buttons(domain):
    _, messages = answer(domain, verified("D-200001"))
    assert len(messages) == 2
    assert len(messages[1]["buttons"]) == 2


def test_clicking_another_order_of_the_same_customer_answers_it(domain):
    slots = {**verified("D-200001"), "order_id": "D-200014"}  # the button filled order_id
    events, messages = answer(domain, slots, '/order_status{"order_id": "D-200014"}')
    assert followups(events) == []
    assert "ご注文 D-200014" in messages[0]["text"]
    assert "振込先" in messages[0]["text"]


def test_another_customers_order_asks_to_verify_again_and_tells_nothing(domain):
    slots = {**verified("D-200001"), "order_id": "D-200002"}  # 佐藤 花子's order
    events, messages = answer(domain, slots, "D-200002の状況は？", order_id="D-200002")
    assert followups(events) == ["verify_form"]
    changed = slot_events(events)
    assert changed["verification"] is None
    assert changed["contact"] is None
    said = texts(messages)
    assert "ご本人確認をお願いいたします" in said
    assert not any(fact in said for fact in facts(DEMO["D-200002"]))
    assert "お届け済み" not in said
    # an order that does not exist reads the same
    slots = {**verified("D-200001"), "order_id": "D-299999"}
    unknown_events, unknown = answer(domain, slots, "D-299999の状況は？", order_id="D-299999")
    assert texts(unknown).replace("D-299999", "D-200002") == said
    assert unknown_events == events


def test_then_verifying_the_other_order_with_its_own_email_answers_it(dialogue):
    talk = dialogue(sender_id=PROVEN, **verified("D-200001"))
    talk.user("D-200002の状況は？", "order_status", order_id="D-200002")
    assert talk.active_loop == "verify_form"
    assert talk.slots["requested_slot"] == "contact"
    assert "3601-2345-6781" not in texts(talk.messages)
    talk.user("taro.yamada@example.jp", email="taro.yamada@example.jp")  # not hers
    assert "ご注文を確認できませんでした" in talk.text
    assert "3601-2345-6781" not in texts(talk.messages)
    talk.user("D-200002", order_id="D-200002")
    talk.user("hanako.sato@example.com", email="hanako.sato@example.com")
    assert talk.slots["verification"] == "verified"
    assert "3601-2345-6781" in talk.text


def test_an_order_action_is_acknowledged_then_follows_the_rules(domain):
    events, messages = answer(
        domain, verified("D-200007"), "D-200007をキャンセルしたい", "cancel_order",
        order_id="D-200007",
    )  # fmt: skip
    assert slot_events(events)["topic"] == "cancel_order"
    assert messages[0]["text"] == "ご注文のキャンセルについてですね。承知しました。"
    assert "ご注文 D-200007 はすでに【発送済み】のため" in messages[1]["text"]
    assert "pending_action" not in {k for k, v in slot_events(events).items() if v}


def test_with_several_orders_only_the_cancellable_others_are_offered(domain):
    _, messages = answer(domain, verified("D-200014"), "キャンセルしたい", "cancel_order")
    question = messages[-1]
    assert "ご注文 D-200014 をキャンセルしてよろしいですか" in question["text"]
    payloads = [b["payload"] for b in question["buttons"]]
    assert payloads == ["/affirm", "/deny"]  # taro's other orders are past cancelling
    _, messages = answer(domain, verified("D-200014"), "他の注文をキャンセルしたい", "cancel_order")
    assert "ボタンからお選びください" in messages[-1]["text"]
    assert "D-200014" not in str(messages[-1]["buttons"])


def test_payment_question_mentions_the_payment(domain):
    _, messages = answer(domain, verified("D-200007"), "支払いできてますか", "payment_status")
    assert "お支払い（コンビニ払い）は11月19日(木)に確認済みです" in messages[0]["text"]


def test_topic_is_remembered_for_the_answer_after_the_form(domain):
    slots = {**verified("D-200007"), "topic": "payment_status"}
    events, messages = answer(domain, slots, "taro.yamada@example.jp", "inform")
    assert slot_events(events)["topic"] == "payment_status"
    assert "確認済みです" in messages[0]["text"]


def test_a_database_failure_is_apologised_for(domain, monkeypatch):
    def broken():
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    actions.common.services()  # built before the database breaks
    monkeypatch.setattr(actions.orders, "session", broken)
    _, messages = answer(domain, verified("D-200007"))
    assert "システムの不具合" in messages[-1]["text"]
    assert "3601-2345-6787" not in texts(messages)


def test_verified_without_an_order_number_answers_the_proven_order(domain):
    slots = {**verified("D-200001"), "order_id": None}
    events, messages = answer(domain, slots)
    assert followups(events) == []
    assert "ご注文 D-200001" in messages[0]["text"]
    assert "None" not in texts(messages)


def test_forged_slots_without_a_proof_tell_nothing(domain):
    # a tracker that claims verification (as a forged call to the action server would)
    for slots in (
        {"verification": "verified", "order_id": "D-200007"},
        {"verification": "verified", "verification_id": "guess", "order_id": "D-200007"},
        {**verified("D-200007"), "verification_id": 12345},
    ):
        events, messages = answer(domain, slots)
        assert followups(events) == ["verify_form"]
        assert not any(fact in texts(messages) for fact in facts(DEMO["D-200007"]))


def test_a_proof_from_another_conversation_tells_nothing(domain):
    slots = verified("D-200007")
    tracker = make_tracker(slots, "配送状況を教えて", "order_status", sender_id="someone-else")
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    assert followups(events) == ["verify_form"]
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200007"]))
