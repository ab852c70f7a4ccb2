"""The web app served for real by Werkzeug on a free port, against a temporary SQLite file."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from bot.web import create_app

TOKEN = "test-token-0123456789"  # noqa: S105 (a test value)

ORDER = {
    "order_id": "A-100234",
    "placed_at": "2026-11-20T10:15:00+09:00",
    "customer": {"name": "山田 太郎", "email": "taro@example.jp", "phone": "090-1234-5678"},
    "payment": {"method": "bank_transfer", "status": "pending", "paid_at": None},
    "status": "payment_pending",
    "items": [{"sku": "TS-01-M", "name": "オーガニックTシャツ M", "quantity": 1, "price": 3980}],
    "shipping_address": {
        "postal_code": "150-0001",
        "prefecture": "東京都",
        "city": "渋谷区",
        "line1": "神宮前1-2-3",
        "line2": "サンプルビル 201",
    },
    "shipment": {
        "carrier": "yamato",
        "tracking_number": "1234-5678-9012",
        "shipped_at": None,
        "estimated_delivery": "2026-11-24",
    },
    "delay": {"reason": "年末の注文集中", "new_estimate": "2026-11-27"},
}


def make_order(order_id: str, **changes) -> dict:
    order = copy.deepcopy(ORDER)
    order["order_id"] = order_id
    order.update(changes)
    return order


@contextlib.contextmanager
def running(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('web') / 'shop.sqlite3'}"


@pytest.fixture(scope="module")
def web(db_url) -> Iterator[str]:
    """Base URL of the app with SHOP_API_TOKEN set."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOP_API_TOKEN", TOKEN)
        app = create_app(db_url=db_url)
    with running(app) as url:
        yield url
