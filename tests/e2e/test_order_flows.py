"""End to end: the order flows (cancel, change, return, refund, problem, repair) over REST.

Real action server, Rasa server and trained model on the e2e SQLite database. The module
adds its own orders (F-3000xx), each made for one case and dated around SHOP_NOW
(Tuesday 2026-11-24 14:00 JST), then plays each flow as a customer would: the request,
the order number, the e-mail address, the answers to the bot's questions. Every test
checks what the customer reads, what changed in the database, and that nothing of the
order showed before the verification.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot import importer
from tests.conftest import ROOT
from tests.e2e.conftest import Conversation, buttons_of, handoffs, text_of

pytestmark = pytest.mark.slow

PLACED = "2026-11-20T10:00:00+09:00"


def _order(
    number: int,
    status: str,
    *,
    method: str = "credit_card",
    payment: str = "paid",
    shipment: dict | None = None,
    refunded_at: str | None = None,
    item: str = "フローテスト用コットンシャツ M",
    customer: int | None = None,
) -> dict:
    """An order of its own customer: F-3000NN, fNN@flows.example.jp, 080-3000-00NN (or of
    the customer of order ``customer``)."""
    order_id = f"F-3000{number:02d}"
    number, own = (customer or number), number
    paid_at = PLACED if payment in ("paid", "refunded") else None
    return {
        "order_id": order_id,
        "placed_at": PLACED,
        "customer": {
            "name": f"流田 {number}郎",
            "email": f"f{number:02d}@flows.example.jp",
            "phone": f"080-3000-00{number:02d}",
        },
        "payment": {
            "method": method,
            "status": payment,
            "paid_at": paid_at,
            **({"refunded_at": refunded_at} if refunded_at else {}),
        },
        "status": status,
        "items": [{"sku": f"FT-{own:02d}-M", "name": item, "quantity": 1, "price": 4980}],
        "shipping_address": {
            "postal_code": "530-0001",
            "prefecture": "大阪府",
            "city": "大阪市北区",
            "line1": f"梅田流{number}-2-3",
            "line2": None,
        },
        "shipment": shipment,
        "delay": None,
    }


def _shipped(number: int, **extra) -> dict:
    return {
        "carrier": "yamato",
        "tracking_number": f"7{number:03d}-4444-5555",
        "shipped_at": "2026-11-19T15:00:00+09:00",
        "estimated_delivery": "2026-11-20",
        **extra,
    }


def _delivered(number: int, on: str) -> dict:
    """Delivered at noon (JST) on ``on``: the delivery date of returns and warranties."""
    return _shipped(number, delivered_at=f"{on}T12:00:00+09:00", estimated_delivery=on)


ORDERS = {
    o["order_id"]: o
    for o in [
        _order(1, "preparing"),  # cancel, card: refunded at once
        _order(2, "paid", method="bank_transfer"),  # cancel: refund arranged by a person
        _order(3, "preparing"),  # cancel, then いいえ
        _order(4, "ready_to_ship", shipment=_shipped(4)),  # too late to cancel
        _order(5, "preparing"),  # item change with its details
        _order(6, "paid"),  # delivery change, details asked
        _order(7, "shipped", shipment=_shipped(7)),  # on its way: the carrier's page
        _order(8, "delivered", shipment=_delivered(8, "2026-11-20")),  # return, in window
        _order(9, "delivered", shipment=_delivered(9, "2026-11-10")),  # window ended 11-18
        _order(10, "delivered", shipment=_delivered(10, "2026-11-21")),  # damaged item
        _order(
            11,
            "cancelled",
            payment="refunded",
            refunded_at="2026-11-20T10:00:00+09:00",
        ),  # refund made 11-20, card: back around 12-04
        _order(12, "delivered", shipment=_delivered(12, "2026-11-22")),  # crushed box
        _order(13, "delivered", shipment=_delivered(13, "2026-05-10")),  # warranty to 2027-05
        _order(14, "delivered", shipment=_delivered(14, "2025-09-01")),  # warranty ended
        _order(15, "preparing"),  # cancel, one message with everything
        _order(16, "preparing"),  # cancel, then 「やっぱりキャンセルしません」
        _order(17, "preparing"),  # cancel asked, then the customer names their other order
        _order(18, "paid", customer=17, item="フローテスト用リネンパンツ L"),
        _order(19, "payment_pending", method="konbini", payment="pending"),  # nothing paid
        _order(20, "paid", method="paypay"),  # refunded at once, back in 3 days
        _order(21, "preparing"),  # one yes in each of two chats at once
    ]
}


@pytest.fixture(scope="module", autouse=True)
def flow_orders(e2e_env, tmp_path_factory) -> dict:
    """This module's orders, imported into the e2e database before its first test."""
    path = tmp_path_factory.mktemp("flows") / "orders.json"
    path.write_text(json.dumps({"orders": list(ORDERS.values())}, ensure_ascii=False))
    report = importer.import_file(path, url=e2e_env["DATABASE_URL"])
    assert not report.errors, report.errors
    return ORDERS


def email(order_id: str) -> str:
    return ORDERS[order_id]["customer"]["email"]


def facts(order_id: str) -> list[str]:
    """What nobody may read before proving the order: as the acceptance harness lists them."""
    order = ORDERS[order_id]
    found = [
        order["customer"]["name"],
        order["customer"]["email"],
        order["customer"]["phone"],
        order["shipping_address"]["line1"],
        *(item["name"] for item in order["items"]),
    ]
    tracking = (order.get("shipment") or {}).get("tracking_number")
    if tracking:
        found += [tracking, tracking.replace("-", "")]
    return found


def show(database_url: str, order_id: str) -> dict:
    """The order as `python -m bot orders show ID --json` prints it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "orders", "show", order_id, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def history(database_url: str, order_id: str) -> list[dict]:
    from bot import orders
    from bot.db import session_scope

    with session_scope(database_url) as db:
        return orders.status_history(db, order_id)


def tasks_of(database_url: str, chat: Conversation) -> list[dict]:
    return [h for h in handoffs(database_url) if h["conversation_id"] == chat.sender]


def verified_chat(bot_url: str, opening: str, order_id: str) -> tuple[Conversation, str]:
    """Ask ``opening``, give the order number and the e-mail when asked; the last answer.

    Before the e-mail the bot asks only, and tells nothing of the order."""
    chat = Conversation(bot_url)
    first = text_of(chat.say(opening))
    assert "注文番号" in first, first
    second = text_of(chat.say(order_id))
    assert "メールアドレス" in second, second
    assert_nothing_shown(chat, order_id)
    return chat, text_of(chat.say(email(order_id)))


def assert_nothing_shown(chat: Conversation, order_id: str) -> None:
    for _, reply in chat.transcript:
        for fact in facts(order_id):
            assert fact not in reply, f"{fact!r} shown before verification: {reply}"


# --- cancel -----------------------------------------------------------------------------


def test_cancel_a_preparing_card_order_after_yes_exactly_once(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300001"
    chat, question = verified_chat(bot_url, "注文をキャンセルしたいです", order_id)
    assert "キャンセルしてよろしいですか" in question and order_id in question
    assert "クレジットカード" in question and "12月8日" in question  # 11-24 + 14 days
    assert show(url, order_id)["status"] == "preparing"  # nothing before the yes

    done = text_of(chat.say("はい"))
    assert f"ご注文 {order_id} をキャンセルいたしました" in done
    assert "ご返金の手続きをいたしました" in done and "12月8日" in done
    order = show(url, order_id)
    assert order["status"] == "cancelled" and order["payment"]["status"] == "refunded"

    again = text_of(chat.say("はい"))
    assert "キャンセルいたしました" not in again
    order = show(url, order_id)
    assert order["status"] == "cancelled" and order["payment"]["status"] == "refunded"
    assert [h["status"] for h in history(url, order_id)].count("cancelled") == 1
    assert tasks_of(url, chat) == []  # a card refund needs nobody


def test_cancel_offers_yes_and_no_buttons(bot_url, e2e_env):
    chat = Conversation(bot_url)
    chat.say("注文をキャンセルしたい")
    chat.say("F-300015")
    replies = chat.say(email("F-300015"))
    payloads = [b["payload"] for b in buttons_of(replies)]
    assert payloads == ["/affirm", "/deny"]
    assert "キャンセルいたしました" in text_of(chat.say("/affirm"))  # the button, clicked
    assert show(e2e_env["DATABASE_URL"], "F-300015")["status"] == "cancelled"


def test_cancel_a_paid_bank_transfer_queues_the_refund_and_the_bot_goes_on(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300002"
    chat, question = verified_chat(bot_url, "キャンセルをお願いします", order_id)
    assert "担当者がご返金先を確認のうえ手配" in question
    assert tasks_of(url, chat) == []

    done = text_of(chat.say("はい"))
    assert "キャンセルいたしました" in done and "受付番号" in done
    order = show(url, order_id)
    assert order["status"] == "cancelled"
    assert order["payment"]["status"] == "paid"  # a person gives the transfer back
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "cancel_order" and task["verified"] is True
    assert task["order_id"] == order_id and task["status"] == "waiting"
    assert str(task["id"]) in done

    # a task leaves the bot answering
    assert "660円" in text_of(chat.say("送料はいくらですか"))
    chat.say("はい")
    assert len(tasks_of(url, chat)) == 1
    assert [h["status"] for h in history(url, order_id)].count("cancelled") == 1


def test_two_chats_saying_yes_at_once_cancel_the_order_once(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300021"
    chats = [verified_chat(bot_url, "注文をキャンセルしたいです", order_id)[0] for _ in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = [text_of(r) for r in pool.map(lambda chat: chat.say("はい"), chats)]
    assert sum("キャンセルいたしました" in a for a in answers) == 1, answers
    assert sum("すでにキャンセル済み" in a for a in answers) == 1, answers
    order = show(url, order_id)
    assert order["status"] == "cancelled" and order["payment"]["status"] == "refunded"
    assert [h["status"] for h in history(url, order_id)].count("cancelled") == 1


@pytest.mark.parametrize(
    ("order_id", "payment", "says"),
    [
        ("F-300019", "pending", "お支払いは発生しておりません"),
        ("F-300020", "refunded", "11月27日"),  # PayPay: 3 days
    ],
)
def test_cancel_by_payment_method(bot_url, e2e_env, order_id, payment, says):
    url = e2e_env["DATABASE_URL"]
    chat, question = verified_chat(bot_url, "注文をキャンセルしたいです", order_id)
    assert "キャンセルしてよろしいですか" in question
    done = text_of(chat.say("はい"))
    assert "キャンセルいたしました" in done and says in done
    order = show(url, order_id)
    assert order["status"] == "cancelled" and order["payment"]["status"] == payment
    assert tasks_of(url, chat) == []  # nothing for a person to give back


def test_cancel_then_no_keeps_the_order(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300003"
    chat, question = verified_chat(bot_url, "注文を取り消したい", order_id)
    assert "キャンセルしてよろしいですか" in question
    kept = text_of(chat.say("いいえ"))
    assert "キャンセルせず" in kept and order_id in kept
    order = show(url, order_id)
    assert order["status"] == "preparing" and order["payment"]["status"] == "paid"
    # a late はい does not answer a question no longer asked
    assert "キャンセルいたしました" not in text_of(chat.say("はい"))
    assert show(url, order_id)["status"] == "preparing"
    assert "cancelled" not in [h["status"] for h in history(url, order_id)]
    assert tasks_of(url, chat) == []


def test_cancel_then_no_in_words_that_read_as_cancel_keeps_the_order(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300016"
    chat, question = verified_chat(bot_url, "注文をキャンセルしたいです", order_id)
    assert "キャンセルしてよろしいですか" in question
    kept = text_of(chat.say("やっぱりキャンセルしません"))  # the NLU reads cancel_order
    assert "キャンセルせず" in kept and "キャンセルいたしました" not in kept
    assert show(url, order_id)["status"] == "preparing"
    assert "cancelled" not in [h["status"] for h in history(url, order_id)]


def test_naming_another_order_after_the_question_is_no_yes_to_it(bot_url, e2e_env):
    url, asked, other = e2e_env["DATABASE_URL"], "F-300017", "F-300018"
    chat, question = verified_chat(bot_url, "注文をキャンセルしたいです", asked)
    assert f"ご注文 {asked} をキャンセルしてよろしいですか" in question
    second = text_of(chat.say(f"{other} もキャンセルしたい"))
    assert "キャンセルいたしました" not in second
    assert show(url, asked)["status"] == "preparing"
    assert f"ご注文 {other} をキャンセルしてよろしいですか" in second  # same customer's
    done = text_of(chat.say("はい"))
    assert f"ご注文 {other} をキャンセルいたしました" in done
    assert show(url, other)["status"] == "cancelled"
    assert show(url, asked)["status"] == "preparing"


def test_cancel_a_ready_to_ship_order_is_refused_with_the_return_path(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300004"
    chat, answer = verified_chat(bot_url, "注文をキャンセルしたいです", order_id)
    assert "申し訳ございません" in answer and "キャンセルを承ることができません" in answer
    assert "【発送準備完了】" in answer or "発送準備" in answer
    assert "8日以内" in answer and "返品" in answer
    assert "よろしいですか" not in answer and buttons_of(chat.say("はい")) == []
    assert show(url, order_id)["status"] == "ready_to_ship"
    assert tasks_of(url, chat) == []


# --- changes ----------------------------------------------------------------------------


def test_an_item_change_with_its_details_is_queued(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300005"
    chat, answer = verified_chat(bot_url, "サイズをMからLに変えたい", order_id)
    assert "サイズをMからLに変えたい" in answer and "受け付けました" in answer
    assert "受付番号" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "change_order" and task["order_id"] == order_id
    assert task["verified"] is True and "MからL" in task["details"]
    assert show(url, order_id)["status"] == "preparing"  # a person changes it


def test_an_item_change_of_a_shipped_order_is_refused_with_the_exchange_path(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300007"
    chat, answer = verified_chat(bot_url, "色を変更したいです", order_id)
    assert "【発送済み】" in answer and "ご注文内容の変更を承ることができません" in answer
    assert "返品・交換" in answer and "8日以内" in answer
    assert tasks_of(url, chat) == []


def test_a_delivery_change_without_details_asks_then_queues_the_address(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300006"
    chat, asked = verified_chat(bot_url, "お届け先を変更したいです", order_id)
    assert "新しいお届け先のご住所" in asked
    assert tasks_of(url, chat) == []
    address = "東京都世田谷区桜丘5-6-7 にお願いします"
    answer = text_of(chat.say(address))
    assert "受け付けました" in answer and "受付番号" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "change_delivery" and task["order_id"] == order_id
    assert "世田谷区桜丘5-6-7" in task["details"] and task["verified"] is True
    assert "660円" in text_of(chat.say("送料はいくらですか"))
    assert len(tasks_of(url, chat)) == 1


def test_a_plain_no_while_the_details_are_asked_changes_nothing(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300006"
    chat, asked = verified_chat(bot_url, "お届け先を変更したいです", order_id)
    assert "新しいお届け先のご住所" in asked
    answer = text_of(chat.say("やっぱりやめておきます"))
    assert "お手続きは行わず" in answer
    assert tasks_of(url, chat) == []
    assert "660円" in text_of(chat.say("送料はいくらですか"))  # the form is over


def test_a_delivery_change_of_a_shipped_order_gives_the_carriers_page(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300007"
    chat, answer = verified_chat(bot_url, "配達の日時を変更したいです", order_id)
    assert "ヤマト運輸" in answer and "7007-4444-5555" in answer
    assert "jizen.kuronekoyamato.co.jp" in answer and "id=700744445555" in answer
    assert tasks_of(url, chat) == []
    assert show(url, order_id)["status"] == "shipped"


# --- returns ----------------------------------------------------------------------------


def test_a_return_inside_the_window_asks_the_reason_and_the_customer_pays(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300008"
    chat, asked = verified_chat(bot_url, "返品したいです", order_id)
    assert "返品の理由" in asked
    assert tasks_of(url, chat) == []
    answer = text_of(chat.say("サイズが合わなかった"))
    assert "返品を受け付けました" in answer
    assert "返送料はお客様のご負担" in answer and "未使用" in answer
    assert "11月28日" in answer  # delivered 11-20, 8 days included
    assert "申し訳ございません" not in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "return_request" and task["order_id"] == order_id
    assert "サイズが合わなかった" in task["details"] and task["verified"] is True
    # a task does not pause the bot
    assert "660円" in text_of(chat.say("送料はいくらですか"))
    assert len(tasks_of(url, chat)) == 1
    assert show(url, order_id)["status"] == "delivered"


def test_a_late_return_for_the_customers_reason_is_refused_a_person_offered(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300009"
    chat, asked = verified_chat(bot_url, "返品をお願いしたいです", order_id)
    assert "返品の理由" in asked
    replies = chat.say("イメージと違ったので")
    answer = text_of(replies)
    assert "申し訳ございません" in answer and "お受けいたしかねます" in answer
    assert "11月10日" in answer and "11月18日" in answer
    assert "担当者におつなぎしますか" in answer
    assert [b["payload"] for b in buttons_of(replies)] == ["/human_handoff", "/deny"]
    assert tasks_of(url, chat) == []  # only when the customer accepts

    queued = text_of(chat.say("/human_handoff"))  # the はい button
    assert "受付番号" in queued
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "return_request" and task["order_id"] == order_id
    assert task["verified"] is True
    assert "イメージと違ったので" in task["details"]  # the reason reaches the operator


def test_a_late_return_declined_queues_nothing(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300009"
    chat, _asked = verified_chat(bot_url, "返品したい", order_id)
    assert "担当者におつなぎしますか" in text_of(chat.say("サイズが合わなかったです"))
    chat.say("いいえ")
    assert tasks_of(url, chat) == []


def test_a_return_of_a_damaged_item_is_on_the_shop_with_an_apology(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300010"
    chat, asked = verified_chat(bot_url, "返品したいです", order_id)
    assert "返品の理由" in asked
    answer = text_of(chat.say("届いたときから壊れていました"))
    assert answer.index("申し訳ございません") < answer.index("返品を受け付けました")
    assert answer.count("申し訳") == 1  # one apology, not two in a row
    assert "返送料は当店が負担" in answer and "お客様のご負担" not in answer
    assert "受付期限" not in answer  # the window limits the customer's reasons only
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "return_request" and task["priority"] == "high"
    assert "壊れて" in task["details"]


@pytest.mark.parametrize(
    ("order_id", "expected"),
    [("F-300007", "まだお届け前です"), ("F-300011", "返品の対象ではございません")],
)
def test_a_return_that_cannot_be_is_refused_without_asking_the_reason(
    bot_url, e2e_env, order_id, expected
):
    url = e2e_env["DATABASE_URL"]
    chat, answer = verified_chat(bot_url, "返品したいです", order_id)
    assert expected in answer and "返品の理由" not in answer
    assert tasks_of(url, chat) == []


def test_a_damaged_item_is_taken_back_after_the_window_without_a_past_deadline(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300009"  # window ended 11-18
    chat, asked = verified_chat(bot_url, "返品したいです", order_id)
    assert "返品の理由" in asked
    answer = text_of(chat.say("届いたときから壊れていました"))
    assert "返品を受け付けました" in answer and "返送料は当店が負担" in answer
    assert "11月18日" not in answer and "受付期限" not in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "return_request" and task["priority"] == "high"


# --- refunds, problems, repairs -------------------------------------------------------


def test_the_refund_of_a_cancelled_card_order_has_its_date(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300011"
    chat, answer = verified_chat(bot_url, "返金はいつされますか", order_id)
    assert order_id in answer and "手続き済み" in answer
    assert "11月20日" in answer and "12月4日" in answer  # card: 14 days
    assert tasks_of(url, chat) == []
    assert show(url, order_id)["payment"]["status"] == "refunded"


def test_a_crushed_box_is_apologised_for_first_and_queued_high(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300012"
    message = "届いた箱がつぶれていて中身が割れていました"
    chat, answer = verified_chat(bot_url, message, order_id)
    first = chat.transcript[0][1]
    assert first.index("申し訳ございません") < first.index("注文番号")  # apology first
    assert "破損" in answer and "写真" in answer and "受付番号" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "report_problem" and task["priority"] == "high"
    assert task["order_id"] == order_id and task["verified"] is True
    assert "つぶれて" in task["details"]
    assert "660円" in text_of(chat.say("送料はいくらですか"))


def test_a_problem_told_after_verification_is_apologised_for_once(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300012"
    chat, status = verified_chat(bot_url, "注文の状況を教えてください", order_id)
    assert "【お届け済み】" in status
    answer = text_of(chat.say("届いた商品が割れていました"))
    assert answer.count("申し訳") == 1 and answer.index("申し訳") < answer.index("受付番号")
    assert "破損" in answer and "写真" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "report_problem" and task["priority"] == "high"


def test_a_repair_inside_the_warranty_says_so_and_is_queued(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300013"
    chat, answer = verified_chat(bot_url, "故障したので修理をお願いしたいです", order_id)
    assert "2026年5月10日" in answer and "保証期間（12か月・2027年5月10日" in answer
    assert "内です" in answer
    assert "無償" in answer and "修理のご依頼として受け付けました" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "repair_request" and task["order_id"] == order_id
    assert "保証期間内" in task["details"]


def test_a_repair_outside_the_warranty_says_so_and_is_queued(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300014"
    chat, answer = verified_chat(bot_url, "壊れてしまったので修理してほしい", order_id)
    assert "2025年9月1日" in answer and "12か月・2026年9月1日" in answer  # years apart
    assert "過ぎている" in answer and "有償" in answer
    (task,) = tasks_of(url, chat)
    assert task["reason"] == "repair_request" and "保証期間外" in task["details"]


def test_a_repair_of_a_cancelled_order_is_no_repair_and_queues_nothing(bot_url, e2e_env):
    url, order_id = e2e_env["DATABASE_URL"], "F-300011"
    chat, answer = verified_chat(bot_url, "修理をお願いしたいです", order_id)
    assert "【キャンセル済み】" in answer and "対象となる商品がございません" in answer
    assert "お届け前" not in answer and "受付番号" not in answer
    assert tasks_of(url, chat) == []


# --- before verification ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "order_id"),
    [
        ("注文をキャンセルしたいです", "F-300004"),
        ("サイズを変更したいです", "F-300005"),
        ("配達の日時を変更したいです", "F-300007"),
        ("返品したいです", "F-300009"),
        ("返金はいつされますか", "F-300011"),
        ("届いた商品が壊れていました", "F-300012"),
        ("修理をお願いしたいです", "F-300014"),
    ],
)
def test_a_wrong_email_shows_nothing_and_changes_nothing(bot_url, e2e_env, opening, order_id):
    url = e2e_env["DATABASE_URL"]
    before = show(url, order_id)
    chat = Conversation(bot_url)
    chat.say(opening)
    chat.say(order_id)
    failed = text_of(chat.say(f"not-{order_id.lower()}@example.com"))
    assert "確認できませんでした" in failed
    chat.say("はい")
    assert_nothing_shown(chat, order_id)
    assert show(url, order_id) == before
    assert tasks_of(url, chat) == []
