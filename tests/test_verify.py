"""bot.verify against a real SQLite database: every way of typing, and the lockout."""

from __future__ import annotations

import pytest

from bot import db, importer, orders, verify

MAX = 5
TARO = {
    "order_id": "A-100234",
    "placed_at": "2026-11-20T10:15:00+09:00",
    "customer": {"name": "山田 太郎", "email": "Taro.Yamada@Example.jp", "phone": "090-1234-5678"},
    "payment": {"method": "credit_card", "status": "paid", "paid_at": "2026-11-20T10:16:00+09:00"},
    "status": "shipped",
    "items": [{"sku": "TS-01-M", "name": "オーガニックTシャツ M", "quantity": 1, "price": 3980}],
    "shipment": {
        "carrier": "yamato",
        "tracking_number": "1234-5678-9012",
        "shipped_at": "2026-11-23T15:00:00+09:00",
        "estimated_delivery": "2026-11-25",
    },
}
HANAKO = {
    **TARO,
    "order_id": "B-200345",
    "customer": {"name": "佐藤 花子", "email": "hanako@example.com", "phone": "03-1234-5678"},
}
SHOPIFY = {
    **TARO,
    "order_id": "#1001",
    "customer": {"name": "鈴木 一郎", "email": "ichiro@example.jp", "phone": None},
}
PHONE_ONLY = {
    **TARO,
    "order_id": "C-300456",
    "customer": {"name": "高橋 美咲", "email": None, "phone": "080-9876-5432"},
}


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('verify') / 'shop.sqlite3'}"
    db.upgrade(url)
    with db.session_scope(url) as session:
        report = importer.import_records(session, [TARO, HANAKO, SHOPIFY, PHONE_ONLY])
    assert report.rejected == 0, report.errors
    yield url
    db.dispose(url)


@pytest.fixture
def find(url):
    def find_order(order_id: str) -> dict | None:
        with db.session_scope(url) as session:
            return orders.find_order(session, order_id)

    return find_order


def check(find, order_id, contact, failures=0):
    return verify.check(find, order_id, contact, failures, MAX)


# --- the right pair ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "contact",
    [
        "taro.yamada@example.jp",
        "Taro.Yamada@Example.jp",  # as the shop stored it
        "TARO.YAMADA@EXAMPLE.JP",
        "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ",  # full-width
        " taro.yamada@example.jp ",
        "090-1234-5678",
        "09012345678",
        "０９０－１２３４－５６７８",  # full-width with full-width dashes
        "０９０１２３４５６７８",
        "090ー1234ー5678",  # the IME's long-vowel mark
        "090−1234−5678",  # minus sign
        "090 1234 5678",
        "+81 90-1234-5678",
        "+819012345678",
    ],
)
def test_right_contact_in_any_form_verifies(find, contact):
    result = check(find, "A-100234", contact)
    assert result.verified
    assert result.order["order_id"] == "A-100234"
    assert result.failures == 0
    assert not result.locked


@pytest.mark.parametrize(
    "order_id",
    ["A-100234", "a-100234", "A100234", "a100234", "Ａ－１００２３４", "ａ１００２３４",
     "Aー100234", "A‐100234", "A−100234", " A-100234 "],
)  # fmt: skip
def test_order_id_in_any_typed_form_verifies(find, order_id):
    result = check(find, order_id, "taro.yamada@example.jp")
    assert result.verified
    assert result.order["order_id"] == "A-100234"


@pytest.mark.parametrize("order_id", ["#1001", "1001", "＃１００１", "＃1001"])
def test_shopify_style_order_numbers(find, order_id):
    result = check(find, order_id, "ichiro@example.jp")
    assert result.verified
    assert result.order["order_id"] == "1001"


def test_landline_and_phone_only_orders(find):
    assert check(find, "B-200345", "0312345678").verified
    assert check(find, "B-200345", "03-1234-5678").verified
    assert check(find, "C-300456", "080-9876-5432").verified


def test_previous_failures_are_kept_on_success(find):
    result = check(find, "A-100234", "taro.yamada@example.jp", failures=3)
    assert result.verified
    assert result.failures == 3
    assert not result.locked


def test_contact_stored_in_a_slot_verifies_again(find):
    contact = verify.parse_contact("TARO.YAMADA@example.jp")
    assert str(contact) == "email:taro.yamada@example.jp"
    assert check(find, "A-100234", str(contact)).verified
    phone = verify.parse_contact("０９０-1234-5678")
    assert str(phone) == "phone:09012345678"
    assert check(find, "A-100234", str(phone)).verified


# --- the wrong pair -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "contact"),
    [
        ("A-100234", "hanako@example.com"),  # another customer's e-mail
        ("A-100234", "03-1234-5678"),  # another customer's phone
        ("A-100234", "taro.yamada@example.com"),  # almost
        ("A-100234", "090-1234-5679"),
        ("B-200345", "taro.yamada@example.jp"),  # the right e-mail for another order
        ("Z-999999", "taro.yamada@example.jp"),  # unknown order
        ("Z-999999", "nobody@example.jp"),
        ("A-1002345", "taro.yamada@example.jp"),  # one digit too many
        ("100234", "taro.yamada@example.jp"),  # digits without the letters
        ("A-100234", "山田 太郎"),  # a name is not a contact
        ("A-100234", ""),
        ("A-100234", None),
        ("注文番号", "taro.yamada@example.jp"),
        (None, "taro.yamada@example.jp"),
        ("C-300456", "@example.jp"),  # the phone-only order has no e-mail to match
    ],
)
def test_wrong_pair_fails_without_telling_anything(find, order_id, contact):
    result = check(find, order_id, contact)
    assert result == verify.Check(verified=False, order=None, failures=1, locked=False)


def test_unknown_order_and_wrong_email_give_the_same_result(find):
    unknown = check(find, "Z-999999", "taro.yamada@example.jp", failures=2)
    wrong = check(find, "A-100234", "hanako@example.com", failures=2)
    assert unknown == wrong
    assert (unknown.verified, unknown.order, unknown.failures) == (False, None, 3)
    assert type(unknown) is type(wrong)
    assert unknown.attempts_left(MAX) == wrong.attempts_left(MAX) == 2


# --- counting and lockout -----------------------------------------------------------------


def test_failures_count_up_and_attempts_left_count_down(find):
    failures = 0
    for attempt in range(1, MAX):
        result = check(find, "A-100234", "wrong@example.jp", failures)
        failures = result.failures
        assert failures == attempt
        assert result.attempts_left(MAX) == MAX - attempt
        assert not result.locked


def test_fifth_failure_locks(find):
    result = check(find, "A-100234", "wrong@example.jp", failures=MAX - 1)
    assert result.failures == MAX
    assert result.locked
    assert not result.verified
    assert result.attempts_left(MAX) == 0


def test_sixth_attempt_is_not_even_checked(find):
    looked_up = []

    def spy(order_id):
        looked_up.append(order_id)
        return find(order_id)

    failures = 0
    for _ in range(MAX):
        failures = verify.check(spy, "A-100234", "wrong@example.jp", failures, MAX).failures
    assert len(looked_up) == MAX
    result = verify.check(spy, "A-100234", "taro.yamada@example.jp", failures, MAX)
    assert result == verify.Check(verified=False, order=None, failures=MAX, locked=True)
    assert len(looked_up) == MAX  # the database was not asked at all


def test_nothing_is_looked_up_without_a_contact(find):
    looked_up = []
    verify.check(looked_up.append, "A-100234", "not a contact", 0, MAX)
    verify.check(looked_up.append, "garbage", "taro.yamada@example.jp", 0, MAX)
    assert looked_up == []


def test_is_order_of():
    contact = verify.parse_contact("taro.yamada@example.jp")
    assert verify.is_order_of(TARO, contact)
    assert not verify.is_order_of(HANAKO, contact)
    assert not verify.is_order_of(None, contact)
    assert not verify.is_order_of(TARO, None)
    assert verify.is_order_of(PHONE_ONLY, verify.parse_contact("080-9876-5432"))
    assert not verify.is_order_of(PHONE_ONLY, verify.parse_contact("080-9876-5433"))


def test_a_blocked_order_number_is_not_checked_even_with_the_right_contact():
    order = {"order_id": "A-100234", "customer": {"email": "taro@example.jp", "phone": None}}
    result = verify.check(lambda oid: order, "A-100234", "taro@example.jp", 0, 5,
                          order_blocked=True)  # fmt: skip
    assert not result.verified and result.order is None and result.failures == 1
