"""Order import: check each order the shop sends, then upsert the good ones by order number.

Two file formats, both with the field names of the outside contract (CONTRACT.md §3):

**JSON** — ``{"orders": [ {...}, ... ]}`` or a bare list of orders. Row numbers in error
messages count the orders from 1.

**CSV** — UTF-8 (with or without BOM; Excel's Shift_JIS/CP932 is also read), one header
line, the nested fields flattened with dots::

    order_id, placed_at, status,
    customer.name, customer.email, customer.phone,
    payment.method, payment.status, payment.paid_at, payment.refunded_at,
    items.sku, items.name, items.quantity, items.price,
    shipping_address.postal_code, shipping_address.prefecture, shipping_address.city,
    shipping_address.line1, shipping_address.line2,
    shipment.carrier, shipment.tracking_number, shipment.shipped_at,
    shipment.estimated_delivery, shipment.delivered_at,
    delay.reason, delay.new_estimate

Columns may come in any order. Required: ``order_id``, ``placed_at``, ``status``,
``customer.name``, ``payment.method``, ``payment.status`` and the four ``items.*``, plus
``customer.email`` or ``customer.phone`` (or both). The others may be left out; an
unknown column is an error (a misspelt optional column would otherwise lose data silently).

One line per item: an order with three items is three lines with the same ``order_id``.
The order's own fields are read from its first line; its other lines may repeat them or
leave them empty, but may not contradict them. An empty cell is an absent value, and a
section whose cells are all empty (``shipment.*``, ``delay.*``, ``shipping_address.*``) is
absent. Quantities are whole numbers, prices whole yen (``3980``, ``3,980`` or ``¥3,980``).
Row numbers are the spreadsheet's line numbers (the header is line 1).

Date-times are ISO 8601 (``2026-11-20T10:15:00+09:00``; without an offset they are read
in the shop's time zone), delivery dates ``YYYY-MM-DD``.

Bad rows are reported with their row and field and skipped; good rows are loaded.
Importing the same data again changes nothing (every order comes back "unchanged").

The reading, row numbering, CSV grouping and report are shared by every kind of record
(:class:`RecordKind`): bot/product_import.py imports the catalogue with the same rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from bot.identifiers import canonical_email, canonical_order_id, canonical_phone
from bot.orders import CHUNK, upsert_orders
from bot.settings import Settings, load_settings
from bot.vocabulary import ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES

Progress = Callable[[str], None]

ITEM_COLUMNS = ("items.sku", "items.name", "items.quantity", "items.price")
ORDER_COLUMNS = (
    "order_id",
    "placed_at",
    "status",
    "customer.name",
    "customer.email",
    "customer.phone",
    "payment.method",
    "payment.status",
    "payment.paid_at",
    "payment.refunded_at",
    "shipping_address.postal_code",
    "shipping_address.prefecture",
    "shipping_address.city",
    "shipping_address.line1",
    "shipping_address.line2",
    "shipment.carrier",
    "shipment.tracking_number",
    "shipment.shipped_at",
    "shipment.estimated_delivery",
    "shipment.delivered_at",
    "delay.reason",
    "delay.new_estimate",
)
CSV_COLUMNS = ORDER_COLUMNS + ITEM_COLUMNS
REQUIRED_CSV_COLUMNS = (
    "order_id",
    "placed_at",
    "status",
    "customer.name",
    "payment.method",
    "payment.status",
    *ITEM_COLUMNS,
)


@dataclass(frozen=True)
class RowError:
    """One problem with one row: its number, the field (``customer.email``) and what is wrong."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"行 {self.row}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    """What an import did. ``rejected`` counts the orders not loaded; ``errors`` says why."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        return (
            f"取り込み完了: 新規 {self.inserted:,}件 / 更新 {self.updated:,}件 / "
            f"変更なし {self.unchanged:,}件 / エラー {self.rejected:,}件"
        )

    def as_dict(self) -> dict:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in self.errors],
        }


class ImportFileError(ValueError):
    """The file as a whole cannot be read: missing, unreadable, malformed, wrong columns."""


# --- one record -------------------------------------------------------------------------


class _Checker:
    """Collects the errors of one record while turning its values into canonical ones."""

    def __init__(self, row: int, tz, carriers: Sequence[str]):
        self.row, self.tz, self.carriers = row, tz, carriers
        self.errors: list[RowError] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.row, name, message))

    def section(self, raw: dict, name: str, *, required: bool) -> dict | None:
        value = raw.get(name)
        if value is None:
            if required:
                self.fail(name, "必須の項目がありません")
            return None
        if not isinstance(value, dict):
            self.fail(name, "オブジェクト ({...}) で指定してください")
            return None
        return value if any(v not in (None, "") for v in value.values()) or required else None

    def text(self, raw: dict, key: str, name: str, *, required: bool, limit: int = 200):
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.fail(name, "必須の項目がありません")
            return None
        if not isinstance(value, str):
            self.fail(name, f"文字列で指定してください: {value!r}")
            return None
        if len(value) > limit:
            self.fail(name, f"長すぎます ({len(value)} 文字、最大 {limit} 文字)")
            return None
        return value

    def choice(self, raw: dict, key: str, name: str, allowed: Sequence[str], required=True):
        value = self.text(raw, key, name, required=required, limit=64)
        if value is not None and value not in allowed:
            self.fail(name, f"{value!r} は使えない値です。使える値: {', '.join(allowed)}")
            return None
        return value

    def moment(self, raw: dict, key: str, name: str, *, required: bool = False) -> str | None:
        value = self.text(raw, key, name, required=required, limit=64)
        if value is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", value))
        except ValueError:
            self.fail(
                name,
                f"日時は ISO 8601 形式で指定してください (例 2026-11-20T10:15:00+09:00): {value!r}",
            )
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return parsed.astimezone(self.tz).isoformat()

    def day(self, raw: dict, key: str, name: str) -> str | None:
        value = self.text(raw, key, name, required=False, limit=32)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            self.fail(name, f"日付は YYYY-MM-DD 形式で指定してください (例 2026-11-24): {value!r}")
            return None

    def whole(
        self, raw: dict, key: str, name: str, *, minimum: int, required: bool = True
    ) -> int | None:
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.fail(name, "必須の項目がありません")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(name, f"{minimum} 以上の整数で指定してください: {value!r}")
            return None
        return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_record(
    raw: object, row: int, *, settings: Settings | None = None
) -> tuple[dict | None, list[RowError]]:
    """Check one order as the shop sent it.

    Returns the order in the contract shape with canonical values (order number, e-mail,
    dates in the shop's time zone), ready for ``bot.orders.upsert_orders``, or None and the
    errors, each naming ``row`` and the field. Carriers and time zone come from
    ``settings`` (default: the shop's settings).
    """
    settings = settings or load_settings()
    check = _Checker(row, settings.timezone, tuple(settings.carriers))
    if not isinstance(raw, dict):
        return None, [RowError(row, "(注文)", "注文はオブジェクト ({...}) で指定してください")]

    order_id = raw.get("order_id")
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        order_id = str(order_id)
    order_id = check.text({"order_id": order_id}, "order_id", "order_id", required=True, limit=40)
    if order_id is not None and canonical_order_id(order_id) is None:
        check.fail("order_id", f"注文番号の形式ではありません (例 A-100234, #1001): {order_id!r}")
    placed_at = check.moment(raw, "placed_at", "placed_at", required=True)
    status = check.choice(raw, "status", "status", ORDER_STATUSES)

    customer = check.section(raw, "customer", required=True) or {}
    name = check.text(customer, "name", "customer.name", required=True)
    email = check.text(customer, "email", "customer.email", required=False, limit=254)
    if email is not None and (email := canonical_email(email)) is None:
        check.fail("customer.email", f"メールアドレスの形式ではありません: {customer['email']!r}")
    phone = check.text(customer, "phone", "customer.phone", required=False, limit=40)
    if phone is not None and canonical_phone(phone) is None:
        check.fail("customer.phone", f"日本の電話番号の形式ではありません: {phone!r}")
    if customer and _blank(customer.get("email")) and _blank(customer.get("phone")):
        check.fail("customer.email", "メールアドレスか電話番号のどちらかが必要です")

    pay = check.section(raw, "payment", required=True) or {}
    payment = {
        "method": check.choice(pay, "method", "payment.method", PAYMENT_METHODS),
        "status": check.choice(pay, "status", "payment.status", PAYMENT_STATUSES),
        "paid_at": check.moment(pay, "paid_at", "payment.paid_at"),
        "refunded_at": check.moment(pay, "refunded_at", "payment.refunded_at"),
    }
    if payment["refunded_at"] is None:  # optional: present only when known
        del payment["refunded_at"]

    items = []
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        check.fail("items", "商品を 1 つ以上、リスト ([...]) で指定してください")
        raw_items = []
    for index, item in enumerate(raw_items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "オブジェクト ({...}) で指定してください")
            continue
        items.append(
            {
                "sku": check.text(item, "sku", f"{where}.sku", required=True, limit=64),
                "name": check.text(item, "name", f"{where}.name", required=True),
                "quantity": check.whole(item, "quantity", f"{where}.quantity", minimum=1),
                "price": check.whole(item, "price", f"{where}.price", minimum=0),
            }
        )

    address = check.section(raw, "shipping_address", required=False)
    if address is not None:
        where = "shipping_address"
        address = {
            "postal_code": check.text(address, "postal_code", f"{where}.postal_code",
                                      required=True, limit=16),
            "prefecture": check.text(address, "prefecture", f"{where}.prefecture",
                                     required=True, limit=16),
            "city": check.text(address, "city", f"{where}.city", required=True, limit=100),
            "line1": check.text(address, "line1", f"{where}.line1", required=True),
            "line2": check.text(address, "line2", f"{where}.line2", required=False),
        }  # fmt: skip

    shipment = check.section(raw, "shipment", required=False)
    if shipment is not None:
        raw_shipment = shipment
        shipment = {
            "carrier": check.choice(
                raw_shipment, "carrier", "shipment.carrier", check.carriers, required=False
            ),
            "tracking_number": check.text(
                raw_shipment, "tracking_number", "shipment.tracking_number", required=False,
                limit=64,
            ),
            "shipped_at": check.moment(raw_shipment, "shipped_at", "shipment.shipped_at"),
            "estimated_delivery": check.day(
                raw_shipment, "estimated_delivery", "shipment.estimated_delivery"
            ),
            "delivered_at": check.moment(raw_shipment, "delivered_at", "shipment.delivered_at"),
        }  # fmt: skip
        if shipment["delivered_at"] is None:  # optional: present only when known
            del shipment["delivered_at"]
        if shipment["tracking_number"] and raw_shipment.get("carrier") in (None, ""):
            check.fail("shipment.carrier", "追跡番号には配送業者 (carrier) が必要です")

    delay = check.section(raw, "delay", required=False)
    if delay is not None:
        delay = {
            "reason": check.text(delay, "reason", "delay.reason", required=False, limit=2000),
            "new_estimate": check.day(delay, "new_estimate", "delay.new_estimate"),
        }

    if check.errors:
        return None, check.errors
    return {
        "order_id": canonical_order_id(order_id),
        "placed_at": placed_at,
        "customer": {"name": name, "email": email, "phone": phone},
        "payment": payment,
        "status": status,
        "items": items,
        "shipping_address": address,
        "shipment": shipment,
        "delay": delay,
    }, []


# --- many records -----------------------------------------------------------------------


@dataclass
class _Entry:
    """One record read from a file: its row, the raw record, and errors found while reading."""

    row: int
    raw: object
    errors: list[RowError] = field(default_factory=list)
    child_rows: list[int] = field(default_factory=list)  # CSV: the line of each item or size


Validator = Callable[[object, int], "tuple[dict | None, list[RowError]]"]


@dataclass(frozen=True)
class CsvShape:
    """How one kind of record lies in a CSV file.

    The record's own columns are read from its first line (later lines may repeat them or
    leave them empty, never contradict them); each line adds one child (``items``,
    ``sizes``) from the columns named ``<child>.*``.
    """

    noun: str  # 注文, 商品: one record, in messages
    key_column: str  # "order_id": the lines of one record share its canonical key
    child: str  # "items": columns items.sku ... make one child per line
    check_header: Callable[[list[str], Path], None]  # raises ImportFileError
    key: Callable[[str], str | None]  # the key cell -> canonical key (None: not a key)
    cell: Callable[[str, str], object]  # (column, cell) -> value; "" -> None
    nest: Callable[[dict], dict]  # the first line's own values -> the record, no children
    child_required: bool = True  # the first line always adds a child (it may be all empty)

    def owns(self, column: str) -> bool:
        return not column.startswith(f"{self.child}.")


@dataclass(frozen=True)
class RecordKind:
    """One kind of import (orders, products): how its records are read, checked and stored."""

    noun: str  # 注文, 商品: what the file holds, in messages
    document_key: str  # "orders": JSON files are {"orders": [...]} or a bare list
    key: str  # "order_id": the field records are upserted by, unique within a file
    key_name: str  # 注文番号: that field in messages
    validator: Callable[[], Validator]  # built once per chunk (it may read the settings)
    upsert: Callable[[Session, list[dict], str], list[str]]
    csv: CsvShape


def _validated(
    entries: Sequence[_Entry], report: ImportReport, seen: dict[str, int], kind: RecordKind
) -> list[dict]:
    """The good records of ``entries``; the bad ones are counted and their errors recorded."""
    good = []
    validate = kind.validator()
    for entry in entries:
        errors = entry.errors
        record = None
        if not errors:
            record, errors = validate(entry.raw, entry.row)
        if record is not None:
            first = seen.setdefault(record[kind.key], entry.row)
            if first != entry.row:
                errors = [RowError(entry.row, kind.key, f"行 {first} と同じ{kind.key_name}です")]
                record = None
        if record is None:
            report.rejected += 1
            report.errors.extend(_child_rows(errors, entry.child_rows, kind.csv.child))
        else:
            good.append(record)
    return good


def _child_rows(errors: list[RowError], child_rows: list[int], child: str) -> list[RowError]:
    """For CSV, point a child's error at the child's own line (``items[2].price`` -> line)."""
    if not child_rows:
        return errors
    result = []
    pattern = re.compile(rf"{re.escape(child)}\[(\d+)\]\.(.+)")
    for error in errors:
        match = pattern.fullmatch(error.field)
        if match and int(match[1]) < len(child_rows):
            error = RowError(child_rows[int(match[1])], f"{child}.{match[2]}", error.message)
        result.append(error)
    return result


def _count(report: ImportReport, outcomes: list[str]) -> None:
    for outcome in outcomes:
        setattr(report, outcome, getattr(report, outcome) + 1)


def _upsert_orders(session: Session, orders: list[dict], source: str) -> list[str]:
    return upsert_orders(session, orders, source=source)


def _order_validator() -> Validator:
    settings = load_settings()
    return lambda raw, row: validate_record(raw, row, settings=settings)


def import_records(
    session: Session,
    records: list[dict],
    source: str = "api",
    *,
    progress: Progress | None = None,
    kind: RecordKind | None = None,
) -> ImportReport:
    """Validate and upsert ``records`` (rows numbered from 1) in the caller's transaction.

    ``kind`` says what they are (default: orders).
    """
    kind = kind or ORDERS
    started = time.perf_counter()
    report = ImportReport()
    seen: dict[str, int] = {}
    for start in range(0, len(records), CHUNK):
        entries = [
            _Entry(start + i + 1, raw) for i, raw in enumerate(records[start : start + CHUNK])
        ]
        good = _validated(entries, report, seen, kind)
        _count(report, kind.upsert(session, good, source))
        if progress:
            progress(f"  {min(start + CHUNK, len(records)):,} / {len(records):,} 件 …")
    report.seconds = time.perf_counter() - started
    return report


def import_file(
    path: str | Path,
    progress: Progress | None = None,
    url: str | None = None,
    *,
    source: str = "import",
    kind: RecordKind | None = None,
) -> ImportReport:
    """Import a .json or .csv file into the database at ``url`` (default DATABASE_URL).

    ``kind`` says what the file holds (default: orders). Each chunk of 1,000 records is one
    transaction. Raises ImportFileError when the file as a whole cannot be read.
    """
    from bot.db import session_scope, upgrade

    kind = kind or ORDERS
    started = time.perf_counter()
    entries = read_file(Path(path), kind)
    upgrade(url)
    report = ImportReport()
    seen: dict[str, int] = {}
    for start in range(0, len(entries), CHUNK):
        good = _validated(entries[start : start + CHUNK], report, seen, kind)
        with session_scope(url) as session:
            _count(report, kind.upsert(session, good, source))
        if progress:
            progress(f"  {min(start + CHUNK, len(entries)):,} / {len(entries):,} 件 …")
    report.seconds = time.perf_counter() - started
    return report


# --- files ------------------------------------------------------------------------------


def read_file(path: Path, kind: RecordKind | None = None) -> list[_Entry]:
    """The records (default: orders) in a .json or .csv file, not yet validated."""
    kind = kind or ORDERS
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ImportFileError(f"{path}: .json か .csv のファイルを指定してください")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"ファイルが見つかりません: {path}") from None
    except OSError as exc:
        raise ImportFileError(f"ファイルを読めません: {path}: {exc.strerror}") from None
    if suffix == ".json":
        return _read_json(data, path, kind)
    return _read_csv(data, path, kind.csv)


def _read_json(data: bytes, path: Path, kind: RecordKind) -> list[_Entry]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: UTF-8 の JSON ではありません") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path}: JSON の形式が正しくありません ({exc.lineno} 行 {exc.colno} 文字目: {exc.msg})"
        ) from None
    if isinstance(document, dict) and kind.document_key in document:
        document = document[kind.document_key]
    if not isinstance(document, list):
        raise ImportFileError(
            f'{path}: {{"{kind.document_key}": [...]}} か{kind.noun}のリストを指定してください'
        )
    return [_Entry(row, raw) for row, raw in enumerate(document, start=1)]


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")  # what Excel saves as "CSV" on a Japanese Windows
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: 文字コードが UTF-8 でも Shift_JIS でもありません") from None


_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def csv_amount(cell: str) -> int | None:
    """A whole number as a spreadsheet shows it (``3980``, ``3,980``, ``¥3,980``), or None."""
    number = unicodedata.normalize("NFKC", cell.strip()).lstrip("¥￥")
    return int(number.replace(",", "")) if _AMOUNT.fullmatch(number) else None


def _order_cell(column: str, cell: str):
    cell = cell.strip()
    if column in ("items.quantity", "items.price") and (amount := csv_amount(cell)) is not None:
        return amount
    return cell or None


def _check_order_header(header: list[str], path: Path) -> None:
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"{path}: 知らない列があります: {', '.join(unknown)} "
            f"(使える列: {', '.join(CSV_COLUMNS)})"
        )
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    if "customer.email" not in header and "customer.phone" not in header:
        missing.append("customer.email または customer.phone")
    if missing:
        raise ImportFileError(f"{path}: 必須の列がありません: {', '.join(missing)}")


def _read_csv(data: bytes, path: Path, shape: CsvShape) -> list[_Entry]:
    reader = csv.reader(io.StringIO(_decode(data, path), newline=""))
    try:
        header = [name.strip() for name in next(reader)]
        rows = list(reader)
    except StopIteration:
        raise ImportFileError(f"{path}: 空のファイルです (見出し行がありません)") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path}: CSV の形式が正しくありません: {exc}") from None
    shape.check_header(header, path)
    if len(set(header)) != len(header):
        raise ImportFileError(f"{path}: 見出しに同じ列が 2 回あります")

    own = [name for name in header if shape.owns(name)]
    children = [name for name in header if not shape.owns(name)]
    groups: dict[str, _Entry] = {}
    firsts: dict[str, dict] = {}
    entries: list[_Entry] = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, e.g. at the end of an Excel export
        values = {name: shape.cell(name, cell) for name, cell in zip(header, cells, strict=False)}
        typed = values.get(shape.key_column)
        key = (shape.key(typed) if isinstance(typed, str) else None) or f"\0row{number}"
        entry = groups.get(key)
        if entry is None:
            raw = shape.nest({name: values[name] for name in own if name in values})
            entry = groups[key] = _Entry(number, raw)
            firsts[key] = values
            entries.append(entry)
        else:
            first = firsts[key]
            for name in own:
                if name == shape.key_column:
                    continue  # the same record: typed alike or not (a100234, A-100234)
                if values.get(name) not in (None, first.get(name)):
                    entry.errors.append(
                        RowError(number, name, f"同じ{shape.noun}の行 {entry.row} と値が違います")
                    )
        if len(cells) < len(header):
            entry.errors.append(
                RowError(
                    number,
                    header[len(cells)],
                    f"この行は {len(cells)} 列しかありません (見出しは {len(header)} 列): "
                    f"{header[len(cells)]} から後の列が欠けています",
                )
            )
        elif len(cells) > len(header):
            entry.errors.append(
                RowError(
                    number,
                    "(列数)",
                    f"この行は {len(cells)} 列あり、見出しの {len(header)} 列より多いです",
                )
            )
        child = nest_columns({name.split(".", 1)[1]: values.get(name) for name in children})
        if _filled(child) or (shape.child_required and entry.row == number):
            entry.raw.setdefault(shape.child, []).append(child)
            entry.child_rows.append(number)
    return entries


def _filled(node) -> bool:
    if isinstance(node, dict):
        return any(_filled(value) for value in node.values())
    return node is not None


def nest_columns(values: dict) -> dict:
    """``{"customer.email": x}`` -> ``{"customer": {"email": x}}``, at any depth."""
    record: dict = {}
    for name, value in values.items():
        *parents, last = name.split(".")
        target = record
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return record


def _nest_order(values: dict) -> dict:
    return {**nest_columns(values), "items": []}


ORDERS = RecordKind(
    noun="注文",
    document_key="orders",
    key="order_id",
    key_name="注文番号",
    validator=_order_validator,
    upsert=_upsert_orders,
    csv=CsvShape(
        noun="注文",
        key_column="order_id",
        child="items",
        check_header=_check_order_header,
        key=canonical_order_id,
        cell=_order_cell,
        nest=_nest_order,
    ),
)
