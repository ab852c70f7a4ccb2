"""bot.status: what a verified customer is told about an order, one test per situation.

Orders are contract §3 dicts; "now" is always a fixed moment in Asia/Tokyo.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot import messages, status
from bot.settings import load_settings
from bot.tracking import Checkpoint, TrackingResult
from tests.conftest import ROOT
from tests.samples import ORDER

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 24, 11, 0, tzinfo=JST)  # a Tuesday
DEMO = json.loads((ROOT / "bot" / "demo" / "orders.json").read_text(encoding="utf-8"))["orders"]
LIVE_UNAVAILABLE = "最新情報を取得できなかった"


@pytest.fixture(scope="module")
def settings():
    return load_settings(ROOT / "shop.yml")


def make_order(status_: str = "shipped", **overrides) -> dict:
    """A contract §3 order; ``payment``/``shipment``/``delay`` dicts are merged, None replaces."""
    order = copy.deepcopy(ORDER)
    order.update(
        status=status_,
        payment={"method": "credit_card", "status": "paid", "paid_at": "2026-11-20T10:16:00+09:00"},
        delay=None,
    )
    order["shipment"].update(
        shipped_at="2026-11-23T15:00:00+09:00", estimated_delivery="2026-11-25"
    )
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(order.get(key), dict):
            order[key] = {**order[key], **value}
        else:
            order[key] = value
    return order


def not_shipped(status_: str, **overrides) -> dict:
    shipment = {"carrier": "yamato", "tracking_number": None, "shipped_at": None}
    shipment.update(overrides.pop("shipment", None) or {})
    return make_order(status_, shipment=shipment, **overrides)


def describe(order, settings, now=NOW, **kwargs) -> str:
    text = status.describe(order, settings=settings, now=now, **kwargs).text
    assert_clean(text)
    return text


def assert_clean(text: str) -> None:
    """No template leftovers or Python/JSON nulls in a customer's answer."""
    for bad in ("None", "null", "{", "}", "Undefined"):
        assert bad not in text, f"{bad!r} in answer:\n{text}"
    assert text.strip()


# --- payment ----------------------------------------------------------------------------


def test_payment_pending_bank_transfer_gives_due_date_and_account(settings):
    order = make_order(
        "payment_pending",
        payment={"method": "bank_transfer", "status": "pending", "paid_at": None},
        shipment=None,
    )
    text = describe(order, settings)
    assert "【お支払い待ち】" in text
    assert "11月27日(金)までに" in text  # placed 11/20 + payment.due_days (7)
    assert f"振込先：{settings.bank_account}" in text
    assert "みずほ銀行" in text
    assert "【支払い確認】" in text
    assert "お届け予定日" not in text  # nothing is promised before the payment


def test_payment_pending_konbini_gives_due_date_without_bank_account(settings):
    order = make_order(
        "payment_pending",
        placed_at="2026-11-24T08:45:00+09:00",
        payment={"method": "konbini", "status": "pending", "paid_at": None},
        shipment=None,
    )
    text = describe(order, settings)
    assert "コンビニ" in text
    assert "12月1日(火)までに" in text
    assert settings.bank_account not in text


def test_payment_pending_after_the_due_date_says_overdue(settings):
    order = make_order(
        "payment_pending",
        placed_at="2026-11-10T10:00:00+09:00",
        payment={"method": "bank_transfer", "status": "pending", "paid_at": None},
        shipment=None,
    )
    text = describe(order, settings)
    assert "お支払い期限（11月17日(火)）を過ぎて" in text
    assert "までにお振込みください" not in text


def test_payment_failed(settings):
    order = make_order(
        "payment_pending",
        payment={"method": "credit_card", "status": "failed", "paid_at": None},
        shipment=None,
    )
    text = describe(order, settings)
    assert "クレジットカードでのお支払い（決済）が完了しておりません" in text
    assert "再決済" in text
    assert "お届け予定日" not in text
    assert "までにお振込み" not in text


def test_paid(settings):
    order = not_shipped("paid", payment={"paid_at": "2026-11-22T10:15:00+09:00"})
    text = describe(order, settings)
    assert "【お支払い確認済み】" in text
    assert "11月22日(日)にお支払い（クレジットカード）を確認いたしました" in text
    assert "これから商品の準備に入ります" in text
    assert "お問い合わせ伝票番号は、発送時に" in text  # no number yet, and it says when


def test_paid_without_paid_at_has_no_date_hole(settings):
    order = not_shipped("paid", payment={"paid_at": None})
    text = describe(order, settings)
    assert text.count("お支払い（クレジットカード）を確認いたしました") == 1


# --- before shipping ----------------------------------------------------------------------


def test_preparing(settings):
    text = describe(not_shipped("preparing"), settings)
    assert "【商品を準備中】" in text
    assert "ただいま商品を準備しております" in text
    assert "お届け予定日は11月25日(水)です" in text


def test_ready_to_ship_names_the_carrier(settings):
    text = describe(not_shipped("ready_to_ship"), settings)
    assert "ヤマト運輸への引き渡しを待っている" in text
    assert "お問い合わせ伝票番号は、発送時に" in text


def test_ready_to_ship_with_a_label_already_printed_gives_the_number(settings):
    order = make_order("ready_to_ship", shipment={"shipped_at": None})
    text = describe(order, settings)
    assert "お問い合わせ伝票番号：1234-5678-9012（ヤマト運輸）" in text


def test_no_estimate_stored_promises_nothing(settings):
    order = not_shipped("preparing", shipment={"estimated_delivery": None})
    text = describe(order, settings)
    assert "お届け予定日は、発送の手配が整いしだい" in text
    assert "お届け予定日は1" not in text


# --- shipped and after ------------------------------------------------------------------


def test_shipped_gives_carrier_number_link_and_estimate(settings):
    text = describe(make_order("shipped"), settings)
    assert "【発送済み】" in text
    assert "11月23日(月)にヤマト運輸で発送いたしました" in text
    assert "お問い合わせ伝票番号：1234-5678-9012（ヤマト運輸）" in text
    link = settings.carriers["yamato"].tracking_url.replace("{tracking_number}", "123456789012")
    assert link in text
    assert "https://jizen.kuronekoyamato.co.jp/" in link
    assert "お届け予定日は11月25日(水)です" in text
    assert "オーガニックTシャツ M ×1" in text


@pytest.mark.parametrize(
    ("carrier", "name", "link_part"),
    [
        ("sagawa", "佐川急便", "okurijoNo=123456789012"),
        ("japanpost", "日本郵便", "reqCodeNo1=123456789012&locale=ja"),
    ],
)
def test_shipped_with_other_carriers(settings, carrier, name, link_part):
    text = describe(make_order("shipped", shipment={"carrier": carrier}), settings)
    assert f"{name}で発送いたしました" in text
    assert link_part in text


def test_out_for_delivery(settings):
    order = make_order("out_for_delivery", shipment={"estimated_delivery": "2026-11-24"})
    text = describe(order, settings)
    assert "【配達中】" in text
    assert "ヤマト運輸が配達に向かっております" in text
    assert "1234-5678-9012" in text
    assert "過ぎて" not in text


def test_delivered_with_guidance_when_not_received(settings):
    order = make_order("delivered", shipment={"estimated_delivery": "2026-11-20"})
    text = describe(order, settings)
    assert "【お届け済み】" in text
    assert "ヤマト運輸の記録では、お届け済み" in text
    assert "宅配ボックス" in text
    assert "お問い合わせ番号 1234-5678-9012" in text
    assert "担当者と話したい" in text
    assert "過ぎて" not in text  # a delivered order is not late
    assert "お届け予定日は" not in text


def test_delivered_with_live_tracking_gives_the_delivery_time(settings):
    done = Checkpoint(dt.datetime(2026, 11, 21, 5, 12, tzinfo=dt.timezone.utc), "配達完了")
    tracking = TrackingResult(ok=True, tag="Delivered", checkpoints=(done,))
    text = describe(make_order("delivered"), settings, tracking=tracking)
    assert "お届け済み（11月21日(土) 14:12）" in text


def test_cancelled_with_refund(settings):
    order = not_shipped("cancelled", payment={"status": "refunded"})
    text = describe(order, settings)
    assert "【キャンセル済み】" in text
    assert "キャンセル済みです" in text
    assert "ご返金の手続きも完了しております" in text
    assert "お届け予定日" not in text
    assert "伝票番号" not in text


def test_cancelled_paid_without_refund_yet(settings):
    text = describe(not_shipped("cancelled"), settings)
    assert "ご返金につきましては、担当者より別途ご案内いたします" in text


def test_cancelled_before_payment_mentions_no_refund(settings):
    order = not_shipped(
        "cancelled", payment={"method": "bank_transfer", "status": "pending", "paid_at": None}
    )
    text = describe(order, settings)
    assert "返金" not in text
    assert "までにお振込み" not in text  # a cancelled order is not to be paid


def test_returned_with_and_without_refund(settings):
    refunded = describe(make_order("returned", payment={"status": "refunded"}), settings)
    assert "返品のお手続きが完了" in refunded
    assert "ご返金も完了しております" in refunded
    pending = describe(make_order("returned"), settings)
    assert "ご返金は、返品商品の確認後に手続きいたします" in pending
    assert "お届け予定日" not in pending


# --- delay, lateness, busy periods ------------------------------------------------------


def test_delay_apologises_with_reason_new_estimate_and_coupon(settings):
    order = make_order("shipped", delay={"reason": "年末の注文集中", "new_estimate": "2026-11-27"})
    text = describe(order, settings)
    assert "申し訳" in text
    assert "年末の注文集中のため、お届けが遅れております" in text
    assert "新しいお届け予定日は11月27日(金)です" in text
    assert f"コード：{settings.coupon_code}" in text
    assert f"{settings.coupon_amount:,}円引き" in text
    # valid for coupon_valid_days (30) from today
    assert "12月24日(木)まで有効" in text
    assert "お届け予定日は11月25日" not in text  # the old estimate is not repeated


def test_delay_coupon_comes_from_the_settings(settings, tmp_path):
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw["delay"] = {"coupon_code": "GOMEN1000", "coupon_amount": 1000, "coupon_valid_days": 7}
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    other = load_settings(path)
    order = make_order("shipped", delay={"reason": "悪天候", "new_estimate": "2026-11-26"})
    text = describe(order, other)
    assert "1,000円引き" in text
    assert "GOMEN1000" in text
    assert "12月1日(火)まで有効" in text


def test_late_order_without_delay_record_says_late_and_promises_nothing(settings):
    order = make_order("shipped", shipment={"estimated_delivery": "2026-11-20"})
    text = describe(order, settings)
    assert "お届け予定日（11月20日(金)）を過ぎてしまって" in text
    assert "申し訳" in text
    assert "担当者" in text
    assert "お届け予定日は" not in text  # no new date is made up
    assert "新しいお届け予定日" not in text


def test_late_order_when_the_delay_estimate_has_passed_too(settings):
    order = make_order(
        "shipped",
        shipment={"estimated_delivery": "2026-11-18"},
        delay={"reason": "悪天候", "new_estimate": "2026-11-21"},
    )
    text = describe(order, settings)
    assert "過ぎて" in text
    assert "新しいお届け予定日は11月21日" not in text  # a date in the past is no promise


def test_delay_without_reason_still_moves_the_estimate(settings):
    order = make_order("shipped", delay={"reason": None, "new_estimate": "2026-11-27"})
    text = describe(order, settings)
    assert "お届け予定日は11月27日(金)です" in text
    assert "11月25日" not in text


def test_seasonal_note_when_now_is_in_a_busy_period(settings):
    assert settings.busy_periods, "shop.yml lists the year-end busy period"
    period = settings.busy_periods[0]
    now = dt.datetime.combine(period.start, dt.time(12), tzinfo=JST)
    order = make_order(
        "shipped",
        placed_at=(now - dt.timedelta(days=2)).isoformat(),
        shipment={
            "shipped_at": (now - dt.timedelta(days=1)).isoformat(),
            "estimated_delivery": (period.start + dt.timedelta(days=2)).isoformat(),
        },
    )
    text = describe(order, settings, now=now)
    assert f"※{period.note}" in text


def test_seasonal_note_from_a_custom_settings_file(tmp_path):
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw["busy_periods"] = [
        {"start": "2026-11-23", "end": "2026-11-25", "note": "連休明けで配送が混み合っております。"}
    ]
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    busy = load_settings(path)
    text = describe(not_shipped("preparing"), busy)
    assert "※連休明けで配送が混み合っております。" in text
    # outside the period (and an estimate outside it) there is no note
    later = dt.datetime(2026, 11, 26, 11, tzinfo=JST)
    calm = describe(
        not_shipped("preparing", shipment={"estimated_delivery": "2026-11-28"}), busy, now=later
    )
    assert "混み合って" not in calm


def test_no_seasonal_note_outside_busy_periods(settings):
    text = describe(make_order("shipped"), settings)
    assert "※" not in text


# --- live tracking ------------------------------------------------------------------------


def in_transit(expected: dt.date | None = dt.date(2026, 11, 26)) -> TrackingResult:
    return TrackingResult(
        ok=True,
        tag="InTransit",
        expected_delivery=expected,
        checkpoints=(
            Checkpoint(
                dt.datetime(2026, 11, 23, 15, 0, tzinfo=JST), "荷物を受け付けました", "市川"
            ),
            Checkpoint(
                dt.datetime(2026, 11, 23, 21, 30, tzinfo=dt.timezone.utc),  # 11/24 06:30 JST
                "東京ベースに到着しました",
                "東京ベース",
            ),
        ),
    )


def test_live_tracking_shows_the_latest_checkpoint_and_prefers_the_carrier_estimate(settings):
    text = describe(make_order("shipped"), settings, tracking=in_transit())
    assert (
        "ヤマト運輸の最新の配送状況（11月24日(火) 06:30）：東京ベースに到着しました（東京ベース）"
        in text
    )
    assert "荷物を受け付けました" not in text  # only the latest one
    assert "ヤマト運輸のお届け予定日は11月26日(木)です" in text
    assert "11月25日" not in text  # the shop's older estimate is not shown as well
    assert LIVE_UNAVAILABLE not in text


def test_live_tracking_without_carrier_estimate_keeps_the_stored_one(settings):
    text = describe(make_order("shipped"), settings, tracking=in_transit(expected=None))
    assert "お届け予定日は11月25日(水)です" in text
    assert "東京ベースに到着しました" in text


@pytest.mark.parametrize("error", ["timeout", "connection error", "http 500", "bad json"])
def test_live_tracking_failure_is_said_honestly(settings, error):
    text = describe(make_order("shipped"), settings, tracking=TrackingResult.failed(error))
    assert f"ヤマト運輸の{LIVE_UNAVAILABLE}ため、当店の記録をもとにお知らせしています" in text
    assert "お問い合わせ伝票番号：1234-5678-9012" in text
    assert "お届け予定日は11月25日(水)です" in text


def test_live_tracking_not_configured_says_nothing_about_it(settings):
    text = describe(
        make_order("shipped"), settings, tracking=TrackingResult.failed("not configured")
    )
    assert LIVE_UNAVAILABLE not in text
    assert "最新の配送状況" not in text
    assert text == describe(make_order("shipped"), settings)


def test_live_tracking_is_not_mentioned_before_shipping(settings):
    text = describe(not_shipped("preparing"), settings, tracking=TrackingResult.failed("timeout"))
    assert LIVE_UNAVAILABLE not in text


# --- progress line ------------------------------------------------------------------------

STAGES = ["支払い確認", "準備中", "発送準備完了", "発送", "配達中", "お届け済み"]


@pytest.mark.parametrize(
    ("status_", "done", "current", "step"),
    [
        ("payment_pending", 0, "支払い確認", 1),
        ("paid", 1, None, 1),
        ("preparing", 1, "準備中", 2),
        ("ready_to_ship", 2, "発送準備完了", 3),
        ("shipped", 3, "発送", 4),
        ("out_for_delivery", 4, "配達中", 5),
        ("delivered", 6, None, 6),
    ],
)
def test_progress_line_marks_the_right_stage(status_, done, current, step):
    line = status.progress_line(status_)
    assert messages.stage_names() == STAGES
    stages = line.split("（")[0].split(" → ")
    assert len(stages) == 6
    assert stages[:done] == [f"{name}✓" for name in STAGES[:done]]
    if current:
        assert stages[done] == f"【{current}】"
        assert stages[done + 1 :] == STAGES[done + 1 :]
    else:
        assert "【" not in line
        assert stages[done:] == STAGES[done:]
    assert line.endswith(f"（全6段階中{step}段階目）")


@pytest.mark.parametrize("status_", ["cancelled", "returned"])
def test_no_progress_line_for_cancelled_or_returned(settings, status_):
    assert status.progress_line(status_) is None
    assert "段階目" not in describe(make_order(status_), settings)


def test_the_progress_line_is_part_of_the_answer(settings):
    text = describe(make_order("shipped"), settings)
    assert status.progress_line("shipped") in text


# --- short answers ------------------------------------------------------------------------


def test_tracking_only(settings):
    text = status.tracking_only(make_order("shipped"), settings=settings)
    assert "1234-5678-9012（ヤマト運輸）" in text
    assert "id=123456789012" in text
    none = status.tracking_only(not_shipped("preparing"), settings=settings)
    assert "まだ発送前" in none
    assert_clean(text)
    assert_clean(none)


def test_other_order_label(settings):
    label = status.other_order_label(make_order("delivered"), settings)
    assert label == "A-100234（11月20日(金)・お届け済み）"


# --- nothing empty, None or half-rendered in any answer ------------------------------------

TRACKINGS = {
    "none": None,
    "ok": in_transit(),
    "failed": TrackingResult.failed("timeout"),
    "not configured": TrackingResult.failed("not configured"),
    "ok, no checkpoints": TrackingResult(ok=True, tag="InfoReceived"),
}
TOPICS = ["order_status", "payment_status", "refund_status", "cancel_order", "report_problem"]


def sparse_variants(order: dict) -> list[dict]:
    """The same order with every optional part missing in turn (contract §3 allows it)."""
    variants = []
    for key in ("shipment", "shipping_address", "delay"):
        for value in (None, "absent"):
            variant = copy.deepcopy(order)
            if value == "absent":
                variant.pop(key, None)
            else:
                variant[key] = None
            variants.append(variant)
    if order.get("shipment"):
        variant = copy.deepcopy(order)
        variant["shipment"] = {"carrier": None, "tracking_number": None}
        variants.append(variant)
    variant = copy.deepcopy(order)
    variant["payment"]["paid_at"] = None
    variants.append(variant)
    return variants


@pytest.mark.parametrize("order", DEMO, ids=[o["order_id"] for o in DEMO])
def test_no_none_null_or_braces_in_any_answer(settings, order):
    for variant in [order, *sparse_variants(order)]:
        for tracking in TRACKINGS.values():
            for topic in TOPICS:
                for now in (NOW, dt.datetime(2026, 12, 28, 20, tzinfo=JST)):
                    describe(variant, settings, now=now, tracking=tracking, topic=topic)
        assert_clean(status.tracking_only(variant, settings=settings))
        assert_clean(status.other_order_label(variant, settings))
