"""validate_verify_form and the verification gate of action_answer_order."""

from __future__ import annotations

import pytest

from actions.common import services
from actions.orders import ActionAnswerOrder
from actions.verification import ValidateVerifyForm
from tests.actions.conftest import (
    DEMO,
    facts,
    followups,
    form_tracker,
    make_tracker,
    new_sender,
    run,
    slot_events,
    texts,
)

TARO_EMAIL = "taro.yamada@example.jp"
FAILED = "ご注文を確認できませんでした"


SENDER = "test-validate"


def validate(domain, slots, candidates, requested="contact", sender_id=SENDER, **kwargs):
    tracker = form_tracker(slots, candidates, requested=requested, sender_id=sender_id, **kwargs)
    return run(ValidateVerifyForm(), tracker, domain)


def fail(sender_id: str, times: int, order_id: str = "D-200001") -> None:
    """Failed checks recorded for ``sender_id`` by the real service."""
    for n in range(times):
        services().verification.verify(sender_id, order_id, f"nobody{n}@example.jp")


# --- the gate: action_answer_order never verifies ---------------------------------------


def test_not_verified_starts_the_form_and_tells_nothing(domain):
    tracker = make_tracker(
        {"order_id": "D-200001"}, "D-200001の配送状況を教えて", entities={"order_id": "D-200001"}
    )
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    assert followups(events) == ["verify_form"]
    assert slot_events(events) == {"topic": "order_status", "verification": None}
    said = texts(messages)
    assert not any(fact in said for fact in facts(DEMO["D-200001"]))
    assert "お届け済み" not in said
    assert "D-200001" not in said  # not even an echo that would hint it exists


def test_not_verified_unknown_order_gets_exactly_the_same(domain):
    known = run(ActionAnswerOrder(), make_tracker({"order_id": "D-200001"}), domain)
    unknown = run(ActionAnswerOrder(), make_tracker({"order_id": "D-299999"}), domain)
    assert known == unknown


def test_a_pair_given_in_one_message_is_left_to_the_form(domain):
    tracker = make_tracker(
        {"order_id": "d200001", "contact": TARO_EMAIL.upper()}, "d200001 " + TARO_EMAIL.upper()
    )
    events, messages = run(ActionAnswerOrder(), tracker, domain)
    assert followups(events) == ["verify_form"]
    assert "4512-3456-7801" not in texts(messages)


def test_the_whole_pair_in_one_message_verifies_through_the_form(dialogue):
    talk = dialogue()
    talk.user(f"d200001 {TARO_EMAIL.upper()} いつ届く？", "order_status",
              order_id="d200001", email=TARO_EMAIL.upper())  # fmt: skip
    assert talk.actions == ["action_answer_order", "validate_verify_form", "action_answer_order"]
    assert talk.slots["verification"] == "verified"
    assert talk.slots["order_id"] == "D-200001"
    assert "4512-3456-7801" in talk.text


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
    proof = services().verification.proof(SENDER, slots["verification_id"])
    assert str(proof.contact) == f"email:{TARO_EMAIL}"
    assert proof.order_ids == ("D-200001", "D-200014", "D-200007")
    assert slots["order_id"] == "D-200001"
    assert slots["requested_slot"] is None  # the form is done
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))


def test_right_pair_with_the_phone_verifies(domain):
    events, _ = validate(
        domain, {"order_id": "D-200001"}, {"contact": "０９０ー００００ー１００１"}
    )
    slots = slot_events(events)
    assert slots["verification"] == "verified"
    proof = services().verification.proof(SENDER, slots["verification_id"])
    assert str(proof.contact) == "phone:09000001001"


def wrong(domain, order_id, contact, failures=0):
    """(slots set, messages) of a failed check in a new conversation with earlier failures."""
    sender = new_sender()
    fail(sender, failures, order_id="Z-999999")
    events, messages = validate(domain, {"order_id": order_id}, {"contact": contact},
                                sender_id=sender)  # fmt: skip
    return slot_events(events), messages


def test_wrong_pair_says_so_with_attempts_left_and_clears_the_slots(domain):
    slots, messages = wrong(domain, "D-200001", "hanako.sato@example.com", failures=1)
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
    assert "verification" not in slot_events(events)
    assert "メールアドレス" in texts(messages)
    assert events, "some event keeps the form from being rejected"


def test_fifth_failure_locks_silently_and_the_gate_offers_a_human(domain):
    slots, messages = wrong(domain, "D-200001", "nobody@example.jp", failures=4)
    assert slots["verification"] == "locked"
    assert slots["requested_slot"] is None  # the form stops
    assert messages == []  # action_answer_order says what happens now

    events, messages = run(ActionAnswerOrder(), make_tracker({"verification": "locked"}), domain)
    assert followups(events) == []
    assert slot_events(events)["human_offer"] == "verification_locked"
    assert "5回" in messages[0]["text"]
    assert "担当者" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff", "/deny"]


def test_locked_is_not_checked_even_with_the_right_pair(domain):
    sender = new_sender()
    fail(sender, 5)
    events, messages = validate(domain, {"order_id": "D-200001"}, {"contact": TARO_EMAIL},
                                sender_id=sender)  # fmt: skip
    assert slot_events(events)["verification"] == "locked"
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))


def test_a_lock_outlives_a_restart_of_the_conversation(domain):
    """/restart clears the slots; the failures are in the database, keyed by conversation."""
    sender = new_sender()
    fail(sender, 5)
    events, _ = validate(domain, {}, {}, requested=None, sender_id=sender)  # the form starts
    assert slot_events(events)["verification"] == "locked"


def test_five_failures_in_a_dialogue_lock_it(dialogue):
    talk = dialogue()
    talk.user("注文の状況を教えて", "order_status")
    for attempt in range(1, 6):
        talk.user("D-200001", order_id="D-200001")
        talk.user("hanako.sato@example.com", email="hanako.sato@example.com")
        if attempt < 5:
            assert f"あと{5 - attempt}回" in talk.text
    assert talk.slots["verification"] == "locked"
    assert talk.active_loop is None
    assert "担当者におつなぎしますか" in talk.text
    # the sixth try, with the right pair, is not even checked
    talk.user(f"D-200001 {TARO_EMAIL}", "order_status", order_id="D-200001", email=TARO_EMAIL)
    assert talk.slots["verification"] == "locked"
    assert "4512-3456-7801" not in texts(talk.messages)
    assert "担当者" in talk.text


def test_blocked_details_get_the_offer_of_a_person_not_does_not_match(dialogue):
    limits = services().settings.verification
    for n in range(limits.per_order):  # someone guessing phone numbers for D-200001
        services().verification.verify(f"attacker-{n}", "D-200001", f"090-1111-{n:04d}")
    talk = dialogue()
    talk.user(f"D-200001 {TARO_EMAIL} 届いた？", "order_status",
              order_id="D-200001", email=TARO_EMAIL)  # fmt: skip
    assert talk.slots["verification"] == "blocked"
    assert FAILED not in talk.text
    assert "担当者におつなぎしますか" in talk.text
    assert not any(fact in texts(talk.messages) for fact in facts(DEMO["D-200001"]))
    talk.user("はい", "affirm")
    assert "受付番号" in talk.text


@pytest.mark.parametrize(
    "entities",
    [{"order_id": 200001}, {"order_id": {"x": 1}}, {"email": 5}, {"email": ["a@b.jp"]}],
)
def test_hand_typed_payloads_with_other_values_do_not_crash(domain, entities):
    candidates = {("contact" if k == "email" else k): v for k, v in entities.items()}
    events, _ = validate(domain, {}, candidates, requested="order_id")
    assert all(e["value"] is None for e in events if e.get("name") in candidates)
    tracker = make_tracker(candidates, "/order_status", entities=None)
    events, _ = run(ActionAnswerOrder(), tracker, domain)
    assert followups(events) == ["verify_form"]


@pytest.mark.parametrize("typed", ["1001", "＃１００１", "#1001です", "注文番号は1001です。"])
def test_a_bare_shop_number_is_taken_when_the_order_number_was_asked_for(domain, typed):
    tracker = form_tracker({}, {}, requested="order_id", text=typed, intent="inform")
    events, _ = run(ValidateVerifyForm(), tracker, domain)
    assert slot_events(events)["order_id"] == "1001"


def test_bare_digits_are_not_an_order_number_when_something_else_was_asked(domain):
    tracker = form_tracker({"order_id": "D-200001"}, {}, requested="contact", text="1001")
    events, _ = run(ValidateVerifyForm(), tracker, domain)
    assert slot_events(events).get("order_id") in (None, "D-200001")


def test_a_locked_database_during_the_check_is_apologised_for(domain, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(services().verification, "verify", locked)
    events, messages = validate(domain, {"order_id": "D-200001"}, {"contact": TARO_EMAIL})
    assert "システムの不具合" in texts(messages)
    assert slot_events(events)["requested_slot"] is None  # the form ends with an answer
    assert not any(fact in texts(messages) for fact in facts(DEMO["D-200001"]))
    after = make_tracker({"verification": "unavailable"})
    events, messages = run(ActionAnswerOrder(), after, domain)
    assert messages == [] and slot_events(events)["verification"] is None
