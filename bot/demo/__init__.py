"""The demo orders (orders.json) and catalogue (products.json), dated relative to "now"
when they are loaded.

Both files are written as seen on :data:`WRITTEN_FOR` (a Tuesday): a late order is late on
that day on purpose, the others are on time. Loading them on another day moves every date
by the same number of days, so that each status reads as it is meant to on any day.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

ORDERS_FILE = Path(__file__).resolve().parent / "orders.json"
PRODUCTS_FILE = Path(__file__).resolve().parent / "products.json"
WRITTEN_FOR = dt.date(2026, 11, 24)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shift(value: str, days: dt.timedelta) -> str:
    if len(value) == 10 and _DATE.fullmatch(value):
        return (dt.date.fromisoformat(value) + days).isoformat()
    if len(value) > 10 and _DATE.fullmatch(value[:10]) and value[10] == "T":
        try:
            return (dt.datetime.fromisoformat(value) + days).isoformat()
        except ValueError:
            return value
    return value


def _shifted(node, days: dt.timedelta):
    if isinstance(node, dict):
        return {key: _shifted(value, days) for key, value in node.items()}
    if isinstance(node, list):
        return [_shifted(value, days) for value in node]
    return _shift(node, days) if isinstance(node, str) else node


def demo_orders(today: dt.date) -> list[dict]:
    """The demo orders with every date moved so that ``today`` is the day they describe."""
    orders = json.loads(ORDERS_FILE.read_text(encoding="utf-8"))["orders"]
    days = today - WRITTEN_FOR
    return [_shifted(copy.deepcopy(order), days) for order in orders]


def demo_products(today: dt.date) -> list[dict]:
    """The demo catalogue, its restock dates moved as :func:`demo_orders` moves the orders."""
    products = json.loads(PRODUCTS_FILE.read_text(encoding="utf-8"))["products"]
    days = today - WRITTEN_FOR
    return [_shifted(copy.deepcopy(product), days) for product in products]
