"""validate_verify_form and the verification gate of action_answer_order."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.common import settings
from actions.orders import ActionAnswerOrder
from actions.verification import ValidateVerifyForm
from tests.actions.conftest import (
    DEMO,
    NOW,
    facts,
    followups,
    form_tracker,
    make_tracker,
    run,
    slot_events,
    texts,
)

TARO_EMAIL = "taro.yamada@example.jp"
FAILED = "ご注文を確認できませんでした"


def validate(domain, slots, candidates, requested="contact", **kwargs):
    return run(ValidateVerifyForm(), form_tracker(slots, candidates, requested=requested, **kwargs),
               domain)  # fmt: skip


# --- the gate ---------------------------------------------------------------------------


def test_not_verified_starts_the_form_and_tells_nothing(domain):
    tracker = make_tracker(
        {"order_id": "D-200001"}, "D-200001の配送状況を教えて", entities={"order_id": "D-200001"}
    )
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    assert followups(events) == ["verify_form"]
    assert slot_events(events) == {"topic": "order_status"}
    said = texts(messages)
    assert not any(fact in said for fact in facts(DEMO["D-200001"]))
    assert "お届け済み" not in said
    assert "D-200001" not in said  # not even an echo that would hint it exists


def test_not_verified_unknown_order_gets_exactly_the_same(domain):
    known = run(ActionAnswerOrder(), make_tracker({"order_id": "D-200001"}), domain)
    unknown = run(ActionAnswerOrder(), make_tracker({"order_id": "D-299999"}), domain)
    assert known == unknown


def test_gate_checks_a_pair_given_in_one_message(domain):
    tracker = make_tracker(
        {"order_id": "d200001", "contact": TARO_EMAIL.upper()}, "d200001 " + TARO_EMAIL.upper()
    )
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    slots = slot_events(events)
    assert slots["verification"] == "verified"
    assert slots["order_id"] == "D-200001"
    assert slots["verified_contact"] == f"email:{TARO_EMAIL}"
    assert "4512-3456-7801" in texts(messages)


def test_gate_with_a_wrong_pair_fails_and_asks_again(domain):
    tracker = make_tracker({"order_id": "D-200001", "contact": "hanako.sato@example.com"})
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    slots = slot_events(events)
    assert slots["verify_failures"] == 1
    assert slots["order_id"] is None and slots["contact"] is None
    assert "verification" not in slots
    assert followups(events) == ["verify_form"]
    assert FAILED in texts(messages)
    assert "あと4回" in texts(messages)


# --- validate_verify_form -------------------------------------------------------------------


def test_order_id_alone_is_canonicalised_and_the_form_goes_on(domain):
    events, messages = validate(domain, {}, {"order_id": "ｄ－２００００１"}, requested="order_id")
    assert slot_events(events) == {"order_id": "D-200001"}
    assert messages == []


def test_right_pair_verifies(domain):
    events, messages = validate(
        domain, {"order_id": "D-200001"}, {"contact": "ＴＡＲＯ．ＹＡＭＡＤＡ＠example.jp"}
    )
    slots = slot_events(events)
    assert slots["verification"] == "verified"
    assert slots["verified_contact"] == f"email:{TARO_EMAIL}"
    assert slots["order_id"] == "D-200001"
    assert slots["requested_slot"] is None  # the form is done
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))


def test_right_pair_with_the_phone_verifies(domain):
    events, _ = validate(
        domain, {"order_id": "D-200001"}, {"contact": "０９０ー００００ー１００１"}
    )
    slots = slot_events(events)
    assert slots["verification"] == "verified"
    assert slots["verified_contact"] == "phone:09000001001"


def wrong(domain, order_id, contact, failures=0):
    """(slots set, messages) of a failed check; the typed values themselves are echoed."""
    slots = {"order_id": order_id, "verify_failures": float(failures)}
    events, messages = validate(domain, slots, {"contact": contact})
    return slot_events(events), messages


def test_wrong_pair_says_so_with_attempts_left_and_clears_the_slots(domain):
    slots, messages = wrong(domain, "D-200001", "hanako.sato@example.com", failures=1)
    assert slots["verify_failures"] == 2
    assert slots["order_id"] is None
    assert slots["contact"] is None
    assert "verification" not in slots
    assert "requested_slot" not in slots  # verify_form asks for the order number again
    assert len(messages) == 1
    assert FAILED in messages[0]["text"]
    assert "あと3回" in messages[0]["text"]


def test_unknown_order_and_wrong_email_read_exactly_the_same(domain):
    unknown = wrong(domain, "D-299999", TARO_EMAIL)
    wrong_email = wrong(domain, "D-200001", "hanako.sato@example.com")
    assert unknown == wrong_email
    someone_elses = wrong(domain, "D-200002", TARO_EMAIL)  # right e-mail, other order
    assert someone_elses == wrong_email


def test_not_a_contact_is_a_hint_not_a_failure(domain):
    tracker = form_tracker(
        {"order_id": "D-200001"}, {}, requested="contact", text="えっと", intent="order_status"
    )
    events, messages = run(ValidateVerifyForm(), tracker, domain)
    assert "verify_failures" not in slot_events(events)
    assert "メールアドレス" in texts(messages)
    assert events, "some event keeps the form from being rejected"


def test_fifth_failure_locks_silently_and_the_gate_offers_a_human(domain):
    slots, messages = wrong(domain, "D-200001", "nobody@example.jp", failures=4)
    assert slots["verification"] == "locked"
    assert slots["verify_failures"] == 5
    assert slots["requested_slot"] is None  # the form stops
    assert messages == []  # action_answer_order says what happens now

    locked = {"verification": "locked", "verify_failures": 5.0}
    events, messages = run(ActionAnswerOrder(), make_tracker(locked), domain)
    assert followups(events) == []
    assert "5回" in messages[0]["text"]
    assert "担当者" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff", "/deny"]


def test_locked_is_not_checked_even_with_the_right_pair(domain):
    locked = {"verification": "locked", "verify_failures": 5.0, "order_id": "D-200001"}
    events, messages = validate(domain, locked, {"contact": TARO_EMAIL})
    assert "verified" not in slot_events(events).values()
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))
    gate = make_tracker({**locked, "contact": TARO_EMAIL})
    events, messages = run(ActionAnswerOrder(), gate, domain)
    assert "verification" not in slot_events(events)
    assert "4512-3456-7801" not in texts(messages)


def test_five_failures_in_a_dialogue_lock_it(dialogue):
    talk = dialogue()
    talk.user("注文の状況を教えて", "order_status")
    for attempt in range(1, 6):
        talk.user("D-200001", order_id="D-200001")
        talk.user("hanako.sato@example.com", email="hanako.sato@example.com")
        assert talk.slots["verify_failures"] == attempt
    assert talk.slots["verification"] == "locked"
    assert talk.active_loop is None
    assert "担当者におつなぎしますか" in talk.text
    # the sixth try, with the right pair, is not even checked
    talk.user(f"D-200001 {TARO_EMAIL}", "order_status", order_id="D-200001", email=TARO_EMAIL)
    assert talk.slots["verification"] == "locked"
    assert "4512-3456-7801" not in texts(talk.messages)
    assert "担当者" in talk.text


def test_an_order_number_that_failed_too_often_is_not_checked_from_any_conversation(domain):
    """A new conversation resets the per-conversation count, so failures count per order too."""
    shop = settings()
    for attempt in range(shop.order_max_failures):
        tracker = make_tracker({"order_id": "D-200001", "contact": f"x{attempt}@example.com"})
        run(ActionAnswerOrder(), tracker, domain)  # each from a new conversation
    right = make_tracker({"order_id": "D-200001", "contact": TARO_EMAIL})
    events, messages = run(ActionAnswerOrder(), right, domain)
    assert "verification" not in slot_events(events)
    assert FAILED in texts(messages)
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))
    # another order number is not affected
    other = make_tracker({"order_id": "D-200011", "contact": "sho.kobayashi@example.jp"})
    assert slot_events(run(ActionAnswerOrder(), other, domain)[0])["verification"] == "verified"


def test_the_order_block_ends_after_the_window(domain, monkeypatch):
    shop = settings()
    for attempt in range(shop.order_max_failures):
        wrong = make_tracker({"order_id": "D-200001", "contact": f"y{attempt}@example.com"})
        run(ActionAnswerOrder(), wrong, domain)
    later = dt.datetime.fromisoformat(NOW) + dt.timedelta(
        minutes=shop.order_failure_window_minutes + 1
    )
    monkeypatch.setenv("SHOP_NOW", later.isoformat())
    right = make_tracker({"order_id": "D-200001", "contact": TARO_EMAIL})
    assert slot_events(run(ActionAnswerOrder(), right, domain)[0])["verification"] == "verified"


@pytest.mark.parametrize("typed", ["1001", "＃１００１", "#1001です", "注文番号は1001です。"])
def test_a_bare_shop_number_is_taken_when_the_order_number_was_asked_for(domain, typed):
    tracker = form_tracker({}, {}, requested="order_id", text=typed, intent="inform")
    events, _ = run(ValidateVerifyForm(), tracker, domain)
    assert slot_events(events)["order_id"] == "1001"


def test_bare_digits_are_not_an_order_number_when_something_else_was_asked(domain):
    tracker = form_tracker({"order_id": "D-200001"}, {}, requested="contact", text="1001")
    events, _ = run(ValidateVerifyForm(), tracker, domain)
    assert slot_events(events).get("order_id") in (None, "D-200001")
