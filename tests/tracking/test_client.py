"""TrackingClient against a real local HTTP server (FakeTrackingServer): answers and faults."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest

from bot.fake_tracking import FakeTrackingServer
from bot.settings import load_settings
from bot.tracking import TrackingClient, TrackingResult

JST = dt.timezone(dt.timedelta(hours=9))
TIMEOUT = 0.3
CARRIERS = {"yamato": "yamato", "japanpost": "japan-post"}

IN_TRANSIT = {
    "tag": "InTransit",
    "expected_delivery": "2026-11-25",
    "checkpoints": [
        {
            "checkpoint_time": "2026-11-21T15:00:00+09:00",
            "message": "荷物を受け付けました",
            "location": "市川センター",
            "tag": "InTransit",
        },
        {
            "checkpoint_time": "2026-11-21T18:00:00+09:00",
            "message": "千葉ベースを出発しました",
            "location": "千葉ベース",
            "tag": "InTransit",
        },
    ],
}


@pytest.fixture
def fake():
    trackings = {
        ("yamato", "1234-5678-9012"): IN_TRANSIT,
        ("japan-post", "EJ123456789JP"): {
            "tag": "Delivered",
            "expected_delivery": "2026-11-24T18:00:00+09:00",
            "checkpoints": [
                # out of order and in UTC with "Z": the client sorts them
                {"checkpoint_time": "2026-11-24T05:00:00Z", "message": "配達が完了しました"},
                {"checkpoint_time": "2026-11-24T08:30:00+09:00", "message": "配達に出発しました"},
            ],
        },
    }
    with FakeTrackingServer(trackings) as server:
        server.slow_seconds = 2.0
        yield server


@pytest.fixture
def client(fake):
    return TrackingClient(fake.url, timeout=TIMEOUT, cache_seconds=60, carriers=CARRIERS)


def test_a_tracking_is_parsed(client, fake):
    result = client.lookup("yamato", "1234-5678-9012")
    assert result.ok and result.error is None
    assert result.tag == "InTransit"
    assert result.expected_delivery == dt.date(2026, 11, 25)
    assert [c.message for c in result.checkpoints] == [
        "荷物を受け付けました",
        "千葉ベースを出発しました",
    ]
    assert result.latest.time == dt.datetime(2026, 11, 21, 18, tzinfo=JST)
    assert result.latest.location == "千葉ベース"
    assert fake.request_count == 1


def test_slug_mapping_datetime_estimate_and_sorting(client):
    result = client.lookup("japanpost", "EJ123456789JP")
    assert result.ok and result.tag == "Delivered"
    assert result.expected_delivery == dt.date(2026, 11, 24)
    assert result.latest.message == "配達が完了しました"
    assert result.latest.time == dt.datetime(2026, 11, 24, 14, tzinfo=JST)


def test_hyphens_and_full_width_digits_do_not_matter(client):
    assert client.lookup("yamato", "１２３４－５６７８－９０１２").ok


def test_slow_answers_time_out_after_one_retry(client, fake):
    fake.mode = "slow"
    started = time.perf_counter()
    result = client.lookup("yamato", "123456789012")
    elapsed = time.perf_counter() - started
    assert result == TrackingResult(ok=False, error="timeout")
    assert fake.request_count == 2
    assert 2 * TIMEOUT <= elapsed < 2 * TIMEOUT + 0.5


def test_server_errors_are_retried_once(client, fake):
    fake.mode = "error"
    result = client.lookup("yamato", "123456789012")
    assert not result.ok and result.error == "http 500"
    assert fake.request_count == 2


def test_a_closed_connection_is_retried_once(client, fake):
    fake.mode = "down"
    result = client.lookup("yamato", "123456789012")
    assert not result.ok and result.error == "connection error"
    assert fake.request_count == 2


def test_nothing_listening_is_a_connection_error(fake):
    url = fake.url
    fake.stop()
    started = time.perf_counter()
    result = TrackingClient(url, timeout=TIMEOUT, carriers=CARRIERS).lookup("yamato", "1")
    assert result.error == "connection error"
    assert time.perf_counter() - started < 2 * TIMEOUT + 0.5


def test_unparseable_json_is_not_retried(client, fake):
    fake.mode = "bad_json"
    result = client.lookup("yamato", "123456789012")
    assert not result.ok and result.error == "bad json"
    assert fake.request_count == 1


def test_an_unknown_number_is_not_found_without_retry(client, fake):
    result = client.lookup("yamato", "999999999999")
    assert not result.ok and result.error == "not found"
    assert fake.request_count == 1


@pytest.mark.parametrize(
    "tracking",
    [
        {"expected_delivery": None, "checkpoints": []},  # no tag
        {"tag": 3, "checkpoints": []},
        {"tag": "InTransit", "expected_delivery": 20261125},
        {"tag": "InTransit", "expected_delivery": "next week"},
        {"tag": "InTransit", "checkpoints": {"message": "x"}},
        {"tag": "InTransit", "checkpoints": ["x"]},
        {"tag": "InTransit", "checkpoints": [{"message": "no time"}]},
        {"tag": "InTransit", "checkpoints": [{"checkpoint_time": "yesterday"}]},
        {
            "tag": "InTransit",
            "checkpoints": [{"checkpoint_time": "2026-11-21T15:00:00", "message": 5}],
        },
    ],
)
def test_wrongly_shaped_trackings_are_bad_json(client, fake, tracking):
    fake.set_trackings({("yamato", "1"): tracking})
    result = client.lookup("yamato", "1")
    assert (result.ok, result.error) == (False, "bad json")


def test_missing_optional_fields_are_fine(client, fake):
    fake.set_trackings(
        {
            ("yamato", "1"): {
                "tag": "Pending",
                "checkpoints": [{"checkpoint_time": "2026-11-21T15:00:00"}],
            }
        }
    )
    result = client.lookup("yamato", "1")
    assert result.ok and result.expected_delivery is None
    # no offset: read in the client's time zone (UTC unless configured)
    assert result.latest.time == dt.datetime(2026, 11, 21, 15, tzinfo=dt.timezone.utc)
    assert result.latest.message == "" and result.latest.location == ""


def test_answers_are_cached_per_parcel(fake):
    client = TrackingClient(fake.url, timeout=TIMEOUT, cache_seconds=0.3, carriers=CARRIERS)
    first = client.lookup("yamato", "1234-5678-9012")
    assert client.lookup("yamato", "123456789012") == first
    assert fake.request_count == 1
    time.sleep(0.35)
    assert client.lookup("yamato", "123456789012").ok
    assert fake.request_count == 2


def test_failures_are_not_cached(client, fake):
    fake.mode = "error"
    assert not client.lookup("yamato", "123456789012").ok
    fake.mode = "ok"
    assert client.lookup("yamato", "123456789012").ok


def test_concurrent_lookups_share_the_cache_safely(fake):
    client = TrackingClient(fake.url, timeout=2, cache_seconds=60, carriers=CARRIERS)
    results = []

    def ask():
        results.append(client.lookup("yamato", "123456789012"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r.ok and r.tag == "InTransit" for r in results)
    assert client.lookup("yamato", "123456789012").ok
    assert fake.request_count <= 8


def test_not_configured_makes_no_request(fake):
    result = TrackingClient("", carriers=CARRIERS).lookup("yamato", "123456789012")
    assert result == TrackingResult(ok=False, error="not configured")
    assert fake.request_count == 0


def test_unknown_carrier_makes_no_request(client, fake):
    result = client.lookup("fedex", "123456789012")
    assert (result.ok, result.error) == (False, "unknown carrier")
    assert fake.request_count == 0


def test_the_api_key_is_sent():
    with FakeTrackingServer({("yamato", "1"): IN_TRANSIT}, api_key="s3cret") as fake:
        keyed = TrackingClient(fake.url, api_key="s3cret", timeout=TIMEOUT, carriers=CARRIERS)
        assert keyed.lookup("yamato", "1").ok
        anonymous = TrackingClient(fake.url, timeout=TIMEOUT, carriers=CARRIERS)
        assert anonymous.lookup("yamato", "1").error == "http 401"


def test_from_settings_uses_the_shop_settings(fake):
    settings = dataclasses.replace(load_settings(), tracking_api_url=fake.url + "/")
    client = TrackingClient.from_settings(settings)
    assert client.timeout == settings.tracking_timeout
    assert client.cache_seconds == settings.tracking_cache_seconds
    result = client.lookup("japanpost", "EJ123456789JP")  # slug japan-post from shop.yml
    assert result.ok and result.tag == "Delivered"
