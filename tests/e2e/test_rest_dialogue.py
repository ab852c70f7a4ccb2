"""End to end: real action server, Rasa server and fake tracking API; Japanese over REST."""

import pytest

from tests.e2e.conftest import Conversation, buttons_of, handoffs, text_of

pytestmark = pytest.mark.slow

# Facts of demo orders that must never show before their owner is verified.
SHO = {"order": "D-200011", "email": "sho.kobayashi@example.jp", "tracking": "4512-3456-7811"}
FACTS_OF_D200011 = ["4512-3456-7811", "小林", "sho.kobayashi", "090-0000-2011"]


def test_greeting_then_a_general_question_then_goodbye(bot_url):
    chat = Conversation(bot_url)
    assert "こんにちは" in text_of(chat.say("こんにちは"))
    assert "660円" in text_of(chat.say("送料っていくらかかりますか？"))
    assert "ありがとうございました" in text_of(chat.say("では失礼します"))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("領収書って発行してもらえますか", "領収書は、マイページ"),
        ("ギフト包装はできますか？", "ラッピング"),
        ("返品って何日以内ならできますか", "8日以内"),
        ("支払い方法は何がありますか", "クレジットカード"),
        ("あなたはロボットですか？", "自動応答"),
        ("今日の天気はどうですか", "お答えできません"),
    ],
)
def test_general_answers(bot_url, message, expected):
    assert expected in text_of(Conversation(bot_url).say(message))


def test_the_fallback_offers_suggested_questions_as_buttons(bot_url):
    replies = Conversation(bot_url).say("/nlu_fallback")
    assert "理解できませんでした" in text_of(replies)
    assert len(buttons_of(replies)) >= 2


def test_wismo_one_fact_per_message(bot_url):
    chat = Conversation(bot_url)
    first = text_of(chat.say("注文した商品がいつ届くか知りたいです"))
    assert "注文番号" in first
    second = text_of(chat.say(SHO["order"]))
    assert "メールアドレス" in second
    for fact in FACTS_OF_D200011:
        assert fact not in first + second
    answer = text_of(chat.say(SHO["email"]))
    assert "【発送済み】" in answer and "ヤマト運輸" in answer
    assert SHO["tracking"] in answer
    assert "jizen.kuronekoyamato.co.jp" in answer and "451234567811" in answer
    assert "最新の配送状況" in answer  # from the fake tracking API
    assert "お届け予定日" in answer and "(" in answer


def test_everything_in_one_full_width_message(bot_url):
    chat = Conversation(bot_url)
    answer = text_of(
        chat.say(
            "ｄ－２０００１１　ＳＨＯ．ＫＯＢＡＹＡＳＨＩ＠ＥＸＡＭＰＬＥ．ＪＰ　いつ届きますか"
        )
    )
    assert SHO["tracking"] in answer


def test_phone_number_with_long_vowel_dashes_verifies(bot_url):
    chat = Conversation(bot_url)
    asks = text_of(chat.say("D-200009の配送状況を教えてください"))
    assert "電話番号" in asks
    answer = text_of(chat.say("０９０ー００００ー２００９"))
    assert "【配達中】" in answer and "4512-3456-7809" in answer


def test_wrong_email_and_unknown_order_get_the_same_answer_and_no_facts(bot_url):
    wrong, unknown = Conversation(bot_url), Conversation(bot_url)
    wrong.say("注文の状況を確認したいです")
    unknown.say("注文の状況を確認したいです")
    wrong.say(SHO["order"])
    unknown.say("D-999999")
    a = text_of(wrong.say("someone.else@example.com"))
    b = text_of(unknown.say("someone.else@example.com"))
    assert a == b and "確認できませんでした" in a
    for _, reply in wrong.transcript:
        for fact in FACTS_OF_D200011:
            assert fact not in reply


def test_five_failures_lock_the_check_and_a_person_is_offered(bot_url, e2e_env):
    chat = Conversation(bot_url)
    chat.say("注文の状況を確認したいです")
    for attempt in range(5):
        chat.say(SHO["order"])
        replies = chat.say(f"wrong{attempt}@example.com")
    assert "担当者におつなぎしますか" in text_of(replies)
    yes = [b for b in buttons_of(replies) if b["payload"] == "/human_handoff"]
    assert yes
    # the right data is not checked any more
    chat.say(SHO["order"])
    locked = text_of(chat.say(SHO["email"]))
    assert SHO["tracking"] not in locked
    queued = text_of(chat.say(yes[0]["payload"]))
    assert "受付番号" in queued
    mine = [h for h in handoffs(e2e_env["DATABASE_URL"]) if h["conversation_id"] == chat.sender]
    assert len(mine) == 1
    assert mine[0]["status"] == "waiting" and mine[0]["reason"] == "verification_locked"


def test_follow_ups_need_no_second_verification(bot_url):
    chat = Conversation(bot_url)
    chat.say("D-200007 はいつ届きますか")
    answer = text_of(chat.say("taro.yamada@example.jp"))
    assert "申し訳ございません" in answer and "SORRY500" in answer  # delayed order
    tracking = text_of(chat.say("送り状番号は？"))
    assert "3601-2345-6787" in tracking and "佐川急便" in tracking
    others = chat.say("他の注文は？")
    payloads = [b["payload"] for b in buttons_of(others)]
    assert any("D-200001" in p for p in payloads) and any("D-200014" in p for p in payloads)
    assert not any("D-200011" in p for p in payloads)  # somebody else's
    pending = text_of(chat.say(next(p for p in payloads if "D-200014" in p)))
    assert "【お支払い待ち】" in pending and "振込先" in pending
    assert "注文番号" not in pending.split("ご注文 D-200014")[0]


def test_another_customers_order_after_verification_needs_its_own_check(bot_url):
    chat = Conversation(bot_url)
    chat.say("D-200007 はいつ届きますか")
    chat.say("taro.yamada@example.jp")
    reply = text_of(chat.say(f"{SHO['order']} の状況も教えて"))
    assert "ご本人確認" in reply
    for fact in FACTS_OF_D200011:
        assert fact not in reply


def test_a_general_question_during_verification_is_answered_and_the_check_goes_on(bot_url):
    chat = Conversation(bot_url)
    chat.say(f"{SHO['order']}の状況を知りたい")
    faq = text_of(chat.say("ちなみに送料はいくらですか？"))
    assert "660円" in faq and "メールアドレス" in faq
    assert SHO["tracking"] in text_of(chat.say(SHO["email"]))


def test_damage_on_arrival_gets_an_apology_before_the_questions(bot_url):
    text = text_of(Conversation(bot_url).say("届いた箱がつぶれてて中のお皿が割れてました"))
    assert "申し訳ございません" in text and "注文番号" in text


def test_asking_for_a_person_is_queued(bot_url, e2e_env):
    chat = Conversation(bot_url)
    text = text_of(chat.say("担当者と話したいです"))
    assert "受付番号" in text and "このままお待ちください" in text
    mine = [h for h in handoffs(e2e_env["DATABASE_URL"]) if h["conversation_id"] == chat.sender]
    assert len(mine) == 1 and mine[0]["order_id"] is None and mine[0]["status"] == "waiting"


def test_a_new_session_forgets_the_verification(bot_url):
    chat = Conversation(bot_url)
    chat.say(f"{SHO['order']}の状況を知りたい")
    assert SHO["tracking"] in text_of(chat.say(SHO["email"]))
    chat.say("/session_start")  # what Rasa does after an hour of silence
    again = text_of(chat.say("送り状番号は？"))
    assert SHO["tracking"] not in again and "注文番号" in again


def test_a_product_question_is_answered_from_the_catalogue_without_a_check(bot_url):
    chat = Conversation(bot_url)
    said = text_of(chat.say("オーガニックコットンTシャツ 白の素材を教えてください"))
    assert "綿100%" in said
    assert "注文番号" not in said  # no verification for a product
    stock = text_of(chat.say("Lサイズの在庫はありますか？"))  # the same product, remembered
    assert "TS-01" in stock and "売り切れ" in stock and "12月10日ごろ入荷予定" in stock
