"""Kana readings: what unconverted hiragana and IME slips have in common with kanji."""

import pytest

from bot.nlu.japanese import IDENTIFIER_MARKS, reading


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("にゅうきんかくにんおねがいします", "入金確認お願いします"),
        ("とどかない", "届かない"),
        ("ｷｬﾝｾﾙ", "キャンセル"),
    ],
)
def test_unconverted_and_converted_text_read_the_same(typed, written):
    assert reading(typed) == reading(written)


def test_an_ime_slip_shares_most_of_the_reading():
    slip, meant = reading("変品したい"), reading("返品したい")
    assert slip.startswith("ヘン") and meant.startswith("ヘン")
    assert slip.endswith("シタイ") and meant.endswith("シタイ")


def test_identifiers_become_one_mark_each():
    text = "Ａ－１００２３４とtaro@example.jpと090-1234-5678"
    marks = [IDENTIFIER_MARKS[k] for k in ("order_id", "email", "phone")]
    assert reading(text) == f"{marks[0]}ト{marks[1]}ト{marks[2]}"


@pytest.mark.parametrize("text", ["", "   ", "😀"])
def test_empty_or_symbol_only_text_does_not_fail(text):
    assert isinstance(reading(text), str)
