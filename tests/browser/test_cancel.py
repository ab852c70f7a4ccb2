"""A cancel in the shop page's chat, as a customer does it: ask, prove the order, click はい.

The order is this module's own (F-300101, a paid card order being prepared); afterwards it
is cancelled and refunded in the database, once.
"""

from __future__ import annotations

import json

import pytest

from bot import importer, orders
from bot.db import session_scope
from tests.browser.conftest import ChatWidget

pytestmark = pytest.mark.slow

ORDER_ID, EMAIL = "F-300101", "f101@flows.example.jp"
ORDER = {
    "order_id": ORDER_ID,
    "placed_at": "2026-11-23T20:00:00+09:00",
    "customer": {"name": "画面 花子", "email": EMAIL, "phone": "080-3001-0101"},
    "payment": {"method": "credit_card", "status": "paid", "paid_at": "2026-11-23T20:01:00+09:00"},
    "status": "preparing",
    "items": [
        {"sku": "FT-101-S", "name": "ブラウザ確認用マグカップ", "quantity": 2, "price": 1650}
    ],
    "shipping_address": {
        "postal_code": "060-0001",
        "prefecture": "北海道",
        "city": "札幌市中央区",
        "line1": "北一条西1-1",
    },
    "shipment": None,
    "delay": None,
}


@pytest.fixture(scope="module")
def cancellable_order(e2e_env, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("browser-cancel") / "orders.json"
    path.write_text(json.dumps({"orders": [ORDER]}, ensure_ascii=False), encoding="utf-8")
    report = importer.import_file(path, url=e2e_env["DATABASE_URL"])
    assert not report.errors, report.errors
    return ORDER_ID


def stored(shop, order_id: str) -> tuple[dict, list[str]]:
    with session_scope(shop.database_url) as db:
        order = orders.find_order(db, order_id)
        statuses = [h["status"] for h in orders.status_history(db, order_id)]
    return order, statuses


def test_cancel_in_the_chat_widget_with_the_yes_button(shop, page, cancellable_order):
    page.goto(f"{shop.web.url}/")
    chat = ChatWidget(page)
    chat.open()
    chat.wait_for_reply("こんにちは")

    chat.ask("注文をキャンセルしたいです", "注文番号")
    asked = chat.ask(ORDER_ID, "メールアドレス")
    assert "ブラウザ確認用マグカップ" not in asked  # nothing before the proof
    question = chat.ask(EMAIL, "キャンセルしてよろしいですか")
    assert ORDER_ID in question and "ブラウザ確認用マグカップ" in question
    assert stored(shop, ORDER_ID)[0]["status"] == "preparing"

    shown = len(chat.bot_texts())
    yes = page.locator(".rw-reply", has_text="はい、キャンセルする")
    yes.click()
    done = chat.wait_for_reply("キャンセルいたしました", after=shown)
    assert f"ご注文 {ORDER_ID} をキャンセルいたしました" in done
    assert "クレジットカード" in done and "12月8日" in done  # refund expected 14 days on

    order, statuses = stored(shop, ORDER_ID)
    assert order["status"] == "cancelled" and order["payment"]["status"] == "refunded"
    assert statuses.count("cancelled") == 1
    assert page.outside_requests == []
