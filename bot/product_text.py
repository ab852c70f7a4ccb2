"""Finding products in a customer's words: SKUs in any width or case, whole names, and
the distinctive parts of names (「トートバッグ」「Tシャツ」「帆布」). Pure: works on the
contract-shaped product dicts that bot.products reads.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.identifiers import DASHES


def sku_prefixes(sku: str) -> list[str]:
    """``KN-95-F`` -> ``["KN-95", "KN"]``: every prefix followed by a hyphen, longest first."""
    return [sku[:i] for i in range(len(sku) - 1, 0, -1) if sku[i] == "-"]


SKU_TOKEN = re.compile(r"(?<![A-Z0-9])[A-Z0-9]+(?:[-_.][A-Z0-9]+)*(?![A-Z0-9])")
_DASH_BETWEEN = re.compile(rf"(?<=[A-Z0-9])[{re.escape(DASHES)}](?=[A-Z0-9])")
_SPACES = re.compile(r"\s+")
# Character classes of a name's runs: a "distinctive part" is one run (トートバッグ, 帆布),
# a Latin run joined with the katakana after it (Tシャツ), or a whole space-separated word.
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々〆]")
_KATAKANA = re.compile(r"[\u30a0-\u30ffー]")
_LATIN = re.compile(r"[a-z0-9]")


def sku_text(text: str) -> str:
    """``ｔｓー０１の件`` -> ``TS-01の件``: half-width, upper case, any dash between letters
    or digits a hyphen."""
    upper = unicodedata.normalize("NFKC", text).upper()
    return _DASH_BETWEEN.sub("-", upper)


def name_key(text: str) -> str:
    """A name as compared: half-width, lower case, no spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).casefold())


def _class(char: str) -> str:
    if _KANJI.match(char):
        return "kanji"
    if _KATAKANA.match(char):
        return "kana"
    if _LATIN.match(char):
        return "latin"
    return "other"


_NO_WORD_START = set("ーッャュョァィゥェォヮ")


def _tails(run: str) -> list[str]:
    """The shorter words a katakana run begins or ends with, of 3 characters or more:
    ``カトラリーセット`` -> ``カトラリー``, ``セット`` ..., ``トートバッグ`` -> ``トート``,
    ``バッグ`` ...; never cut before ``ー`` or a small kana."""
    starts = [
        run[:i]
        for i in range(3, len(run))
        if run[i] not in _NO_WORD_START and run[i - 1] not in _NO_WORD_START - {"ー"}
    ]
    ends = [run[i:] for i in range(1, len(run) - 2) if run[i] not in _NO_WORD_START]
    return starts + ends


def _runs(word: str) -> tuple[list[str], list[str]]:
    """The parts of one word of a name and their tails.

    ``tシャツ`` -> ``["tシャツ"]`` (tail ``シャツ``), ``帆布トートバッグ`` -> ``["帆布",
    "トートバッグ"]`` (tails ``トバッグ``, ``バッグ``).
    """
    runs: list[tuple[str, str]] = []
    for char in word:
        kind = _class(char)
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + char)
        else:
            runs.append((kind, char))
    parts, tails = [], []
    for index, (kind, run) in enumerate(runs):
        if kind == "latin" and index + 1 < len(runs) and runs[index + 1][0] == "kana":
            continue  # joined with the katakana after it
        if kind == "kana":
            tails.extend(_tails(run))
            if index and runs[index - 1][0] == "latin":
                tails.append(run)
                run = runs[index - 1][1] + run
        long_enough = {"kanji": 2, "kana": 3, "latin": 3}.get(kind)
        if long_enough and len(run) >= long_enough:
            parts.append(run)
    return parts, tails


@dataclass(frozen=True)
class _NameParts:
    core: frozenset[str]  # from the first word: オーガニックコットンtシャツ, tシャツ ...
    tails: frozenset[str]  # what its katakana ends in: コットン, シャツ ... (weaker)
    extra: frozenset[str]  # from the other words (colour, size): 白, 墨黒, 350ml ...


@functools.lru_cache(maxsize=4096)
def name_parts(name: str) -> _NameParts:
    """The parts of a product name a customer may use alone for it."""
    words = unicodedata.normalize("NFKC", name).casefold().split()
    core: set[str] = set()
    tails: set[str] = set()
    extra: set[str] = set()
    for index, word in enumerate(words):
        parts, word_tails = _runs(word)
        if index == 0:
            core.update(parts)
            tails.update(word_tails)
        else:
            extra.update(parts)
        if len(word) >= 2 or index:  # 白 alone tells 「Tシャツ 白」 from 「Tシャツ 墨黒」
            (core if index == 0 else extra).add(word)
    return _NameParts(frozenset(core), frozenset(tails - core), frozenset(extra - core))


def _sku_hits(products: Sequence[dict], text: str) -> list[dict]:
    by_sku = {p["sku"]: p for p in products}
    by_plain = {p["sku"].replace("-", ""): p for p in products}
    hits: list[dict] = []
    for token in SKU_TOKEN.findall(sku_text(text)):
        product = by_sku.get(token) or by_plain.get(token)
        if product is None:
            product = next((by_sku[s] for s in sku_prefixes(token) if s in by_sku), None)
        if product is None:  # TS01M: the SKU without hyphens and one of its sizes
            for plain, candidate in by_plain.items():
                rest = token.replace("-", "")[len(plain) :]
                if token.replace("-", "").startswith(plain) and rest in _size_keys(candidate):
                    product = candidate
                    break
        if product is not None and product not in hits:
            hits.append(product)
    return hits


_SKU_LIKE = re.compile(r"(?<![A-Z0-9])[A-Z]{1,6}-[A-Z0-9-]*\d[A-Z0-9-]*(?![A-Z0-9])")


def names_a_sku(text: str) -> bool:
    """Whether the text holds something shaped like a product number (``ZZ-99``)."""
    return bool(_SKU_LIKE.search(sku_text(text)))


def _size_keys(product: dict) -> set[str]:
    return {sku_text(str(s.get("size", ""))) for s in product.get("sizes") or []}


def match_products(products: Sequence[dict], text: str) -> list[dict]:
    """The products of ``products`` that ``text`` names; see :func:`find_in_text`."""
    if not text or not products:
        return []
    hits = _sku_hits(products, text)
    if hits:
        return hits
    key = name_key(text)
    named = [p for p in products if name_key(p["name"]) and name_key(p["name"]) in key]
    if named:  # 「リネンシャツ ネイビー」 names that one, not also 「リネンシャツ」
        names = [name_key(p["name"]) for p in named]
        return [
            p
            for p, n in zip(named, names, strict=True)
            if not any(n in m and n != m for m in names)
        ]
    scored = []
    for product in products:
        parts = name_parts(product["name"])
        core = sum(part in key for part in parts.core)
        tails = sum(part in key for part in parts.tails)
        if core or tails:  # a colour or size alone names nothing
            extra = sum(part in key for part in parts.extra)
            scored.append((2 * core + tails + 2 * extra, product))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [product for score, product in scored if score == best]
