"""Japanese word splitting with exact character offsets (fugashi + unidic-lite).

Kept free of Rasa so that it can be tested and reused on its own; the Rasa graph
component in ``bot.nlu.fugashi_tokenizer`` is a thin wrapper around :func:`split_words`.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from bot.identifiers import find_identifiers

# Identifiers are one token each and share one lemma per kind, so that the classifier
# learns "an order number was given" instead of memorising every number it saw.
IDENTIFIER_LEMMAS = {
    "order_id": "__order_id__",
    "email": "__email__",
    "phone": "__phone__",
    "url": "__url__",
}
IDENTIFIER_POS = "識別子"
# One character per identifier kind in the kana reading of a sentence.
IDENTIFIER_MARKS = {"order_id": "\u24c4", "email": "\u24ba", "phone": "\u24c5", "url": "\u24ca"}
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}


@dataclass(frozen=True)
class Word:
    """One token: ``text`` is exactly ``source[start:end]``."""

    text: str
    start: int
    lemma: str
    pos: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@functools.lru_cache(maxsize=1)
def _tagger():
    import fugashi  # imported lazily: loading the dictionary takes a moment

    return fugashi.Tagger()


def normalize_for_features(text: str) -> str:
    """NFKC and lower case: ｷｬﾝｾﾙ = キャンセル, ＡＢＣ = abc. Never used for offsets."""
    return unicodedata.normalize("NFKC", text).lower()


def _lemma_of(word) -> str:
    lemma = getattr(word.feature, "lemma", None)
    if not lemma or lemma == "*":
        return normalize_for_features(word.surface)
    # unidic writes loanwords as "キャンセル-cancel"; the katakana part is the lemma
    return normalize_for_features(lemma.split("-", 1)[0] or word.surface)


def _split_plain(text: str, offset: int) -> list[Word]:
    """MeCab words of a text without identifiers, placed at their exact offsets."""
    words: list[Word] = []
    cursor = 0
    for word in _tagger()(text):
        surface = word.surface
        if not surface or surface.isspace():  # MeCab keeps 全角スペース and \r as words
            continue
        start = text.find(surface, cursor)
        if start < 0:  # MeCab altered the surface (never seen); skip rather than misplace
            continue
        cursor = start + len(surface)
        pos = getattr(word.feature, "pos1", None) or "未知語"
        words.append(Word(surface, offset + start, _lemma_of(word), pos))
    return words


def split_words(text: str) -> list[Word]:
    """Split ``text`` into words whose ``text`` is always ``text[start:end]``.

    E-mail addresses, URLs, phone numbers and order numbers stay whole; everything
    else is split by MeCab. Whitespace is never part of a token.
    """
    if not text or not text.strip():
        return []
    words: list[Word] = []
    cursor = 0
    for start, end, kind in find_identifiers(text):
        words.extend(_split_plain(text[cursor:start], cursor))
        words.append(Word(text[start:end], start, IDENTIFIER_LEMMAS[kind], IDENTIFIER_POS))
        cursor = end
    words.extend(_split_plain(text[cursor:], cursor))
    return words


def _reading_of_plain(text: str) -> str:
    parts = []
    for word in _tagger()(text):
        kana = getattr(word.feature, "kana", None)
        if not kana or kana == "*":
            kana = normalize_for_features(word.surface).translate(_HIRAGANA_TO_KATAKANA)
        parts.append(kana)
    return "".join(parts)


def reading(text: str) -> str:
    """The sentence as katakana pronunciation: 入金確認 and にゅうきんかくにん are both
    ニュウキンカクニン, and an IME slip like 変品 reads like 返品 (ヘンピン).

    Identifiers become one mark each; words without a reading keep their NFKC form.
    """
    parts, cursor = [], 0
    for start, end, kind in find_identifiers(text):
        parts += [_reading_of_plain(text[cursor:start]), IDENTIFIER_MARKS[kind]]
        cursor = end
    parts.append(_reading_of_plain(text[cursor:]))
    return "".join(parts)
