"""The shop's rules, one test per branch of bot/policy.py (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot import policy
from bot.policy import Fault, Problem, Refund
from bot.settings import OrderRules, load_settings

TOKYO = ZoneInfo("Asia/Tokyo")
RULES = OrderRules()
NOW = dt.datetime(2026, 11, 24, 14, 0, tzinfo=TOKYO)


def order(status="preparing", method="credit_card", paid="paid", **shipment):
    return {
        "order_id": "A-100234",
        "status": status,
        "payment": {"method": method, "status": paid, "paid_at": None},
        "shipment": {"carrier": "yamato", "tracking_number": "1234-5678-9012", **shipment}
        if shipment
        else None,
        "delay": None,
    }


def test_the_shipped_shop_yml_has_the_documented_defaults():
    assert load_settings().rules == OrderRules()
    assert RULES.cancel_statuses == {"payment_pending", "paid", "preparing"}
    assert RULES.item_change_statuses == {"payment_pending", "paid", "preparing"}
    assert "shipped" not in RULES.delivery_change_statuses
    assert RULES.return_window_days == 8
    assert RULES.warranty_months == 12


# --- delivery date --------------------------------------------------------------------


def test_delivery_date_prefers_delivered_at_in_tokyo():
    o = order(
        "delivered", delivered_at="2026-11-20T16:30:00+00:00", estimated_delivery="2026-11-19"
    )
    assert policy.delivery_date(o, TOKYO) == dt.date(2026, 11, 21)  # 01:30 the next day in Tokyo


def test_delivery_date_then_the_delays_new_estimate_then_the_estimate():
    o = order("shipped", estimated_delivery="2026-11-25")
    assert policy.delivery_date(o, TOKYO) == dt.date(2026, 11, 25)
    o["delay"] = {"reason": "混雑", "new_estimate": "2026-11-27"}
    assert policy.delivery_date(o, TOKYO) == dt.date(2026, 11, 27)


def test_delivery_date_unknown_without_shipment():
    assert policy.delivery_date(order(), TOKYO) is None


# --- cancel ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["payment_pending", "paid", "preparing"])
def test_cancel_allowed_before_packing(status):
    assert policy.can_cancel(order(status), RULES).allowed


@pytest.mark.parametrize("status", ["ready_to_ship", "shipped", "out_for_delivery", "delivered"])
def test_cancel_refused_from_ready_to_ship_on(status):
    decision = policy.can_cancel(order(status), RULES)
    assert (decision.allowed, decision.why) == (False, "too_late")


def test_cancel_of_a_cancelled_or_returned_order():
    assert policy.can_cancel(order("cancelled"), RULES).why == "already_cancelled"
    assert policy.can_cancel(order("returned"), RULES).why == "returned"


@pytest.mark.parametrize(
    ("method", "paid", "refund"),
    [
        ("credit_card", "paid", Refund.AUTOMATIC),
        ("paypay", "paid", Refund.AUTOMATIC),
        ("bank_transfer", "paid", Refund.BY_OPERATOR),
        ("konbini", "paid", Refund.BY_OPERATOR),
        ("cod", "paid", Refund.BY_OPERATOR),
        ("bank_transfer", "pending", Refund.NONE),
        ("credit_card", "failed", Refund.NONE),
    ],
)
def test_refund_on_cancel_by_method(method, paid, refund):
    assert policy.can_cancel(order("paid", method, paid), RULES).refund is refund


def test_refund_due_counts_the_methods_lead_days():
    day = dt.date(2026, 11, 24)
    assert policy.refund_due(day, "paypay", RULES) == dt.date(2026, 11, 27)
    assert policy.refund_due(day, "credit_card", RULES) == dt.date(2026, 12, 8)
    assert policy.refund_due(day, None, RULES) == dt.date(2026, 12, 8)  # the longest


# --- changes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed", "why"),
    [
        ("payment_pending", True, "allowed"),
        ("preparing", True, "allowed"),
        ("ready_to_ship", False, "too_late"),
        ("delivered", False, "too_late"),
        ("cancelled", False, "closed"),
    ],
)
def test_item_change(status, allowed, why):
    decision = policy.can_change_items(order(status), RULES)
    assert (decision.allowed, decision.why) == (allowed, why)


def test_delivery_change_branches():
    assert policy.can_change_delivery(order("ready_to_ship"), RULES).allowed
    assert policy.can_change_delivery(order("shipped", shipped_at=None), RULES).why == "on_its_way"
    no_number = order("out_for_delivery", shipped_at=None)
    no_number["shipment"]["tracking_number"] = None
    assert policy.can_change_delivery(no_number, RULES).why == "no_tracking"
    assert policy.can_change_delivery(order("delivered"), RULES).why == "delivered"
    assert policy.can_change_delivery(order("returned"), RULES).why == "closed"
    strict = OrderRules(delivery_change_statuses=frozenset({"paid"}))
    assert policy.can_change_delivery(order("preparing"), strict).why == "too_late"


# --- returns --------------------------------------------------------------------------


def delivered(day="2026-11-16"):
    return order("delivered", delivered_at=f"{day}T12:00:00+09:00")


def test_return_inside_the_window_for_the_customers_reason():
    decision = policy.can_return(delivered(), RULES, NOW, fault=Fault.CUSTOMER)
    assert decision.allowed and decision.why == "allowed"
    assert decision.last_day == dt.date(2026, 11, 24)  # the 8th day after is still inside
    assert not decision.shop_pays_shipping and decision.unused_only


def test_return_the_day_after_the_window_is_refused_for_the_customers_reason():
    decision = policy.can_return(delivered("2026-11-15"), RULES, NOW, fault=Fault.CUSTOMER)
    assert (decision.allowed, decision.why) == (False, "outside_window")
    assert decision.last_day == dt.date(2026, 11, 23)


def test_return_for_the_shops_fault_outside_the_window_is_taken_and_paid_by_the_shop():
    decision = policy.can_return(delivered("2026-10-01"), RULES, NOW, fault=Fault.SHOP)
    assert decision.allowed and decision.shop_pays_shipping and not decision.unused_only


def test_return_before_delivery_and_of_closed_orders():
    assert policy.can_return(order("shipped"), RULES, NOW, fault=Fault.CUSTOMER).why == (
        "not_delivered"
    )
    assert policy.can_return(order("returned"), RULES, NOW, fault=Fault.SHOP).why == "closed"


def test_return_of_a_category_the_shop_does_not_take_back():
    rules = OrderRules(not_returnable_categories=frozenset({"food"}))
    refused = policy.can_return(
        delivered(), rules, NOW, fault=Fault.CUSTOMER, categories=frozenset({"food"})
    )
    assert (refused.allowed, refused.why) == (False, "category")
    taken = policy.can_return(
        delivered(), rules, NOW, fault=Fault.SHOP, categories=frozenset({"food"})
    )
    assert taken.allowed


def test_return_without_a_known_delivery_date():
    o = order("delivered")
    assert policy.can_return(o, RULES, NOW, fault=Fault.CUSTOMER).why == "no_date"
    assert policy.can_return(o, RULES, NOW, fault=Fault.SHOP).allowed


def test_shop_may_pay_every_return():
    rules = OrderRules(customer_pays_return_shipping=False)
    assert policy.can_return(delivered(), rules, NOW, fault=Fault.CUSTOMER).shop_pays_shipping


# --- refunds --------------------------------------------------------------------------


def test_refund_state_refunded_with_its_date():
    o = order("cancelled", paid="refunded")
    o["payment"]["refunded_at"] = "2026-11-20T10:00:00+09:00"
    state = policy.refund_state(o, [], RULES, TOKYO)
    assert (state.state, state.since, state.expected) == (
        "refunded",
        dt.date(2026, 11, 20),
        dt.date(2026, 12, 4),
    )


def test_refund_state_pending_from_the_cancel_in_the_history():
    o = order("cancelled", "bank_transfer")
    history = [{"status": "cancelled", "changed_at": "2026-11-22T09:00:00+09:00", "source": "bot"}]
    state = policy.refund_state(o, history, RULES, TOKYO)
    assert (state.state, state.expected) == ("pending", dt.date(2026, 11, 29))


def test_refund_state_not_paid_and_none():
    assert policy.refund_state(order("cancelled", paid="pending"), [], RULES, TOKYO).state == (
        "not_paid"
    )
    assert policy.refund_state(order("preparing"), [], RULES, TOKYO).state == "none"
    assert policy.refund_state(order("returned"), [], RULES, TOKYO).expected is None


# --- warranty -------------------------------------------------------------------------


def test_warranty_inside_and_outside():
    inside = policy.warranty(delivered("2025-12-01"), RULES, NOW)
    assert (inside.inside, inside.until, inside.months) == (True, dt.date(2026, 12, 1), 12)
    outside = policy.warranty(delivered("2025-11-23"), RULES, NOW)
    assert outside.inside is False


def test_warranty_months_from_product_then_category_then_default():
    rules = OrderRules(warranty_by_category={"furniture": 24})
    assert policy.warranty(delivered(), rules, NOW, category="furniture").months == 24
    assert (
        policy.warranty(delivered(), rules, NOW, category="furniture", product_months=6).months == 6
    )
    assert policy.warranty(delivered(), rules, NOW, category="bags").months == 12


def test_warranty_unknown_before_delivery():
    assert policy.warranty(order("shipped"), RULES, NOW).inside is None


def test_add_months_keeps_the_day_or_takes_the_last():
    assert policy.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert policy.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert policy.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


# --- what the customer wrote ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("届いた箱がつぶれていてマグカップが割れていました", Problem.DAMAGED),
        ("注文したのと違う色が届きました", Problem.WRONG),
        ("3個頼んだのに2個しか入っていません", Problem.MISSING),
        ("電源が入らない、初期不良だと思います", Problem.DEFECTIVE),
        ("届いたけどちょっと相談が", None),
    ],
)
def test_problem_kind(text, kind):
    assert policy.problem_kind(text) is kind


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("サイズが合わなかったので返品したい", Fault.CUSTOMER),
        ("注文を間違えました", Fault.CUSTOMER),
        ("届いたら破損していたので返品したいです", Fault.SHOP),
        ("返品したいです", None),
    ],
)
def test_return_fault(text, fault):
    assert policy.return_fault(text) is fault
