"""Japanese conversations over REST that once went wrong: each must now go right.

Real NLU (the trained model), real action server, real database.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Conversation, handoffs, text_of

pytestmark = pytest.mark.slow

OFFER = "担当者におつなぎしますか"


def queued(e2e_env, chat: Conversation) -> list[dict]:
    return [h for h in handoffs(e2e_env["DATABASE_URL"]) if h["conversation_id"] == chat.sender]


@pytest.mark.parametrize("accept", ["はい", "はい、お願いします", "お願いします"])
def test_a_typed_yes_after_a_complaint_queues_a_handoff(bot_url, e2e_env, accept):
    chat = Conversation(bot_url)
    offer = text_of(chat.say("対応が遅すぎて本当に不愉快です"))
    assert "申し訳ございません" in offer and "担当者" in offer
    assert queued(e2e_env, chat) == []  # offered, not yet queued
    assert "受付番号" in text_of(chat.say(accept))
    [record] = queued(e2e_env, chat)
    assert record["reason"] == "complaint" and record["status"] == "waiting"


def test_a_cancel_request_keeps_its_topic_through_the_verification(bot_url, e2e_env):
    chat = Conversation(bot_url)
    answer = text_of(chat.say("D-200029 090-0000-2029 キャンセルできますか"))
    # kept through the verification, and refused by the rules: packed is too late
    assert "ご注文 D-200029 はすでに【発送準備完了】のため" in answer
    assert "返品" in answer  # the way back once it arrives
    assert queued(e2e_env, chat) == []


@pytest.mark.parametrize("demand", ["もういい、責任者を出せ", "上司を出してください"])
def test_asking_for_the_person_in_charge_is_a_handoff_request(bot_url, e2e_env, demand):
    chat = Conversation(bot_url)
    assert "受付番号" in text_of(chat.say(demand))
    [record] = queued(e2e_env, chat)
    assert record["reason"] == "human_request"


def test_a_follow_up_about_delivery_is_answered_from_the_verified_order(bot_url):
    chat = Conversation(bot_url)
    chat.say("D-200011はいつ届きますか")
    assert "4512-3456-7811" in text_of(chat.say("sho.kobayashi@example.jp"))
    follow_up = text_of(chat.say("今日中に届きますか？"))
    assert "ご注文 D-200011" in follow_up and "注文番号をお知らせ" not in follow_up


def test_a_general_delivery_question_before_verification_gets_the_general_answer(bot_url):
    reply = text_of(Conversation(bot_url).say("注文してから普通は何日くらいで届きますか"))
    assert "営業日以内に発送" in reply


def test_a_handoff_about_another_order_than_the_proven_one_is_not_verified(bot_url, e2e_env):
    chat = Conversation(bot_url)
    chat.say("D-200001 taro.yamada@example.jp 届きましたか")
    chat.say("D-200002 の件で")
    chat.say("担当者と話したいです")
    [record] = queued(e2e_env, chat)
    assert (record["order_id"], record["verified"]) == ("D-200002", False)
    assert record["reason"] == "human_request"


def test_two_fallbacks_in_a_row_offer_a_person(bot_url, e2e_env):
    chat = Conversation(bot_url)
    first = text_of(chat.say("/nlu_fallback"))
    assert OFFER not in first
    second = text_of(chat.say("/nlu_fallback"))
    assert OFFER in second
    chat.say("はい")
    [record] = queued(e2e_env, chat)
    assert record["reason"] == "fallback"
