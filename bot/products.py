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
from bot.product_text import match_products, sku_prefixes
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


def product_for_sku(session: Session, item_sku: str) -> dict | None:
    """The product an order item belongs to: the same SKU, else the longest SKU that is the
    item's prefix followed by ``-`` and a size (``TS-01-M`` -> ``TS-01``); None if none."""
    canonical = canonical_sku(item_sku or "")
    if canonical is None:
        return None
    candidates = [canonical, *sku_prefixes(canonical)]
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


def find_in_text(session: Session, text: str) -> list[dict]:
    """The products a customer's message names, best matches only.

    A SKU in any case or width, with or without the size suffix (``ts-01-m``), beats the
    whole name (「オーガニックコットンTシャツ 白」), which beats distinctive parts of
    names (「Tシャツ」「帆布」「トートバッグ」; the more parts, the better). Several
    products come back when the message does not tell them apart.
    """
    return match_products(all_products(session), text)
