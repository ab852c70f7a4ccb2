"""Products: the shop's catalogue, which answers size, material, care and stock questions.

Filled by ``python -m bot products import FILE`` (CONTRACT-shaped JSON or CSV, see
bot/product_import.py). An order item belongs to the product whose ``sku`` equals the
item's, or is its prefix followed by ``-`` and a size (``TS-01-M`` belongs to ``TS-01``).

Every function takes a session and returns plain dicts in the contract's shape (CONTRACT.md
§3): ``sku, name, category, price, material, care, sizes, stock, restock_date,
warranty_months``, ``None`` where a value is absent. SKUs are stored canonical
(:func:`canonical_sku`: half-width, upper case, one kind of hyphen), so ``ｔｓ－０１`` finds
``TS-01``. The catalogue is small: text matching reads it once per call.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.db import Base, UTCDateTime
from bot.identifiers import DASHES
from bot.settings import now


class Product(Base):
    __tablename__ = "products"

    sku = Column(String(64), primary_key=True)  # canonical_sku()
    name = Column(String(200), nullable=False)
    category = Column(String(64), nullable=False)
    price = Column(Integer)  # yen, tax included
    material = Column(Text)
    care = Column(Text)
    sizes = Column(JSON)  # [{"size": "M", "measurements": {"着丈": 70, ...}}] (cm)
    stock = Column(JSON)  # a number, or {"M": 3, "L": 0}
    restock_date = Column(Date)
    warranty_months = Column(Integer)  # None: the category's default from shop.yml
    updated_at = Column(UTCDateTime, nullable=False)


PRODUCTS = Product.__table__

SKU_PATTERN = re.compile(r"[A-Z0-9]+(?:[-_.][A-Z0-9]+)*")
_DASH_TO_HYPHEN = {ord(c): "-" for c in DASHES}


def canonical_sku(typed: str) -> str | None:
    """``ｔｓ－０１`` -> ``TS-01``; None when it cannot be a SKU."""
    if not isinstance(typed, str):
        return None
    sku = unicodedata.normalize("NFKC", typed).strip().upper().translate(_DASH_TO_HYPHEN)
    return sku if len(sku) <= 64 and SKU_PATTERN.fullmatch(sku) else None


# --- reading ----------------------------------------------------------------------------


def _product_dict(row) -> dict:
    return {
        "sku": row.sku,
        "name": row.name,
        "category": row.category,
        "price": row.price,
        "material": row.material,
        "care": row.care,
        "sizes": list(row.sizes or []),
        "stock": row.stock,
        "restock_date": row.restock_date.isoformat() if row.restock_date else None,
        "warranty_months": row.warranty_months,
    }


def _read(session: Session, where=None) -> list[dict]:
    query = select(PRODUCTS).order_by(PRODUCTS.c.sku)
    if where is not None:
        query = query.where(where)
    return [_product_dict(row) for row in session.execute(query)]


def find_product(session: Session, sku: str) -> dict | None:
    """The product with this SKU in any typed form (``ts-01``, ``ＴＳ－０１``), or None."""
    canonical = canonical_sku(sku or "")
    if canonical is None:
        return None
    found = _read(session, PRODUCTS.c.sku == canonical)
    return found[0] if found else None


def _prefixes(sku: str) -> list[str]:
    """``KN-95-F`` -> ``["KN-95", "KN"]``: every prefix followed by a hyphen, longest first."""
    return [sku[:i] for i in range(len(sku) - 1, 0, -1) if sku[i] == "-"]


def product_for_sku(session: Session, item_sku: str) -> dict | None:
    """The product an order item belongs to: the same SKU, else the longest SKU that is the
    item's prefix followed by ``-`` and a size (``TS-01-M`` -> ``TS-01``); None if none."""
    canonical = canonical_sku(item_sku or "")
    if canonical is None:
        return None
    candidates = [canonical, *_prefixes(canonical)]
    found = {p["sku"]: p for p in _read(session, PRODUCTS.c.sku.in_(candidates))}
    return next((found[sku] for sku in candidates if sku in found), None)


def all_products(session: Session) -> list[dict]:
    """The whole catalogue, by SKU."""
    return _read(session)


def product_count(session: Session) -> int:
    """How many products are stored."""
    return session.execute(select(func.count()).select_from(PRODUCTS)).scalar_one()


# --- writing ----------------------------------------------------------------------------


FIELDS = (
    "sku", "name", "category", "price", "material", "care", "sizes", "stock", "restock_date",
    "warranty_months",
)  # fmt: skip


def _contract(product: dict) -> dict:
    """``product`` with every field, absent ones None, as :func:`find_product` returns it."""
    return {name: product.get(name) for name in FIELDS} | {"sizes": product.get("sizes") or []}


def _values(product: dict, moment: dt.datetime) -> dict:
    restock = product.get("restock_date")
    return {
        "sku": product["sku"],
        "name": product["name"],
        "category": product["category"],
        "price": product.get("price"),
        "material": product.get("material"),
        "care": product.get("care"),
        "sizes": product.get("sizes") or [],
        "stock": product.get("stock"),
        "restock_date": dt.date.fromisoformat(restock) if restock else None,
        "warranty_months": product.get("warranty_months"),
        "updated_at": moment,
    }


def upsert_products(session: Session, products: Sequence[dict]) -> list[str]:
    """Insert or update validated products by SKU; one of "inserted", "updated",
    "unchanged" per product, in order.

    ``products`` are contract-shaped dicts with canonical values and distinct SKUs, as
    ``bot.product_import.validate_product`` returns them. One read and at most one insert
    and one update statement, in the caller's transaction.
    """
    if not products:
        return []
    moment = now()
    skus = [p["sku"] for p in products]
    stored = {p["sku"]: p for p in _read(session, PRODUCTS.c.sku.in_(skus))}
    outcomes, new, changed = [], [], []
    for product in products:
        values = _values(product, moment)
        old = stored.get(product["sku"])
        if old is None:
            outcomes.append("inserted")
            new.append(values)
        elif old == _contract(product):
            outcomes.append("unchanged")
        else:
            outcomes.append("updated")
            changed.append({**values, "sku_": values["sku"]})
    if new:
        session.execute(insert(PRODUCTS), new)
    if changed:
        session.execute(
            update(PRODUCTS).where(PRODUCTS.c.sku == bindparam("sku_")),
            [{k: v for k, v in c.items() if k != "sku"} for c in changed],
        )
    return outcomes


# --- finding products in a customer's words ---------------------------------------------

SKU_TOKEN = re.compile(r"(?<![A-Z0-9])[A-Z0-9]+(?:[-_.][A-Z0-9]+)*(?![A-Z0-9])")
_DASH_BETWEEN = re.compile(rf"(?<=[A-Z0-9])[{re.escape(DASHES)}](?=[A-Z0-9])")
_SPACES = re.compile(r"\s+")
# Character classes of a name's runs: a "distinctive part" is one run (トートバッグ, 帆布),
# a Latin run joined with the katakana after it (Tシャツ), or a whole space-separated word.
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々〆]")
_KATAKANA = re.compile(r"[\u30a0-\u30ffー]")
_LATIN = re.compile(r"[a-z0-9]")


def sku_text(text: str) -> str:
    """``ｔｓ－０１ー m`` -> ``TS-01ー M``: half-width, upper case, hyphens between letters."""
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
            product = next((by_sku[s] for s in _prefixes(token) if s in by_sku), None)
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


def find_in_text(session: Session, text: str) -> list[dict]:
    """The products a customer's message names, best matches only.

    A SKU in any case or width, with or without the size suffix (``ts-01-m``), beats the
    whole name (「オーガニックコットンTシャツ 白」), which beats distinctive parts of
    names (「Tシャツ」「帆布」「トートバッグ」; the more parts, the better). Several
    products come back when the message does not tell them apart.
    """
    return match_products(all_products(session), text)
