"""Product import: check each product the shop sends, then upsert the good ones by SKU.

The same files and the same error rules as the order import (bot/importer.py), with the
field names of the outside contract (CONTRACT.md §3, Products):

**JSON** — ``{"products": [ {...}, ... ]}`` or a bare list of products. Row numbers in
error messages count the products from 1.

**CSV** — UTF-8 (with or without BOM; Excel's Shift_JIS/CP932 is also read), one header
line, the nested fields flattened with dots, **one line per size**::

    sku, name, category, price, material, care, restock_date, warranty_months,
    stock            (one number for the product), or
    stock.M, stock.L (one column per size: the flattened {"M": 3, "L": 0}),
    sizes.size, sizes.measurements.着丈, sizes.measurements.身幅, ...  (any measurement
                     name after "sizes.measurements.", in cm)

Example (a T-shirt in two sizes, then a mug without sizes)::

    sku,name,category,price,material,care,stock,stock.M,stock.L,restock_date,sizes.size,sizes.measurements.着丈,sizes.measurements.身幅
    TS-01,オーガニックコットンTシャツ 白,apparel,3980,綿100%,洗濯機可,,3,0,2026-12-10,M,70,52
    TS-01,,,,,,,,,,L,73,55
    MG-40,波佐見焼マグカップ 藍,kitchen,2640,磁器,食器洗い機可,12,,,,,,

Columns may come in any order. Required: ``sku``, ``name``, ``category``, ``price``,
``material``, and ``stock`` or at least one ``stock.<size>``. The others may be left out;
an unknown column is an error. A product's own fields are read from its first line; its
other lines may repeat them or leave them empty, but may not contradict them. A line whose
``sizes.*`` cells are all empty adds no size (a product without sizes is one line). An
empty cell is an absent value: an empty ``sizes.measurements.袖丈`` means that size has no
such measurement, an empty ``stock.XL`` that its stock is not known. A product has either
``stock`` or ``stock.<size>`` values, not both. Prices are whole yen (``3980``, ``3,980``
or ``¥3,980``), stock whole numbers, measurements numbers in cm (``70``, ``70.5``,
``70cm``), ``restock_date`` ``YYYY-MM-DD``. Row numbers are the spreadsheet's line numbers
(the header is line 1); a size's error names that size's line.

SKUs are stored canonical (half-width, upper case: ``ts-01`` is ``TS-01``). Bad rows are
reported with their row and field and skipped; good rows are loaded. Importing the same data
again changes nothing (every product comes back "unchanged").
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sqlalchemy.orm import Session

from bot.importer import (
    CsvShape,
    ImportFileError,
    RecordKind,
    RowError,
    _Checker,
    csv_amount,
    nest_columns,
)
from bot.products import canonical_sku, upsert_products

OWN_COLUMNS = (
    "sku",
    "name",
    "category",
    "price",
    "material",
    "care",
    "stock",
    "restock_date",
    "warranty_months",
)
REQUIRED_CSV_COLUMNS = ("sku", "name", "category", "price", "material")
STOCK_PREFIX = "stock."
MEASUREMENT_PREFIX = "sizes.measurements."
SIZE_COLUMN = "sizes.size"
TEXT_LIMIT = 1000  # material and care are sentences, not essays

_CM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:cm|センチ)?")


def _number(value) -> float | int | None:
    """A measurement: a positive int or float (70.0 -> 70), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value) if float(value).is_integer() else value


def _size_name(value) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # shoe sizes, 23
    if not isinstance(value, str):
        return None
    return unicodedata.normalize("NFKC", value).strip() or None


def _sizes(check: _Checker, raw: dict) -> list[dict]:
    value = raw.get("sizes")
    if value is None:
        return []
    if not isinstance(value, list):
        check.fail("sizes", "リスト ([...]) で指定してください")
        return []
    sizes, seen = [], set()
    for index, entry in enumerate(value):
        where = f"sizes[{index}]"
        if not isinstance(entry, dict):
            check.fail(where, "オブジェクト ({...}) で指定してください")
            continue
        size = _size_name(entry.get("size"))
        if size is None:
            check.fail(
                f"{where}.size", f"サイズ名を文字列で指定してください: {entry.get('size')!r}"
            )
        elif len(size) > 32:
            check.fail(f"{where}.size", f"長すぎます ({len(size)} 文字、最大 32 文字)")
            size = None
        elif size.casefold() in seen:
            check.fail(f"{where}.size", f"同じサイズ {size!r} が 2 回あります")
        else:
            seen.add(size.casefold())
        measurements = {}
        raw_measurements = entry.get("measurements")
        if raw_measurements is not None and not isinstance(raw_measurements, dict):
            check.fail(f"{where}.measurements", "オブジェクト ({...}) で指定してください")
            raw_measurements = None
        for label, amount in (raw_measurements or {}).items():
            name = unicodedata.normalize("NFKC", str(label)).strip()
            if amount is None or amount == "":
                continue  # not measured
            number = _number(amount)
            if not name or len(name) > 32:
                check.fail(f"{where}.measurements", f"寸法の名前が正しくありません: {label!r}")
            elif number is None:
                check.fail(
                    f"{where}.measurements.{name}",
                    f"寸法は cm の正の数で指定してください (例 70, 70.5): {amount!r}",
                )
            else:
                measurements[name] = number
        if size is not None:
            sizes.append({"size": size, "measurements": measurements})
    return sizes


def _stock(check: _Checker, raw: dict, sizes: list[dict]) -> int | dict | None:
    value = raw.get("stock")
    if isinstance(value, tuple):  # CSV: both stock and stock.<size> were filled in
        check.fail("stock", "stock（商品全体の数）と stock.<サイズ> の両方に値があります")
        return None
    if isinstance(value, dict):
        listed = {s["size"].casefold(): s["size"] for s in sizes}
        stock = {}
        for key, count in value.items():
            if count is None or count == "":
                continue  # not known for this size
            size = _size_name(key)
            where = f"stock.{size or key}"
            if size is None:
                check.fail("stock", f"サイズ名が正しくありません: {key!r}")
                continue
            if listed and size.casefold() not in listed:
                check.fail(
                    where, f"サイズ一覧 (sizes) にないサイズです: {', '.join(listed.values())}"
                )
                continue
            amount = check.whole({"n": count}, "n", where, minimum=0, required=False)
            if amount is not None:
                stock[listed.get(size.casefold(), size)] = amount
        if not stock and not check.errors:
            check.fail("stock", "サイズ別の在庫数が 1 つもありません")
        return stock or None
    return check.whole(raw, "stock", "stock", minimum=0)


def validate_product(raw: object, row: int) -> tuple[dict | None, list[RowError]]:
    """Check one product as the shop sent it.

    Returns the product in the contract shape with canonical values (SKU, size names,
    whole-number measurements where they are whole), ready for
    ``bot.products.upsert_products``, or None and the errors, each naming ``row`` and the
    field.
    """
    if not isinstance(raw, dict):
        return None, [RowError(row, "(商品)", "商品はオブジェクト ({...}) で指定してください")]
    check = _Checker(row, None, ())
    typed = raw.get("sku")
    if isinstance(typed, int) and not isinstance(typed, bool):
        typed = str(typed)
    sku = check.text({"sku": typed}, "sku", "sku", required=True, limit=64)
    if sku is not None and (sku := canonical_sku(sku)) is None:
        check.fail("sku", f"商品番号には英数字と - _ . だけが使えます (例 TS-01): {typed!r}")
    name = check.text(raw, "name", "name", required=True)
    category = check.text(raw, "category", "category", required=True, limit=64)
    price = check.whole(raw, "price", "price", minimum=0)
    material = check.text(raw, "material", "material", required=True, limit=TEXT_LIMIT)
    care = check.text(raw, "care", "care", required=False, limit=TEXT_LIMIT)
    sizes = _sizes(check, raw)
    stock = _stock(check, raw, sizes)
    restock_date = check.day(raw, "restock_date", "restock_date")
    warranty = check.whole(raw, "warranty_months", "warranty_months", minimum=0, required=False)
    if check.errors:
        return None, check.errors
    return {
        "sku": sku,
        "name": name,
        "category": category,
        "price": price,
        "material": material,
        "care": care,
        "sizes": sizes,
        "stock": stock,
        "restock_date": restock_date,
        "warranty_months": warranty,
    }, []


# --- CSV ------------------------------------------------------------------------------


def _known(column: str) -> bool:
    if column in OWN_COLUMNS or column == SIZE_COLUMN:
        return True
    for prefix in (STOCK_PREFIX, MEASUREMENT_PREFIX):
        if column.startswith(prefix) and column[len(prefix) :].strip():
            return True
    return False


def _check_header(header: list[str], path: Path) -> None:
    unknown = [name for name in header if not _known(name)]
    if unknown:
        allowed = [*OWN_COLUMNS, "stock.<サイズ>", SIZE_COLUMN, f"{MEASUREMENT_PREFIX}<寸法名>"]
        raise ImportFileError(
            f"{path}: 知らない列があります: {', '.join(unknown)} (使える列: {', '.join(allowed)})"
        )
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    if "stock" not in header and not any(name.startswith(STOCK_PREFIX) for name in header):
        missing.append("stock または stock.<サイズ>")
    if missing:
        raise ImportFileError(f"{path}: 必須の列がありません: {', '.join(missing)}")


def _cell(column: str, cell: str):
    cell = cell.strip()
    if column in ("price", "warranty_months", "stock") or column.startswith(STOCK_PREFIX):
        amount = csv_amount(cell)
        return cell or None if amount is None else amount
    if column.startswith(MEASUREMENT_PREFIX):
        match = _CM.fullmatch(unicodedata.normalize("NFKC", cell))
        if match:
            number = float(match[1])
            return int(number) if number.is_integer() else number
    return cell or None


def _nest(values: dict) -> dict:
    """The product's own columns nested; ``stock`` and ``stock.<size>`` become one ``stock``."""
    sized = {k[len(STOCK_PREFIX) :]: v for k, v in values.items() if k.startswith(STOCK_PREFIX)}
    record = nest_columns({k: v for k, v in values.items() if not k.startswith(STOCK_PREFIX)})
    if any(v is not None for v in sized.values()):
        total = record.get("stock")
        record["stock"] = (total, sized) if total is not None else sized
    return record


def _upsert(session: Session, products: list[dict], source: str) -> list[str]:
    return upsert_products(session, products)


PRODUCTS = RecordKind(
    noun="商品",
    document_key="products",
    key="sku",
    key_name="商品番号",
    validator=lambda: validate_product,
    upsert=_upsert,
    csv=CsvShape(
        noun="商品",
        key_column="sku",
        child="sizes",
        check_header=_check_header,
        key=canonical_sku,
        cell=_cell,
        nest=_nest,
        child_required=False,
    ),
)
