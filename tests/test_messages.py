"""bot.messages and bot/templates/messages.ja.yml: every template renders, dates read right."""

from __future__ import annotations

import ast
import datetime as dt
import re
from zoneinfo import ZoneInfo

import jinja2
import jinja2.meta
import pytest

from bot import messages
from bot.settings import load_settings
from tests.conftest import ROOT

JST = ZoneInfo("Asia/Tokyo")
TEMPLATES = messages.catalogue()["templates"]

# A plausible value for every variable the templates use, typed as the code passes it.
PLAUSIBLE = {
    "order_id": "A-100234",
    "placed_at": dt.datetime(2026, 11, 20, 10, 15, tzinfo=JST),
    "status_name": "発送済み",
    "progress": "支払い確認✓ → 準備中✓ → 発送準備完了✓ → 【発送】 → 配達中 → お届け済み",
    "total": 6,
    "step": 4,
    "items": ["オーガニックTシャツ M ×1", "メリノウールソックス 2足組 ×2"],
    "due": dt.date(2026, 11, 27),
    "bank_account": "みずほ銀行 渋谷支店 普通 1234567 カ）サンプルショップ",
    "method": "銀行振込",
    "cod_fee": 330,
    "paid_at": dt.datetime(2026, 11, 21, 9, 0, tzinfo=JST),
    "carrier_name": "ヤマト運輸",
    "shipped_at": dt.datetime(2026, 11, 23, 15, 0, tzinfo=JST),
    "delivered_at": dt.datetime(2026, 11, 25, 14, 5, tzinfo=JST),
    "tracking_number": "1234-5678-9012",
    "tracking_link": "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=123456789012",
    "refunded": True,
    "paid": True,
    "card": True,
    "time": dt.datetime(2026, 11, 24, 6, 30, tzinfo=JST),
    "message": "東京ベースに到着しました",
    "location": "東京ベース",
    "date": dt.date(2026, 11, 25),
    "reason": "年末の注文集中",
    "new_estimate": dt.date(2026, 11, 27),
    "coupon_amount": 500,
    "limit": "2,000",
    "coupon_code": "SORRY500",
    "coupon_until": dt.date(2026, 12, 24),
    "note": "年末年始はご注文と配送が大変混み合います。",
    "count": 2,
    "topic": "ご注文のキャンセル",
    "attempts_left": 3,
    "max_attempts": 5,
    "handoff_id": 12,
    "opens_at": dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST),
    "hours": "平日10:00〜18:00",
    "contact_email": "support@shop.example.jp",
    "position": 3,
    "minutes": 7,
    "operator_name": "佐藤",
    # order actions
    "item_list": "オーガニックTシャツ M ×1、メリノウールソックス 2足組 ×2",
    "refund": "automatic",
    "refund_line": "お支払い済みの代金は、キャンセルと同時にご返金の手続きをいたします。",
    "when": "営業時間内に順次",
    "open_now": True,
    "delivered": True,
    "window": 8,
    "details": "TシャツのサイズをMからLに変更したい",
    "change_link": "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=123456789012",
    "shop_fault": True,
    "last_day": dt.date(2026, 12, 3),
    "unused_only": True,
    "refund_days": 14,
    "delivered_on": dt.date(2026, 11, 25),
    "category": "food",
    "can_cancel": True,
    "since": dt.date(2026, 11, 24),
    "expected": dt.date(2026, 12, 8),
    "by_operator": True,
    "problem": "商品の破損・汚れがあった",
    "photo": "商品と外箱の状態",
    "inside": True,
    "months": 12,
    "until": dt.date(2027, 11, 25),
    "item": "電気ケトル",
    "names": "食品・肌着",
    # product answers
    "product": "オーガニックコットンTシャツ 白",
    "sku": "TS-01",
    "price": 3980,
    "material": "綿100%（オーガニックコットン）",
    "care": "洗濯機可（ネット使用）・乾燥機不可",
    "size": "M",
    "size_names": ["S", "M", "L"],
    "sizes": [{"size": "M", "measurements": [{"label": "着丈", "value": 70}]}],
    "state": "few",
    "line": "Mサイズは在庫がございます（残りわずか）。",
    "lines": ["Mサイズは在庫がございます（残りわずか）。", "Lサイズは売り切れです。"],
    "sold_out": ["L"],
}
# Values that switch a template's branches; every template is rendered with each.
FALSY = {"paid_at": None, "shipped_at": None, "delivered_at": None, "location": "",
         "refunded": False, "paid": False, "minutes": None, "position": 1,
         "open_now": False, "delivered": False, "shop_fault": False, "last_day": None,
         "unused_only": False, "can_cancel": False, "since": None, "expected": None,
         "by_operator": False, "photo": None, "inside": False, "refund": "none"}  # fmt: skip
FALSY |= {"care": "", "size_names": [], "sold_out": [], "months": 0}  # product answers


def variables(name: str) -> set[str]:
    source = TEMPLATES[name]
    return jinja2.meta.find_undeclared_variables(messages._environment().parse(source))


def assert_rendered(text: str, name: str) -> None:
    assert not re.search(r"[{}]", text), f"{name}: brace left in {text!r}"
    assert "None" not in text, f"{name}: {text!r}"
    assert "Undefined" not in text, f"{name}: {text!r}"
    assert "\n\n\n" not in text


def test_every_template_variable_has_a_plausible_value():
    missing = {name: variables(name) - PLAUSIBLE.keys() for name in TEMPLATES}
    assert not {k: v for k, v in missing.items() if v}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_with_plausible_values(name):
    values = {key: PLAUSIBLE[key] for key in variables(name)}
    text = messages.render(name, **values)
    assert_rendered(text, name)
    optional = {key: value for key, value in FALSY.items() if key in values}
    if optional:
        assert_rendered(messages.render(name, **{**values, **optional}), name)


@pytest.mark.parametrize("name", sorted(n for n in TEMPLATES if variables(n)))
def test_a_missing_value_is_an_error_not_a_hole(name):
    # StrictUndefined, or a filter (yen) refusing it: either way an error, never a blank
    with pytest.raises((jinja2.UndefinedError, TypeError)):
        messages.render(name)


def test_dates_in_templates_carry_the_weekday():
    assert "11月27日(金)" in messages.render("payment_pending_konbini", due=dt.date(2026, 11, 27))
    text = messages.render(
        "handoff_closed_hours",
        handoff_id=3,
        opens_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST),
        hours="平日10:00〜18:00",
    )
    assert "11月24日(火) 10:00以降" in text
    assert "平日10:00〜18:00" in text


def test_optional_dates_leave_no_gap():
    assert messages.render("paid", paid_at=None, method="PayPay").startswith("お支払い（PayPay）")
    text = messages.render("delivered", carrier_name="佐川急便", delivered_at=None)
    assert text == "佐川急便の記録では、お届け済みとなっております。"
    checkpoint = messages.render(
        "live_checkpoint",
        carrier_name="日本郵便",
        time=dt.datetime(2026, 11, 24, 9, 5, tzinfo=JST),
        message="配達に出発しました",
        location="",
    )
    assert checkpoint.endswith("：配達に出発しました")


def test_item_list_and_yen():
    assert messages.render("items", items=["A ×1", "B ×2"]) == "ご注文商品：A ×1、B ×2"
    assert messages.yen(1100) == "1,100円"
    assert "500円引き" in messages.render("delay", **{k: PLAUSIBLE[k] for k in variables("delay")})


# --- jdate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 24), "11月24日(火)"),
        ("2026-11-24", "11月24日(火)"),
        ("2026-11-24T23:59:00+09:00", "11月24日(火)"),
        (dt.datetime(2026, 11, 24, 8, 0, tzinfo=JST), "11月24日(火)"),
        (dt.date(2026, 11, 22), "11月22日(日)"),
        (dt.date(2026, 11, 23), "11月23日(月)"),
        (dt.date(2026, 11, 25), "11月25日(水)"),
        (dt.date(2026, 11, 26), "11月26日(木)"),
        (dt.date(2026, 11, 27), "11月27日(金)"),
        (dt.date(2026, 11, 28), "11月28日(土)"),
        (dt.date(2027, 1, 1), "1月1日(金)"),
        (dt.date(2028, 2, 29), "2月29日(火)"),
    ],
)
def test_jdate(value, expected):
    assert messages.jdate(value) == expected


def test_jdate_every_weekday_matches_python():
    start = dt.date(2026, 1, 1)
    for offset in range(366):
        day = start + dt.timedelta(days=offset)
        assert messages.jdate(day).endswith(f"({'月火水木金土日'[day.weekday()]})")


def test_jdatetime():
    moment = dt.datetime(2026, 11, 24, 14, 5, tzinfo=JST)
    assert messages.jdatetime(moment) == "11月24日(火) 14:05"


# --- names, buttons, business hours -----------------------------------------------------


def test_status_payment_and_topic_names():
    for status in ("payment_pending", "paid", "preparing", "ready_to_ship", "shipped",
                   "out_for_delivery", "delivered", "cancelled", "returned"):  # fmt: skip
        assert messages.status_name(status)
    for method in ("credit_card", "bank_transfer", "konbini", "cod", "paypay"):
        assert messages.payment_method_name(method) != method
    assert messages.topic_name("cancel_order") == "ご注文のキャンセル"
    assert messages.topic_name("nonsense") == messages.topic_name("order_status")
    assert len(messages.stage_names()) == 6


def test_human_offer_buttons_are_intent_payloads_and_copies():
    buttons = messages.human_offer_buttons()
    assert [b["payload"] for b in buttons] == ["/human_handoff", "/deny"]
    buttons[0]["payload"] = "changed"
    assert messages.human_offer_buttons()[0]["payload"] == "/human_handoff"


def test_business_hours_text():
    hours = load_settings(ROOT / "shop.yml").hours
    assert messages.business_hours_text(hours) == "平日10:00〜18:00"


# --- what the code passes ---------------------------------------------------------------

SOURCES = [*sorted((ROOT / "bot").glob("*.py")), *sorted((ROOT / "actions").glob("*.py"))]
RENDERERS = {"render": 0, "say": 1, "offer_human": 1}  # function -> index of the name argument


def template_calls():
    """(file:line, template name, keyword names) for every call with a literal name."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            index = RENDERERS.get(fname)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            keywords = {k.arg for k in node.keywords if k.arg} - {"buttons"}
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield where, arg.value, keywords
            elif isinstance(arg, ast.JoinedStr):  # f"verify_hint_{requested}"
                prefix = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                for name in TEMPLATES:
                    if name.startswith(prefix):
                        yield where, name, keywords


CALLS = list(template_calls())


def test_the_code_uses_templates():
    names = {name for _, name, _ in CALLS}
    assert {"header", "verify_failed", "handoff_open", "verify_hint_contact"} <= names


@pytest.mark.parametrize(("where", "name", "keywords"), CALLS, ids=[c[0] for c in CALLS])
def test_every_call_names_a_template_and_passes_all_its_values(where, name, keywords):
    assert name in TEMPLATES, f"{where}: no template {name!r}"
    missing = variables(name) - keywords
    assert not missing, f"{where}: {name} needs {sorted(missing)}"


def test_verify_hints_exist_for_both_form_slots():
    assert {"verify_hint_order_id", "verify_hint_contact"} <= TEMPLATES.keys()
