"""bot.verify: the verification service against a real SQLite database.

Every way of typing the pair, every limit (conversation, contact, order number, client
address), the real clock, and what a proof covers.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot import db, importer, verify
from bot.settings import VerificationLimits
from bot.verify import Outcome

LIMITS = VerificationLimits(per_conversation=5, per_contact=10, per_order=50, per_client=30)
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


TARO_2 = {**TARO, "order_id": "A-100999", "placed_at": "2026-11-21T10:15:00+09:00"}


class Clock:
    """A clock the test moves; the service never reads SHOP_NOW."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    db.upgrade(url)
    with db.session_scope(url) as session:
        report = importer.import_records(session, [TARO, TARO_2, HANAKO, SHOPIFY, PHONE_ONLY])
    assert report.rejected == 0, report.errors
    yield url
    db.dispose(url)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(url, clock):
    return verify.VerificationService(lambda: db.session_scope(url), LIMITS, clock)


def fail_times(service, n, conversation="c-attacker", order_id="A-100234", contact=None, **kw):
    """``n`` failed checks, each with a different wrong contact unless one is given."""
    for i in range(n):
        typed = contact or f"wrong{i}@example.jp"
        result = service.verify(conversation, order_id, typed, **kw)
        assert not result.verified
    return result


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
        "email:taro.yamada@example.jp",  # as a slot keeps it
    ],
)
def test_right_contact_in_any_form_verifies(service, contact):
    result = service.verify("c1", "A-100234", contact)
    assert result.outcome is Outcome.VERIFIED
    assert result.proof.order_id == "A-100234"


@pytest.mark.parametrize(
    "order_id",
    ["A-100234", "a-100234", "A100234", "a100234", "Ａ－１００２３４", "ａ１００２３４",
     "Aー100234", "A‐100234", "A−100234", " A-100234 "],
)  # fmt: skip
def test_order_id_in_any_typed_form_verifies(service, order_id):
    assert service.verify("c1", order_id, "taro.yamada@example.jp").proof.order_id == "A-100234"


@pytest.mark.parametrize("order_id", ["#1001", "1001", "＃１００１", "＃1001"])
def test_shopify_style_order_numbers(service, order_id):
    assert service.verify("c1", order_id, "ichiro@example.jp").proof.order_id == "1001"


def test_landline_and_phone_only_orders(service):
    assert service.verify("c1", "B-200345", "0312345678").verified
    assert service.verify("c1", "B-200345", "03-1234-5678").verified
    assert service.verify("c1", "C-300456", "080-9876-5432").verified


# --- what a proof covers ------------------------------------------------------------------


def test_the_proof_names_the_order_and_the_other_orders_of_the_same_contact(service):
    proof = service.verify("c1", "A-100234", "taro.yamada@example.jp").proof
    assert proof.order_ids == ("A-100234", "A-100999")
    assert proof.covers("a100999") and proof.covers("Ａ－１００２３４")
    assert not proof.covers("B-200345")
    assert not proof.covers(None) and not proof.covers(123)


def test_a_proof_is_found_only_in_its_own_conversation(service):
    proof = service.verify("c1", "A-100234", "taro.yamada@example.jp").proof
    assert service.proof("c1", proof.id) == proof
    assert service.proof("c2", proof.id) is None
    assert service.proof("c1", "made-up") is None
    assert service.proof("c1", None) is None
    assert service.proof("c1", {"id": proof.id}) is None


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "contact"),
    [
        ("A-100234", "hanako@example.com"),  # another customer's e-mail
        ("A-100234", "03-1234-5678"),  # another customer's phone
        ("A-100234", "taro.yamada@example.com"),  # one letter off
        ("A-100234", "090-1234-5679"),  # one digit off
        ("B-200345", "taro.yamada@example.jp"),  # right e-mail, someone else's order
        ("Z-999999", "taro.yamada@example.jp"),  # no such order
        ("A-1002345", "taro.yamada@example.jp"),
        ("A-100234", "山田 太郎"),  # the name is not a contact
        ("A-100234", ""),
        ("A-100234", None),
        ("注文番号", "taro.yamada@example.jp"),
        (None, "taro.yamada@example.jp"),
        (100234, "taro.yamada@example.jp"),  # a hand-typed payload with a number
        ("A-100234", {"email": "taro.yamada@example.jp"}),  # ... or an object
    ],
)
def test_wrong_pair_fails_without_telling_anything(service, order_id, contact):
    result = service.verify("c1", order_id, contact)
    assert result == verify.Result(Outcome.FAILED, None, attempts_left=4)


def test_unknown_order_and_wrong_email_give_the_same_result(service):
    unknown = service.verify("c1", "Z-999999", "taro.yamada@example.jp")
    wrong = service.verify("c2", "A-100234", "nobody@example.jp")
    assert unknown == wrong


def test_the_fifth_failure_locks_the_conversation_and_then_nothing_is_checked(service):
    results = [service.verify("c1", "A-100234", f"x{i}@example.jp") for i in range(5)]
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].outcome is Outcome.LOCKED
    assert service.is_locked("c1") and not service.is_locked("c2")
    # even the right pair is not checked any more in this conversation
    assert service.verify("c1", "A-100234", "taro.yamada@example.jp").outcome is Outcome.LOCKED


def test_the_conversation_lock_survives_a_new_service_and_ends_after_its_window(url, clock):
    first = verify.VerificationService(lambda: db.session_scope(url), LIMITS, clock)
    fail_times(first, 5, conversation="c1", order_id="Z-1111")
    again = verify.VerificationService(lambda: db.session_scope(url), LIMITS, clock)  # restart
    assert again.is_locked("c1")
    clock.advance(hours=24, seconds=1)
    assert not again.is_locked("c1")


def test_a_success_resets_nothing(service):
    fail_times(service, 4, conversation="c1")
    assert service.verify("c1", "A-100234", "taro.yamada@example.jp").verified
    assert service.verify("c1", "A-100234", "x@example.jp").outcome is Outcome.LOCKED


def test_enumerating_order_numbers_with_one_email_is_stopped_by_the_contact_limit(service):
    # 30 fresh conversations, one guess each, the e-mail known: blocked after 10 failures
    outcomes = [
        service.verify(f"conv-{n}", f"A-{100200 + n}", "taro.yamada@example.jp").outcome
        for n in range(30)
    ]
    assert outcomes[:10] == [Outcome.FAILED] * 10
    assert set(outcomes[10:]) == {Outcome.BLOCKED}  # A-100234 (n=34) is never reached
    # the real order with that e-mail is not checked either, until the window passes
    assert service.verify("mine", "A-100234", "taro.yamada@example.jp").outcome is Outcome.BLOCKED


def test_the_contact_limit_counts_the_contact_in_any_typed_form(service, clock):
    for n in range(10):
        typed = (
            "TARO.YAMADA@EXAMPLE.JP" if n % 2 else "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ"
        )
        service.verify(f"conv-{n}", f"Z-{900000 + n}", typed)
    assert service.verify("x", "A-100234", "taro.yamada@example.jp").outcome is Outcome.BLOCKED
    clock.advance(hours=24, seconds=1)
    assert service.verify("x", "A-100234", "taro.yamada@example.jp").verified


def test_guessing_phone_numbers_for_one_order_is_stopped_by_the_order_limit(service, clock):
    for n in range(50):
        service.verify(f"conv-{n}", "A-100234", f"090-0000-{n:04d}")
    assert service.verify("x", "a100234", "taro.yamada@example.jp").outcome is Outcome.BLOCKED
    assert service.verify("x", "B-200345", "hanako@example.com").verified  # other numbers fine
    clock.advance(minutes=61)
    assert service.verify("y", "A-100234", "taro.yamada@example.jp").verified


def test_the_client_limit_counts_remote_addresses_only(service, clock):
    for n in range(30):
        service.verify(f"conv-{n}", f"Z-{800000 + n}", f"a{n}@example.jp", client="203.0.113.7")
    blocked = service.verify("x", "A-100234", "taro.yamada@example.jp", client="203.0.113.7")
    assert blocked.outcome is Outcome.BLOCKED
    assert service.verify("x", "A-100234", "taro.yamada@example.jp", client="203.0.113.8").verified
    for n in range(40):  # loopback (the proxy itself, tests) is never counted
        service.verify(f"l-{n}", f"Z-{700000 + n}", f"b{n}@example.jp", client="127.0.0.1")
    assert service.verify("y", "A-100234", "taro.yamada@example.jp", client="127.0.0.1").verified
    clock.advance(minutes=61)
    assert service.verify("z", "A-100234", "taro.yamada@example.jp", client="203.0.113.7").verified


@pytest.mark.parametrize(
    ("address", "counted"),
    [("203.0.113.7", "203.0.113.7"), ("2001:db8::1", "2001:db8::1"), ("127.0.0.1", None),
     ("::1", None), ("127.8.9.10", None), ("not an ip", None), (None, None), (42, None)],
)  # fmt: skip
def test_remote_client(address, counted):
    assert verify.remote_client(address) == counted


def test_limits_use_the_real_clock_not_shop_now(url, monkeypatch):
    service = verify.VerificationService(lambda: db.session_scope(url), LIMITS)
    monkeypatch.setenv("SHOP_NOW", "2020-01-01T00:00:00+09:00")
    fail_times(service, 5, conversation="c1")
    monkeypatch.setenv("SHOP_NOW", "2030-01-01T00:00:00+09:00")  # "now" jumps: still locked
    assert service.is_locked("c1")


def test_parse_contact_and_is_order_of():
    contact = verify.parse_contact("TARO.YAMADA@example.jp")
    assert str(contact) == "email:taro.yamada@example.jp"
    assert str(verify.parse_contact("０９０-1234-5678")) == "phone:09012345678"
    assert verify.parse_contact("山田") is None and verify.parse_contact(5) is None
    assert verify.is_order_of(TARO, contact)
    assert not verify.is_order_of(HANAKO, contact)
    assert not verify.is_order_of(None, contact)
    assert not verify.is_order_of(TARO, None)
    assert verify.is_order_of(PHONE_ONLY, verify.parse_contact("080-9876-5432"))
    assert not verify.is_order_of(PHONE_ONLY, verify.parse_contact("080-9876-5433"))
