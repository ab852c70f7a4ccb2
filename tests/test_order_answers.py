"""bot.order_answers: the words of the order actions, from an order and a decision."""

from __future__ import annotations

import datetime as dt

from bot import order_answers, policy
from bot.settings import load_settings

SHOP = load_settings()
NOW = dt.datetime(2026, 11, 24, 14, 0, tzinfo=SHOP.timezone)


def order(status="preparing", method="credit_card", paid="paid", **extra):
    return {
        "order_id": "A-100234",
        "status": status,
        "items": [
            {"sku": "TS-01-M", "name": "オーガニックTシャツ M", "quantity": 1, "price": 3980}
        ],
        "payment": {"method": method, "status": paid, "paid_at": None},
        "shipment": None,
        "delay": None,
        **extra,
    }


def test_a_cancel_question_names_the_order_the_refund_and_asks_yes_or_no():
    o = order()
    text = order_answers.cancel_question(o, policy.can_cancel(o, SHOP.rules), SHOP, NOW)
    assert "オーガニックTシャツ M ×1" in text
    assert "12月8日(火)ごろ" in text  # card: 14 days
    assert text.endswith("ご注文 A-100234 をキャンセルしてよろしいですか？")


def test_cancel_buttons_offer_the_other_cancellable_orders():
    buttons = order_answers.cancel_buttons([order(order_id="A-100300")])
    assert [b["payload"] for b in buttons] == [
        "/affirm",
        "/deny",
        '/cancel_order{"order_id": "A-100300"}',
    ]
    assert "A-100300" in buttons[2]["title"]


def test_a_refused_cancel_of_a_parcel_on_its_way_gives_the_return_path():
    o = order("shipped")
    text = order_answers.cancel_refused(o, policy.can_cancel(o, SHOP.rules), SHOP)
    assert "キャンセルを承ることができません" in text and "8日以内" in text and "返品" in text


def test_a_shipped_parcels_delivery_change_links_the_carriers_page():
    o = order("shipped", shipment={"carrier": "sagawa", "tracking_number": "1234-5678-9012"})
    text = order_answers.delivery_refused(o, policy.can_change_delivery(o, SHOP.rules), SHOP)
    assert "佐川急便" in text and "okurijoNo=123456789012" in text


def test_a_return_for_the_customers_reason_says_who_pays_and_until_when():
    o = order("delivered", shipment={"delivered_at": "2026-11-20T12:00:00+09:00"})
    decision = policy.can_return(o, SHOP.rules, NOW, fault=policy.Fault.CUSTOMER)
    text = order_answers.return_accepted(o, decision, SHOP)
    assert "11月28日(土)まで" in text and "返送料はお客様のご負担" in text
    assert "申し訳ございません" not in text  # not the shop's fault: no apology


def test_a_return_for_the_shops_fault_apologises_and_the_shop_pays():
    o = order("delivered", shipment={"delivered_at": "2026-11-20T12:00:00+09:00"})
    decision = policy.can_return(o, SHOP.rules, NOW, fault=policy.Fault.SHOP)
    text = order_answers.return_accepted(o, decision, SHOP)
    assert "申し訳ございません" in text and "返送料は当店が負担" in text
