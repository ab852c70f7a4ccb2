"""bot.demo: the demo orders read the same on any day they are loaded."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import demo, status
from bot.settings import load_settings

SHOP = load_settings()
LATE_WORDS = ("過ぎてしまっており", "遅れております")


def late_orders(today: dt.date) -> set[str]:
    moment = dt.datetime.combine(today, dt.time(14, 0), tzinfo=SHOP.timezone)
    late = set()
    for order in demo.demo_orders(today):
        text = status.describe(order, settings=SHOP, now=moment, tracking=None).text
        if any(word in text for word in LATE_WORDS):
            late.add(order["order_id"])
    return late


def test_on_the_day_it_was_written_for_the_file_is_unchanged():
    import json

    raw = json.loads(demo.ORDERS_FILE.read_text(encoding="utf-8"))["orders"]
    assert demo.demo_orders(demo.WRITTEN_FOR) == raw


@pytest.mark.parametrize(
    "today", [dt.date(2026, 12, 2), dt.date(2027, 3, 6), dt.date(2027, 8, 15), dt.date(2030, 1, 1)]
)
def test_the_same_orders_are_late_on_any_day(today):
    expected = late_orders(demo.WRITTEN_FOR)
    assert expected  # the demo has late orders on purpose
    assert late_orders(today) == expected


def test_every_date_moves_by_the_same_days():
    moved = {o["order_id"]: o for o in demo.demo_orders(demo.WRITTEN_FOR + dt.timedelta(days=10))}
    for order in demo.demo_orders(demo.WRITTEN_FOR):
        placed = dt.datetime.fromisoformat(order["placed_at"])
        later = dt.datetime.fromisoformat(moved[order["order_id"]]["placed_at"])
        assert later - placed == dt.timedelta(days=10)
        estimate = (order.get("shipment") or {}).get("estimated_delivery")
        if estimate:
            shifted = moved[order["order_id"]]["shipment"]["estimated_delivery"]
            assert dt.date.fromisoformat(shifted) - dt.date.fromisoformat(estimate) == dt.timedelta(
                days=10
            )
