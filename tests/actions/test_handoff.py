"""action_human_handoff: one waiting handoff per conversation, and an honest waiting time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from rasa_sdk.events import SlotSet, UserUttered
from sqlalchemy.exc import OperationalError

import actions.common
import actions.handoff
from actions.handoff import ActionHumanHandoff
from bot import db, handoff
from tests.actions.conftest import make_tracker, new_sender, run, texts, user_message

TOKYO = ZoneInfo("Asia/Tokyo")
SUNDAY_EVENING = "2026-11-22T19:00:00+09:00"  # Monday 11/23 is a holiday in shop.yml


def handoffs_of(sender_id: str) -> list[dict]:
    with db.session_scope() as session:
        queue = handoff.HandoffQueue(session, timezone=TOKYO, clock=lambda: dt.datetime.now(TOKYO))
        return [h for h in queue.list() if h["conversation_id"] == sender_id]


def ask_for_a_person(domain, slots=None, sender_id=None, events=()):
    tracker = make_tracker(
        slots, "担当者と話したい", "human_handoff", sender_id=sender_id, events=events
    )
    return run(ActionHumanHandoff(), tracker, domain)


def test_an_explicit_request_is_queued_at_once_as_human_request(domain):
    sender = new_sender()
    earlier = [
        UserUttered("荷物が届かない", user_message("荷物が届かない", "order_status"), "rest")
    ]
    events, messages = ask_for_a_person(domain, {}, sender, earlier)
    assert events == [SlotSet("human_offer", None)]
    [record] = handoffs_of(sender)
    assert record["status"] == "waiting"
    assert record["reason"] == "human_request"
    assert (record["order_id"], record["verified"]) == (None, False)
    assert record["created_at"].startswith("2026-11-24T11:00:00")
    assert "荷物が届かない" in record["customer_message"]
    said = texts(messages)
    assert f"受付番号：{record['id']}" in said
    assert "このままお待ちください" in said  # Tuesday 11:00: the desk is open


def test_a_refused_cancel_queues_nothing_until_a_person_is_asked_for(dialogue):
    talk = dialogue()
    talk.user("D-200007 taro.yamada@example.jp キャンセルしたい", "cancel_order",
              order_id="D-200007", email="taro.yamada@example.jp")  # fmt: skip
    assert "キャンセルを承ることができません" in talk.text
    assert "返品" in talk.text  # the way back once it arrives
    assert handoffs_of(talk.sender_id) == []
    talk.user("担当者と話したい", "human_handoff")
    assert "受付番号" in talk.text
    [record] = handoffs_of(talk.sender_id)
    assert record["reason"] == "human_request"
    assert (record["order_id"], record["verified"]) == ("D-200007", True)


def test_a_handoff_about_an_order_not_proven_is_not_verified(dialogue):
    talk = dialogue()
    talk.user("D-200001 taro.yamada@example.jp 届きましたか", "order_status",
              order_id="D-200001", email="taro.yamada@example.jp")  # fmt: skip
    assert talk.slots["verification"] == "verified"
    talk.user("D-200002 の件で", "inform", order_id="D-200002")  # someone else's order
    talk.user("担当者と話したい", "human_handoff")
    [record] = handoffs_of(talk.sender_id)
    assert (record["order_id"], record["verified"]) == ("D-200002", False)


def test_a_complaint_is_apologised_for_and_a_typed_yes_queues_it(dialogue):
    talk = dialogue()
    talk.user("対応が最悪です", "complaint")
    assert "申し訳ございません" in talk.text and "担当者" in talk.text
    assert handoffs_of(talk.sender_id) == []  # offered, not queued
    talk.user("はい、お願いします", "affirm")
    [record] = handoffs_of(talk.sender_id)
    assert record["reason"] == "complaint"


def test_a_yes_long_after_the_offer_queues_nothing(dialogue):
    talk = dialogue()
    talk.user("対応が最悪です", "complaint")
    talk.user("いいえ", "deny")
    talk.user("はい", "affirm")
    assert "ほかにお手伝いできること" in talk.text
    assert handoffs_of(talk.sender_id) == []


def test_a_second_request_says_already_and_creates_nothing(domain):
    sender = new_sender()
    ask_for_a_person(domain, sender_id=sender)
    [record] = handoffs_of(sender)
    _, messages = ask_for_a_person(domain, sender_id=sender)
    assert "すでに担当者への引き継ぎを承っております" in texts(messages)
    assert f"受付番号：{record['id']}" in texts(messages)
    [again] = handoffs_of(sender)  # the same one, unchanged (its wait keeps growing)
    assert {**again, "wait_seconds": None} == {**record, "wait_seconds": None}


def test_unverified_and_locked_handoffs(domain):
    sender = new_sender()
    ask_for_a_person(domain, {"verification": "locked", "order_id": "d200001"}, sender)
    [record] = handoffs_of(sender)
    assert record["verified"] is False
    assert record["reason"] == "verification_locked"
    assert record["order_id"] == "D-200001"
    sender = new_sender()
    ask_for_a_person(domain, {}, sender)
    [record] = handoffs_of(sender)
    assert (record["verified"], record["order_id"]) == (False, None)


def test_outside_business_hours_says_when_the_shop_answers(domain, monkeypatch):
    monkeypatch.setenv("SHOP_NOW", SUNDAY_EVENING)
    sender = new_sender()
    _, messages = ask_for_a_person(domain, sender_id=sender)
    said = texts(messages)
    assert "営業時間外" in said
    assert "11月24日(火) 10:00以降" in said  # Monday is a closed date
    assert "平日10:00〜18:00" in said
    assert "このままお待ちください" not in said
    [record] = handoffs_of(sender)  # queued at any hour
    assert record["status"] == "waiting"
    assert record["created_at"].startswith("2026-11-22T19:00:00")


def test_after_closing_time_on_a_weekday(domain, monkeypatch):
    monkeypatch.setenv("SHOP_NOW", "2026-11-24T18:30:00+09:00")
    _, messages = ask_for_a_person(domain)
    assert "11月25日(水) 10:00以降" in texts(messages)


def test_a_handoff_from_the_locked_dialogue(dialogue):
    talk = dialogue(verification="locked")
    talk.user("注文を確認したい", "order_status")
    assert talk.turn[0]["buttons"][0]["payload"] == "/human_handoff"
    talk.user("/human_handoff", "human_handoff")
    assert "受付番号" in talk.text
    [record] = handoffs_of(talk.sender_id)
    assert record["reason"] == "verification_locked"


def test_a_database_failure_gives_the_shops_email(domain, monkeypatch):
    def broken():
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    actions.common.services()  # built before the database breaks
    monkeypatch.setattr(actions.handoff, "session", broken)
    _, messages = ask_for_a_person(domain)
    assert "support@shop.example.jp" in texts(messages)
    assert "受付番号" not in texts(messages)


def test_asking_for_a_person_in_the_middle_of_verification(dialogue):
    talk = dialogue()
    talk.user("注文の状況を知りたい", "order_status")
    talk.user("D-200001", order_id="D-200001")
    assert talk.active_loop == "verify_form"
    talk.user("担当者と話したい", "human_handoff")
    assert talk.active_loop is None
    [record] = handoffs_of(talk.sender_id)
    assert (record["order_id"], record["verified"]) == ("D-200001", False)
    assert "4512-3456-7801" not in texts(talk.messages)
