"""bot.orders: the upsert, the status history and every way the bot looks an order up."""

from __future__ import annotations

import json

import pytest

from bot.demo import ORDERS_FILE as DEMO_ORDERS
from bot.importer import validate_record
from bot.orders import (
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    all_orders,
    find_order,
    order_count,
    orders_for_contact,
    set_order_status,
    status_history,
    upsert_order,
    upsert_orders,
)
from tests.store.conftest import ORDER, make_order


def clean(order: dict) -> dict:
    result, errors = validate_record(order, 1)
    assert errors == []
    return result


def test_find_order_returns_exactly_the_contract_shape(session):
    assert upsert_order(session, clean(ORDER)) == "inserted"
    assert find_order(session, "A-100234") == ORDER
    json.dumps(find_order(session, "A-100234"))  # plain JSON types only


def test_absent_parts_are_null(session):
    bare = make_order(shipping_address=None, shipment=None, delay=None)
    del bare["delay"]
    upsert_order(session, clean(bare))
    order = find_order(session, "A-100234")
    assert order["shipping_address"] is None
    assert order["shipment"] is None
    assert order["delay"] is None
    assert list(order) == list(ORDER)


def test_moments_are_shown_in_the_shop_time_zone(session):
    upsert_order(
        session,
        clean(
            make_order(
                placed_at="2026-11-20T01:15:00Z",
                payment={
                    "method": "credit_card",
                    "status": "paid",
                    "paid_at": "2026-11-20T01:16:00+00:00",
                },
            )
        ),
    )
    order = find_order(session, "A-100234")
    assert order["placed_at"] == "2026-11-20T10:15:00+09:00"
    assert order["payment"]["paid_at"] == "2026-11-20T10:16:00+09:00"


@pytest.mark.parametrize(
    "typed",
    [
        "A-100234",
        "a100234",
        "A100234",
        "Ａ－１００２３４",
        "ａ１００２３４",
        "a−100234",
        "Aー100234",
        " a-100234 ",
    ],
)
def test_find_order_by_every_typed_form(session, typed):
    upsert_order(session, clean(ORDER))
    assert find_order(session, typed)["order_id"] == "A-100234"


@pytest.mark.parametrize("typed", ["#1001", "＃１００１", "1001"])
def test_shopify_style_numbers(session, typed):
    upsert_order(session, clean(make_order(order_id="#1001")))
    assert find_order(session, typed)["order_id"] == "1001"


@pytest.mark.parametrize("typed", ["A-100235", "B-100234", "", "hello", "#"])
def test_unknown_or_malformed_numbers_find_nothing(session, typed):
    upsert_order(session, clean(ORDER))
    assert find_order(session, typed) is None


def test_upsert_inserts_then_updates_then_leaves_unchanged(session):
    assert upsert_order(session, clean(ORDER)) == "inserted"
    assert upsert_order(session, clean(ORDER)) == "unchanged"
    shipped = make_order(
        status="shipped",
        payment={"method": "bank_transfer", "status": "paid",
                 "paid_at": "2026-11-21T09:00:00+09:00"},
        items=[
            {"sku": "TS-01-L", "name": "オーガニックTシャツ L", "quantity": 2, "price": 3980},
            {"sku": "SK-20", "name": "ソックス", "quantity": 1, "price": 2420},
        ],
        shipment={"carrier": "sagawa", "tracking_number": "3601-0000-0001",
                  "shipped_at": "2026-11-22T15:00:00+09:00", "estimated_delivery": "2026-11-23"},
        delay=None,
    )  # fmt: skip
    assert upsert_order(session, clean(shipped)) == "updated"
    assert find_order(session, "A-100234") == shipped
    assert upsert_order(session, clean(shipped)) == "unchanged"
    assert order_count(session) == 1


def test_any_changed_field_is_an_update(session):
    upsert_order(session, clean(ORDER))
    changed = make_order()
    changed["shipping_address"]["line2"] = None
    assert upsert_order(session, clean(changed)) == "updated"
    assert find_order(session, "A-100234")["shipping_address"]["line2"] is None


def test_status_history_records_insert_and_each_change(session):
    upsert_order(session, clean(ORDER), source="import")
    upsert_order(session, clean(make_order(customer={**ORDER["customer"], "name": "山田 花子"})))
    upsert_order(session, clean(make_order(status="paid")), source="api")
    upsert_order(session, clean(make_order(status="paid")), source="api")
    history = status_history(session, "a100234")
    assert [(h["status"], h["source"]) for h in history] == [
        ("payment_pending", "import"),
        ("paid", "api"),
    ]
    assert history[0]["changed_at"] == "2026-11-24T10:00:00+09:00"  # SHOP_NOW


def test_set_order_status(session):
    upsert_order(session, clean(ORDER))
    order = set_order_status(session, "a-100234", OrderStatus.CANCELLED, source="bot")
    assert order["status"] == "cancelled"
    assert status_history(session, "A-100234")[-1]["source"] == "bot"
    assert set_order_status(session, "Z-9999", "cancelled", source="bot") is None
    with pytest.raises(ValueError):
        set_order_status(session, "A-100234", "lost", source="bot")


def test_a_later_import_of_the_old_data_undoes_a_bot_change(session):
    upsert_order(session, clean(ORDER))
    set_order_status(session, "A-100234", "cancelled", source="bot")
    assert upsert_order(session, clean(ORDER)) == "updated"  # compared with what is stored


def _contact_orders(session):
    upsert_orders(
        session,
        [
            clean(make_order(order_id="A-1001", placed_at="2026-11-18T10:00:00+09:00")),
            clean(make_order(order_id="A-1002", placed_at="2026-11-20T10:00:00+09:00",
                             customer={"name": "山田 太郎", "email": "Taro@Example.JP",
                                       "phone": None})),
            clean(make_order(order_id="A-1003", placed_at="2026-11-19T10:00:00+09:00",
                             customer={"name": "山田 太郎", "email": "other@example.jp",
                                       "phone": "09012345678"})),
            clean(make_order(order_id="A-1004", customer={"name": "別の人",
                             "email": "someone@example.com", "phone": "03-1111-2222"})),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    "email", ["taro@example.jp", "TARO@EXAMPLE.JP", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"]
)
def test_orders_for_contact_by_email_newest_first(session, email):
    _contact_orders(session)
    found = orders_for_contact(session, email=email)
    assert [o["order_id"] for o in found] == ["A-1002", "A-1001"]
    assert found[0]["customer"]["email"] == "taro@example.jp"  # stored canonical


@pytest.mark.parametrize(
    "phone",
    [
        "090-1234-5678",
        "09012345678",
        "０９０－１２３４－５６７８",
        "090ー1234ー5678",
        "+81 90 1234 5678",
    ],
)
def test_orders_for_contact_by_phone_with_any_dashes(session, phone):
    _contact_orders(session)
    found = orders_for_contact(session, phone=phone)
    assert [o["order_id"] for o in found] == ["A-1003", "A-1001"]
    assert found[0]["customer"]["phone"] == "09012345678"  # as the shop sent it


def test_orders_for_contact_by_either(session):
    _contact_orders(session)
    found = orders_for_contact(session, email="someone@example.com", phone="090-1234-5678")
    assert {o["order_id"] for o in found} == {"A-1001", "A-1003", "A-1004"}
    assert orders_for_contact(session) == []
    assert orders_for_contact(session, email="nobody@example.jp", phone="not a phone") == []


def test_all_orders_and_count(session):
    upsert_orders(session, [clean(make_order(order_id=f"C-{n:05d}")) for n in range(2500)])
    assert order_count(session) == 2500
    every = list(all_orders(session))
    assert len(every) == 2500
    assert every[0] == make_order(order_id="C-00000")


def test_the_demo_orders_cover_every_status_and_payment(session):
    raw = json.loads(DEMO_ORDERS.read_text(encoding="utf-8"))["orders"]
    orders = [clean(order) for order in raw]
    assert 25 <= len(orders) <= 40
    assert {o["status"] for o in orders} == {s.value for s in OrderStatus}
    assert {o["payment"]["status"] for o in orders} == {s.value for s in PaymentStatus}
    assert {o["payment"]["method"] for o in orders} == {m.value for m in PaymentMethod}
    tracked = [o for o in orders if o["status"] in ("shipped", "out_for_delivery", "delivered")]
    assert all(o["shipment"]["tracking_number"] for o in tracked)
    assert {o["shipment"]["carrier"] for o in tracked} == {"yamato", "sagawa", "japanpost"}
    assert sum(1 for o in orders if o["delay"]) >= 3
    upsert_orders(session, orders)
    repeat = [
        o for o in orders if len(orders_for_contact(session, email=o["customer"]["email"])) > 1
    ]
    assert len({o["customer"]["email"] for o in repeat}) >= 2
