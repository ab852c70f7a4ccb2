"""Order numbers, e-mails and phones as customers really type them."""

import re

import pytest
import yaml

from bot.identifiers import (
    ENTITY_PATTERNS,
    URL_RE,
    canonical_email,
    canonical_order_id,
    canonical_phone,
    find_identifiers,
)
from tests.conftest import ROOT
from tests.nlu.timing import cpu_seconds


@pytest.mark.parametrize(
    "typed",
    [
        "A-100234",
        "a-100234",
        "A100234",
        "Ａ－１００２３４",
        "ａ１００２３４",
        "A−100234",  # minus sign
        "A‐100234",  # hyphen
        "Aー100234",  # long-vowel mark from a kana IME
        "A－100234",
        " A-100234 ",
    ],
)
def test_every_typed_form_of_an_order_number_is_one_canonical_value(typed):
    assert canonical_order_id(typed) == "A-100234"


@pytest.mark.parametrize("typed", ["#1001", "＃1001", "1001", "＃１００１"])
def test_shopify_style_numbers_lose_the_hash(typed):
    assert canonical_order_id(typed) == "1001"


@pytest.mark.parametrize("typed", ["", "ABCD-1234", "A-123", "A-12345678901", "注文", "A--1234"])
def test_what_is_not_an_order_number_is_rejected(typed):
    assert canonical_order_id(typed) is None


def test_email_is_half_width_and_lower_case():
    assert canonical_email("Ｔａｒｏ＠Ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"
    assert canonical_email("taro@example") is None


@pytest.mark.parametrize(
    "typed", ["090-1234-5678", "09012345678", "０９０－１２３４－５６７８", "090ー1234ー5678"]
)
def test_phone_is_digits_only(typed):
    assert canonical_phone(typed) == "09012345678"


def test_landline_and_international_forms():
    assert canonical_phone("03-1234-5678") == "0312345678"
    assert canonical_phone("+81 90-1234-5678") == "09012345678"
    assert canonical_phone("123-4567") is None


def _found(text):
    return [(text[s:e], kind) for s, e, kind in find_identifiers(text)]


def test_identifiers_are_found_in_running_japanese_text():
    text = "注文番号はＡ－１００２３４、メールはtaro.y@example.co.jp、電話は090-1234-5678です"
    assert _found(text) == [
        ("Ａ－１００２３４", "order_id"),
        ("taro.y@example.co.jp", "email"),
        ("090-1234-5678", "phone"),
    ]


def test_bare_digits_count_as_an_order_number_only_after_bango():
    assert _found("注文番号1001です") == [("1001", "order_id")]
    assert _found("注文番号は1001") == [("1001", "order_id")]
    assert _found("1001円でした") == []
    assert _found("#1001") == [("#1001", "order_id")]


def test_an_order_number_inside_an_email_is_part_of_the_email():
    assert _found("ab12345@example.jp") == [("ab12345@example.jp", "email")]


def test_dates_prices_and_tracking_numbers_are_not_phones():
    assert _found("2026-11-24に5,500円") == []
    assert _found("1234-5678-9012") == []


def test_data_regexes_mirror_the_code_patterns():
    """data/nlu/regex.yml feeds Rasa's regex extractor; it must match bot.identifiers."""
    data = yaml.safe_load((ROOT / "data" / "nlu" / "regex.yml").read_text(encoding="utf-8"))
    in_data = {block["regex"]: block["examples"].strip()[2:] for block in data["nlu"]}
    assert in_data == {name: rx.pattern for name, rx in ENTITY_PATTERNS.items()}


def test_two_addresses_in_one_message_are_both_found():
    assert _found("taro@example.jp、hanako@example.co.jp") == [
        ("taro@example.jp", "email"),
        ("hanako@example.co.jp", "email"),
    ]


def test_an_address_is_matched_from_the_start_of_its_run():
    assert _found("連絡先+taro.y@example.jp") == [("+taro.y@example.jp", "email")]
    full_width = "ｔａｒｏ＿ｙ＠ｅｘａｍｐｌｅ．ｊｐ"
    assert _found(full_width + "です") == [(full_width, "email")]


# Messages a client can send in one go (the REST channel takes 100,000 characters and
# more). A linear scan of any of these takes a few milliseconds here; the quadratic
# e-mail pattern this replaced took about a minute for each of the long runs.
ADVERSARIAL_INPUTS = {
    "letters": "a" * 100_000,
    "letter-dot": "a." * 50_000,
    "digits": "1" * 100_000,
    "letter-at": "a@" * 50_000,
    "address-like": "a@b." * 25_000,
    "at-then-letters": "a@" + "a" * 99_998,
    "at-then-labels": "a@" + "a." * 49_999,
    "full-width-digits": "０" * 100_000,
    "dash-digit": "-1" * 50_000,
    "zero-dash": "0-" * 50_000,
    "phone-groups": "090-1234-" * 11_111,
    "full-width-mixed": "Ａ１．＿ａ－" * 16_666,
    "full-width-then-at": "ｘ" * 100_000 + "@",
    "hash-digits": "#1" * 50_000,
    "bango-digits": "番号1" * 33_333,
    "order-numbers": "A-1234 " * 14_285,
    "addresses": "a@b.jp " * 14_285,
    "url-prefix": "http://" * 14_285,
    "kana-dash": "Aー1ー" * 25_000,
}
SCANNED = {**ENTITY_PATTERNS, "url": URL_RE}


@pytest.mark.parametrize("flags", [0, re.IGNORECASE], ids=["exact", "ignorecase"])
@pytest.mark.parametrize("kind", SCANNED)
@pytest.mark.parametrize("name", ADVERSARIAL_INPUTS)
def test_every_pattern_scans_100000_characters_in_linear_time(name, kind, flags):
    # Rasa's RegexFeaturizer and RegexEntityExtractor compile regex.yml with IGNORECASE
    pattern = re.compile(SCANNED[kind].pattern, flags)
    text = ADVERSARIAL_INPUTS[name]
    _, seconds = cpu_seconds(lambda: list(pattern.finditer(text)))
    assert seconds < 0.5


@pytest.mark.parametrize("name", ADVERSARIAL_INPUTS)
def test_find_identifiers_scans_100000_characters_in_linear_time(name):
    text = ADVERSARIAL_INPUTS[name]
    _, seconds = cpu_seconds(find_identifiers, text)
    assert seconds < 0.5
