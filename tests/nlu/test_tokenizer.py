"""The fugashi tokenizer: exact offsets on nasty input, lemmas, POS, Rasa integration."""

import itertools

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.spacy_tokenizer import POS_TAG_KEY
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.fugashi_tokenizer import FugashiTokenizer
from bot.nlu.japanese import split_words

NASTY = [
    "注文した商品まだ？",
    "Ａ－１００２３４ キャンセルできますか",
    "届いた箱がつぶれてた…😭😭",
    "家族👨‍👩‍👧‍👦で使うマグ🇯🇵、在庫ある?",
    "ｷｬﾝｾﾙしたいです　全角スペース　も",
    "my orderまだ来ないんだけど、tracking numberは？",
    "メールはＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰ、電話は０９０ー１２３４ー５６７８",
    "詳細は https://shop.example.jp/orders?id=A-100234&x=1 を見て",
    "改行\nあり\tタブ\r\nも",
    "  前後に空白  ",
    "ｶﾞｷﾞｸﾞ ㈱ ① ㍻ 〜～",
    "\u200b見えない文字\u200dと結合文字",
    "test@example.com#1001注文番号2002",
]


def _tokenizer() -> FugashiTokenizer:
    return FugashiTokenizer(FugashiTokenizer.get_default_config())


def _tokens(text: str):
    return _tokenizer().tokenize(Message(data={TEXT: text}), TEXT)


@pytest.mark.parametrize("text", NASTY)
def test_every_token_is_the_exact_substring_at_its_offsets(text):
    tokens = _tokens(text)
    assert tokens, "non-empty text gives tokens"
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert token.text.strip() == token.text and token.text
    starts = [t.start for t in tokens]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))


@pytest.mark.parametrize("text", ["", " ", "\n\t　"])
def test_empty_and_blank_text_give_no_tokens(text):
    assert _tokens(text) == []


def test_five_thousand_characters_keep_their_offsets():
    text = ("注文番号Ａ－１００２３４の商品がまだ届きません😡 " * 200)[:5000]
    tokens = _tokens(text)
    assert len(text) == 5000
    assert all(text[t.start : t.end] == t.text for t in tokens)
    # nothing but whitespace is left out
    covered = sum(len(t.text) for t in tokens)
    assert covered == len(text.replace(" ", ""))


def test_identifiers_stay_whole_and_share_one_lemma():
    tokens = _tokens("Ａ－１００２３４とb-2045678、taro@example.jp、090-1234-5678")
    by_text = {t.text: t for t in tokens}
    assert by_text["Ａ－１００２３４"].lemma == by_text["b-2045678"].lemma == "__order_id__"
    assert by_text["taro@example.jp"].lemma == "__email__"
    assert by_text["090-1234-5678"].lemma == "__phone__"


def test_lemmas_are_normalised_dictionary_forms_and_pos_is_filled():
    tokens = _tokens("届きませんか？ｷｬﾝｾﾙ")
    lemmas = [t.lemma for t in tokens]
    assert lemmas[0] == "届く"
    assert "キャンセル" in lemmas  # half-width kana normalised, "-cancel" gloss removed
    assert "?" in lemmas  # full-width punctuation NFKC-normalised
    assert all(t.get(POS_TAG_KEY) for t in tokens)
    assert tokens[0].get(POS_TAG_KEY) == "動詞"


def test_hiragana_only_text_gets_the_same_lemma_as_kanji():
    kana = {w.lemma for w in split_words("とどかない")}
    kanji = {w.lemma for w in split_words("届かない")}
    assert "届く" in kana & kanji


def test_intent_names_are_split_when_configured():
    config = {**FugashiTokenizer.get_default_config(), "intent_tokenization_flag": True}
    tokenizer = FugashiTokenizer(config)
    message = Message(data={TEXT: "キャンセルしたい", INTENT: "cancel_order"})
    tokenizer.process_training_data(TrainingData([message]))
    assert [t.text for t in message.get(TOKENS_NAMES[INTENT])] == ["cancel", "order"]


def test_process_sets_tokens_on_messages():
    message = Message(data={TEXT: "発送はまだですか"})
    _tokenizer().process([message])
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])] == ["発送", "は", "まだ", "です", "か"]
