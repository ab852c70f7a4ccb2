"""shop.yml: parsing, errors, SHOP_NOW, business hours, and the FAQ answers agreeing with it."""

import datetime as dt
import re

import pytest
import yaml

from bot import messages
from bot.settings import SettingsError, load_settings, now
from tests.conftest import ROOT

TOKYO = load_settings().timezone


FAQS = ("payment_methods", "shipping_fee", "delivery_time", "business_hours", "return_policy",
        "receipt", "gift_wrapping")  # fmt: skip


def faq_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][f"utter_faq/{name}"][0]["text"]


def faq_answer(name: str, shop) -> str:
    """The FAQ answer as the bot sends it: domain.yml's text, figures from the settings."""
    figures = messages.shop_figures(shop)
    return re.sub(r"\{(\w+)\}", lambda m: figures[m.group(1)], faq_text(name))


def test_the_faq_answers_quote_the_figures_of_shop_yml():
    shop = load_settings()
    assert "{" not in "".join(faq_answer(n, shop) for n in FAQS)
    assert "送料は全国一律660円" in faq_answer("shipping_fee", shop)
    assert "税込5,500円以上で送料無料" in faq_answer("shipping_fee", shop)
    assert "1,100円" in faq_answer("shipping_fee", shop)
    assert "代金引換（手数料330円）" in faq_answer("payment_methods", shop)
    assert "ご注文から7日以内" in faq_answer("payment_methods", shop)
    assert "平日10:00〜18:00" in faq_answer("business_hours", shop)
    assert "商品到着から8日以内" in faq_answer("return_policy", shop)
    assert "1点につき330円" in faq_answer("gift_wrapping", shop)


def test_a_shop_changes_a_figure_in_shop_yml_only(tmp_path):
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw["shipping"].update(fee=880, free_over=8000)
    raw["returns"].update(window_days=14, not_returnable_categories=["food"])
    raw["payment"]["methods"] = ["paypay", "credit_card"]
    raw["business_hours"].update(days=["mon", "tue", "wed", "thu", "fri", "sat"], open="09:00")
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shop = load_settings(path)
    assert "送料は全国一律880円" in faq_answer("shipping_fee", shop)
    assert "税込8,000円以上" in faq_answer("shipping_fee", shop)
    assert "14日以内" in faq_answer("return_policy", shop)
    assert "食品は、お客様のご都合による返品をお受けできません" in faq_answer("return_policy", shop)
    assert faq_answer("payment_methods", shop).startswith(
        "お支払い方法は、PayPay、クレジットカード"
    )
    assert "月火水木金土曜日09:00〜18:00" in faq_answer("business_hours", shop)


def test_every_carrier_has_a_japanese_name_and_a_link_template():
    shop = load_settings()
    assert set(shop.carriers) >= {"yamato", "sagawa", "japanpost"}
    link = shop.carriers["japanpost"].tracking_link("9000-1111-2222")
    assert "900011112222" in link and "{" not in link


def test_shop_now_overrides_the_clock(monkeypatch):
    monkeypatch.setenv("SHOP_NOW", "2026-11-24T05:00:00+00:00")
    assert now() == dt.datetime(2026, 11, 24, 14, 0, tzinfo=TOKYO)


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-24T14:00:00"])
def test_a_bad_shop_now_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("SHOP_NOW", value)
    with pytest.raises(SettingsError, match="SHOP_NOW"):
        now()


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        ("2026-11-24T14:00", "2026-11-24T14:00"),  # open now
        ("2026-11-24T19:30", "2026-11-25T10:00"),  # after closing: next morning
        ("2026-11-21T12:00", "2026-11-24T10:00"),  # Saturday; Monday 23rd is a holiday
        ("2026-12-28T18:00", "2027-01-04T10:00"),  # year-end closing
    ],
)
def test_next_opening_skips_weekends_and_closed_dates(moment, opens):
    hours = load_settings().hours
    at = dt.datetime.fromisoformat(moment).replace(tzinfo=TOKYO)
    assert hours.next_opening(at) == dt.datetime.fromisoformat(opens).replace(tzinfo=TOKYO)


def test_a_missing_or_broken_settings_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "nope.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("shop: [unclosed", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(broken)
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw["carriers"]["yamato"]["tracking_url"] = "https://example.jp/no-number"
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match="tracking_number"):
        load_settings(bad)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("cancel", "statuses", ["paid", "shiped"], r"cancel\.statuses: unknown value 'shiped'"),
        ("cancel", "automatic_refund_methods", ["visa"], r"cancel\.automatic_refund_methods"),
        ("changes", "item_statuses", "paid", r"changes\.item_statuses must be a list"),
        ("returns", "window_days", -1, r"returns\.window_days must be a whole number"),
        ("returns", "customer_pays_shipping", "yes", r"returns\.customer_pays_shipping"),
        ("refunds", "lead_days", {"bitcoin": 3}, r"refunds\.lead_days: unknown payment method"),
        ("warranty", "categories", {"furniture": "two years"}, r"warranty\.categories\.furniture"),
    ],
)
def test_a_bad_rule_names_its_key(tmp_path, section, key, value, message):
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw[section][key] = value
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(bad)


def test_rules_and_change_pages_are_read(tmp_path):
    raw = yaml.safe_load((ROOT / "shop.yml").read_text(encoding="utf-8"))
    raw["warranty"]["categories"] = {"furniture": 24}
    raw["refunds"]["lead_days"] = {"paypay": 1}
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shop = load_settings(path)
    assert shop.rules.warranty_for("furniture") == 24
    assert shop.rules.refund_days("paypay") == 1
    assert shop.rules.refund_days("credit_card") == 14  # the others keep their defaults
    link = shop.carrier("sagawa").change_link("1234-5678-9012")
    assert link.startswith("https://") and "123456789012" in link
