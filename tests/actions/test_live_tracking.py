"""action_answer_order with live tracking from a FakeTrackingServer, and its failures."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from actions.orders import ActionAnswerOrder
from bot.identifiers import canonical_tracking_number
from bot.messages import jdatetime
from bot.settings import load_settings
from tests.actions.conftest import make_tracker, prove, run, use_settings

UNAVAILABLE = "最新情報を取得できなかったため、当店の記録をもとにお知らせしています"
ORDER = "D-200011"  # shipped with yamato 4512-3456-7811, estimated 11/25, no delay
CONTACT = "email:sho.kobayashi@example.jp"


def ask(domain, order_id=ORDER, contact=CONTACT) -> str:
    slots = prove(order_id, contact, "test-tracking")
    tracker = make_tracker(slots, "荷物はどこ？", sender_id="test-tracking")
    _, messages = run(ActionAnswerOrder(), tracker, domain)
    return messages[0]["text"]


def served(server, number="4512-3456-7811", slug="yamato") -> dict:
    return server.find(slug, canonical_tracking_number(number))


def test_live_checkpoint_and_carrier_estimate_appear(domain, tracking_server):
    before = tracking_server.request_count
    text = ask(domain)
    assert tracking_server.request_count == before + 1
    latest = served(tracking_server)["checkpoints"][-1]
    tz = load_settings().timezone
    moment = jdatetime(dt.datetime.fromisoformat(latest["checkpoint_time"]).astimezone(tz))
    assert f"ヤマト運輸の最新の配送状況（{moment}）：{latest['message']}" in text
    assert latest["location"] in text
    assert "ヤマト運輸のお届け予定日は11月25日(水)です" in text
    assert UNAVAILABLE not in text


def test_out_for_delivery_shows_this_mornings_checkpoint(domain):
    text = ask(domain, "D-200009", "email:daisuke.watanabe@example.jp")
    assert "配達に出発しました" in text
    assert "11月24日(火) 08:30" in text


@pytest.mark.parametrize("mode", ["error", "bad_json", "down"])
def test_a_failing_carrier_api_gives_the_honest_fallback(domain, tracking_server, mode):
    tracking_server.mode = mode
    text = ask(domain)
    assert f"ヤマト運輸の{UNAVAILABLE}" in text
    assert "お問い合わせ伝票番号：4512-3456-7811" in text  # the shop's own record still helps
    assert "お届け予定日は11月25日(水)です" in text
    assert "最新の配送状況" not in text


def test_a_slow_carrier_api_times_out_into_the_fallback(
    domain, tracking_server, monkeypatch, tmp_path
):
    use_settings(monkeypatch, tmp_path, timeout_seconds=0.2)
    tracking_server.mode = "slow"
    started = time.perf_counter()
    text = ask(domain)
    assert time.perf_counter() - started < 1.5  # two tries of 0.2 s, not the server's pace
    assert UNAVAILABLE in text


def test_not_configured_says_nothing_about_live_tracking(domain, monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKING_API_URL")
    use_settings(monkeypatch, tmp_path, api_url="")
    text = ask(domain)
    assert UNAVAILABLE not in text
    assert "最新の配送状況" not in text
    assert "お届け予定日は11月25日(水)です" in text


def test_no_lookup_before_shipping(domain, tracking_server):
    before = tracking_server.request_count
    ask(domain, "D-200013", "email:naoki.yoshida@example.jp")  # ready_to_ship
    assert tracking_server.request_count == before


def test_the_delay_record_wins_over_the_carrier_estimate(domain):
    text = ask(domain, "D-200007", "email:taro.yamada@example.jp")
    assert "新しいお届け予定日は11月25日(水)です" in text
    assert "佐川急便の最新の配送状況" in text
