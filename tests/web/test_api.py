"""POST /api/orders and GET /api/health over real HTTP."""

from __future__ import annotations

import pytest
import requests

from bot import db
from bot.orders import find_order
from bot.web import create_app
from tests.web.conftest import TOKEN, make_order, running

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def post(url, body=None, *, headers=AUTH, data=None):
    return requests.post(f"{url}/api/orders", json=body, data=data, headers=headers, timeout=10)


def stored(db_url, order_id):
    with db.session_scope(db_url) as session:
        return find_order(session, order_id)


def test_health(web):
    answer = requests.get(f"{web}/api/health", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Bearer "}],
    ids=["none", "wrong", "no-scheme", "empty"],
)
def test_a_missing_or_wrong_token_is_401(web, db_url, headers):
    answer = post(web, {"orders": [make_order("U-9001")]}, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored(db_url, "U-9001") is None


def test_orders_are_upserted(web, db_url):
    body = {"orders": [make_order("A-100234"), make_order("#1001")]}
    answer = post(web, body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"inserted": 2, "updated": 0, "unchanged": 0, "errors": []}
    order = stored(db_url, "A-100234")
    assert order["status"] == "payment_pending"
    assert order["customer"]["name"] == "山田 太郎"
    assert stored(db_url, "1001")["order_id"] == "1001"

    again = post(web, body)
    assert again.json() == {"inserted": 0, "updated": 0, "unchanged": 2, "errors": []}

    shipped = make_order("A-100234", status="shipped")  # a single order object
    answer = post(web, shipped)
    assert answer.status_code == 200
    assert answer.json()["updated"] == 1
    assert stored(db_url, "a100234")["status"] == "shipped"


def test_bad_rows_are_reported_and_good_rows_kept(web, db_url):
    bad_status = make_order("B-200001", status="lost")
    bad_email = make_order("B-200002")
    bad_email["customer"] = {"name": "佐藤 花子", "email": "not-an-address", "phone": None}
    answer = post(web, {"orders": [make_order("B-200000"), bad_status, bad_email]})
    assert answer.status_code == 207, answer.text
    report = answer.json()
    assert report["inserted"] == 1
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (2, "status"),
        (3, "customer.email"),
    }
    assert all(e["message"] for e in report["errors"])
    assert stored(db_url, "B-200000") is not None
    assert stored(db_url, "B-200001") is None


def test_all_rows_rejected_is_422(web, db_url):
    answer = post(web, [make_order("C-300000", items=[])])  # a bare list, as files may be
    assert answer.status_code == 422
    report = answer.json()
    assert report["inserted"] == 0 and report["errors"][0]["row"] == 1
    assert report["errors"][0]["field"] == "items"
    assert stored(db_url, "C-300000") is None


@pytest.mark.parametrize(
    "data",
    [b"{not json", b'"just a string"', b'{"orders": {"order_id": "A-1"}}', b'{"foo": []}', b"\xff"],
    ids=["malformed", "string", "orders-not-list", "no-orders", "not-utf8"],
)
def test_malformed_bodies_are_400(web, data):
    answer = post(web, data=data, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


def test_bodies_over_10_mb_are_413(web):
    answer = post(web, data=b" " * (10 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert "10 MB" in answer.json()["message"]


def test_the_api_is_disabled_without_a_token_on_the_server(db_url, monkeypatch):
    monkeypatch.delenv("SHOP_API_TOKEN", raising=False)
    with running(create_app(db_url=db_url)) as url:
        answer = post(url, {"orders": [make_order("D-400000")]})
        assert answer.status_code == 503
        assert "SHOP_API_TOKEN" in answer.json()["message"]
        assert requests.get(f"{url}/api/health", timeout=5).status_code == 200
    assert stored(db_url, "D-400000") is None


def test_unknown_api_paths_answer_json(web):
    answer = requests.get(f"{web}/api/nothing", timeout=5)
    assert answer.status_code == 404 and answer.json()["error"] == "Not Found"
    answer = requests.get(f"{web}/api/orders", timeout=5)
    assert answer.status_code == 405
