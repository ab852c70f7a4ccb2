"""The fake tracking API: demo checkpoints from orders, reloading, and its CLI."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot.fake_tracking import FakeTrackingServer, trackings_from_orders
from bot.settings import load_settings
from bot.tracking import TrackingClient
from tests.conftest import ROOT

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=JST)


def order(order_id="A-100234", status="shipped", **shipment):
    return {
        "order_id": order_id,
        "status": status,
        "shipping_address": {"prefecture": "東京都", "city": "渋谷区", "line1": "神宮前1-2-3"},
        "shipment": {
            "carrier": "yamato",
            "tracking_number": "1234-5678-9012",
            "shipped_at": "2026-11-21T15:00:00+09:00",
            "estimated_delivery": "2026-11-24",
            **shipment,
        },
        "delay": None,
    }


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def one(orders, settings, now=NOW):
    trackings = trackings_from_orders(orders, settings, now)
    assert len(trackings) == 1
    return next(iter(trackings.items()))


def times(tracking):
    return [dt.datetime.fromisoformat(c["checkpoint_time"]) for c in tracking["checkpoints"]]


def test_a_shipped_parcel_is_in_transit(settings):
    key, tracking = one([order()], settings)
    assert key == ("yamato", "123456789012")
    assert tracking["tag"] == "InTransit"
    assert tracking["expected_delivery"] == "2026-11-24"
    assert [(c["message"], c["location"]) for c in tracking["checkpoints"]] == [
        ("荷物を受け付けました", "市川センター"),
        ("千葉ベースを出発しました", "千葉ベース"),
        ("東京ベースに到着しました", "東京ベース"),
    ]
    assert times(tracking)[0] == dt.datetime(2026, 11, 21, 15, tzinfo=JST)


def test_no_checkpoint_lies_in_the_future(settings):
    _, tracking = one([order(shipped_at="2026-11-22T10:00:00+09:00")], settings)
    assert [c["message"] for c in tracking["checkpoints"]] == ["荷物を受け付けました"]


def test_out_for_delivery_left_this_morning(settings):
    _, tracking = one([order(status="out_for_delivery")], settings)
    assert tracking["tag"] == "OutForDelivery"
    last = tracking["checkpoints"][-1]
    assert (last["message"], last["location"]) == ("配達に出発しました", "渋谷センター")
    assert times(tracking)[-1] == dt.datetime(2026, 11, 22, 8, 30, tzinfo=JST)


def test_delivered_on_the_estimated_day(settings):
    _, tracking = one(
        [order(status="delivered", carrier="sagawa", estimated_delivery="2026-11-22")], settings
    )
    assert tracking["tag"] == "Delivered"
    messages = [c["message"] for c in tracking["checkpoints"]]
    assert messages[-2:] == ["配達に出発しました", "配達が完了しました"]
    assert tracking["checkpoints"][-1]["location"] == "渋谷営業所"
    assert "東京中継センターに到着しました" in messages
    moments = times(tracking)
    assert moments == sorted(moments) and moments[-1] <= NOW


def test_delivered_without_dates_still_reads_in_order(settings):
    _, tracking = one(
        [order(status="delivered", shipped_at=None, estimated_delivery=None)], settings
    )
    moments = times(tracking)
    assert moments == sorted(moments) and moments[-1] < NOW


def test_a_delay_moves_the_expected_delivery(settings):
    late = order()
    late["delay"] = {"reason": "年末の注文集中", "new_estimate": "2026-11-27"}
    _, tracking = one([late], settings)
    assert tracking["expected_delivery"] == "2026-11-27"


def test_a_label_without_movement_is_info_received(settings):
    _, tracking = one([order(status="ready_to_ship", shipped_at=None)], settings)
    assert tracking["tag"] == "InfoReceived" and tracking["checkpoints"] == []


def test_orders_without_a_parcel_are_left_out(settings):
    no_shipment = order("A-1")
    no_shipment["shipment"] = None
    orders = [
        no_shipment,
        order("A-2", tracking_number=None),
        order("A-3", status="cancelled"),
        order("A-4", carrier="dhl"),
    ]
    assert trackings_from_orders(orders, settings, NOW) == {}


def test_the_client_reads_what_the_fake_serves(settings):
    orders = [
        order(status="out_for_delivery"),
        order("A-2", carrier="japanpost", tracking_number="EJ1JP"),
    ]
    with FakeTrackingServer(trackings_from_orders(orders, settings, NOW)) as fake:
        client = TrackingClient(fake.url, timeout=1, carriers=settings.carriers)
        result = client.lookup("yamato", "123456789012")
        assert result.ok and result.tag == "OutForDelivery"
        assert result.expected_delivery == dt.date(2026, 11, 24)
        assert result.latest.message == "配達に出発しました"
        assert client.lookup("japanpost", "EJ1JP").tag == "InTransit"


def test_unknown_numbers_trigger_a_reload():
    data = {}
    calls = []

    def loader():
        calls.append(1)
        return dict(data)

    with FakeTrackingServer(loader=loader, reload_seconds=3600) as fake:
        url = f"{fake.url}/trackings/yamato/1234-5678-9012"
        assert requests.get(url, timeout=2).status_code == 404
        data[("yamato", "123456789012")] = {"tag": "InTransit", "checkpoints": []}
        answer = requests.get(url, timeout=2)
        assert answer.status_code == 200
        assert answer.json()["data"]["tracking"]["tag"] == "InTransit"
        assert len(calls) == 2
        requests.get(url, timeout=2)
        assert len(calls) == 2  # found and fresh: no reload


def test_the_cli_has_help():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "tracking", "fake", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "--port" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _store(db_url, *orders):
    from bot import db
    from bot.importer import import_records

    db.upgrade(db_url)
    with db.session_scope(db_url) as session:
        report = import_records(session, list(orders), source="test")
    assert not report.errors, report.errors


def _contract_order(order_id, tracking_number, status="shipped"):
    return {
        "order_id": order_id,
        "placed_at": "2026-11-20T10:15:00+09:00",
        "customer": {"name": "山田 太郎", "email": "taro@example.jp", "phone": None},
        "payment": {"method": "credit_card", "status": "paid", "paid_at": None},
        "status": status,
        "items": [{"sku": "TS-01-M", "name": "Tシャツ", "quantity": 1, "price": 3980}],
        "shipping_address": None,
        "shipment": {
            "carrier": "yamato",
            "tracking_number": tracking_number,
            "shipped_at": "2026-11-21T15:00:00+09:00",
            "estimated_delivery": "2026-11-24",
        },
        "delay": None,
    }


def test_the_cli_serves_the_database_and_finds_later_orders(tmp_path, settings):
    db_url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    _store(db_url, _contract_order("A-100001", "1111-2222-3333"))
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": db_url,
        "SHOP_NOW": "2026-11-22T12:00:00+09:00",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "tracking", "fake", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        client = TrackingClient(f"http://127.0.0.1:{port}", timeout=1, carriers=settings.carriers)
        deadline = time.monotonic() + 30
        while (result := client.lookup("yamato", "111122223333")).error == "connection error":
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the fake did not start: {process.communicate()[0]}")
            time.sleep(0.1)
        assert result.ok and result.tag == "InTransit"
        # no shipping address: the parcel stays in the region it was sent from
        assert result.latest.message == "千葉ベースを出発しました"

        _store(db_url, _contract_order("A-100002", "4444-5555-6666", status="delivered"))
        later = client.lookup("yamato", "4444-5555-6666")
        assert later.ok and later.tag == "Delivered"
        assert later.latest.message == "配達が完了しました"

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output and "1 trackings" in output
