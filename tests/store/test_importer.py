"""bot.importer: checking each order, loading the good ones, JSON and CSV files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.importer import (
    CSV_COLUMNS,
    ImportFileError,
    RowError,
    import_file,
    import_records,
    validate_record,
)
from bot.orders import find_order
from tests.store.conftest import ORDER, make_order


def _fields(errors: list[RowError]) -> set[str]:
    return {e.field for e in errors}


def _with(path: str, value) -> dict:
    """ORDER with one nested field (``customer.email``, ``items.0.quantity``) replaced."""
    order = make_order()
    *parents, last = path.split(".")
    target = order
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return order


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("status", "shipping", "status"),
        ("status", None, "status"),
        ("order_id", _DELETE, "order_id"),
        ("order_id", "", "order_id"),
        ("order_id", "注文12", "order_id"),
        ("placed_at", "2026/11/20 10:15", "placed_at"),
        ("placed_at", "2026-13-01T00:00:00+09:00", "placed_at"),
        ("customer.email", "taro(at)example.jp", "customer.email"),
        ("customer.phone", "12345", "customer.phone"),
        ("customer.name", "", "customer.name"),
        ("customer", None, "customer"),
        ("customer", "山田", "customer"),
        ("payment.method", "bitcoin", "payment.method"),
        ("payment.status", "done", "payment.status"),
        ("payment.paid_at", "yesterday", "payment.paid_at"),
        ("payment", None, "payment"),
        ("items", [], "items"),
        ("items", "TS-01-M", "items"),
        ("items.0.quantity", "two", "items[0].quantity"),
        ("items.0.quantity", "1", "items[0].quantity"),
        ("items.0.quantity", 0, "items[0].quantity"),
        ("items.0.quantity", 1.5, "items[0].quantity"),
        ("items.0.quantity", True, "items[0].quantity"),
        ("items.0.price", -1, "items[0].price"),
        ("items.0.sku", None, "items[0].sku"),
        ("shipment.carrier", "fedex", "shipment.carrier"),
        ("shipment.carrier", None, "shipment.carrier"),  # a tracking number needs a carrier
        ("shipment.estimated_delivery", "11/24", "shipment.estimated_delivery"),
        ("shipment.shipped_at", "2026-11-2x", "shipment.shipped_at"),
        ("shipping_address.line1", None, "shipping_address.line1"),
        ("delay.new_estimate", "2026-02-30", "delay.new_estimate"),
    ],
)
def test_a_bad_field_is_named(path, value, field):
    order, errors = validate_record(_with(path, value), 7)
    assert order is None
    assert field in _fields(errors)
    assert all(e.row == 7 and e.message for e in errors)
    assert str(errors[0]).startswith("行 7: ")


def test_an_order_needs_an_email_or_a_phone():
    order = make_order(customer={"name": "山田 太郎", "email": None, "phone": None})
    assert "customer.email" in _fields(validate_record(order, 1)[1])
    order = make_order(customer={"name": "山田 太郎", "phone": "03-1234-5678"})
    assert validate_record(order, 1)[0]["customer"]["email"] is None


def test_a_record_that_is_not_an_object():
    order, errors = validate_record(["A-1"], 3)
    assert order is None
    assert [(e.row, e.field) for e in errors] == [(3, "(注文)")]


def test_values_are_made_canonical():
    order, errors = validate_record(
        make_order(
            order_id="ａ－１００２３４",
            placed_at="2026-11-20 10:15:00",  # no offset: the shop's time zone
            customer={
                "name": " 山田 太郎 ",
                "email": "ＴＡＲＯ＠example.JP",
                "phone": "090-1234-5678",
            },
            shipment={
                "carrier": "yamato",
                "tracking_number": "",
                "estimated_delivery": "2026-11-24",
            },
            delay={"reason": "", "new_estimate": None},
        ),
        1,
    )
    assert errors == []
    assert order["order_id"] == "A-100234"
    assert order["placed_at"] == "2026-11-20T10:15:00+09:00"
    assert order["customer"] == {
        "name": "山田 太郎",
        "email": "taro@example.jp",
        "phone": "090-1234-5678",
    }
    assert order["shipment"] == {
        "carrier": "yamato",
        "tracking_number": None,
        "shipped_at": None,
        "estimated_delivery": "2026-11-24",
    }
    assert order["delay"] is None
    assert validate_record(make_order(order_id=1001), 1)[0]["order_id"] == "1001"


def test_good_records_load_while_bad_ones_are_reported(session):
    records = [
        make_order(order_id="A-1001"),
        make_order(order_id="A-1002", status="lost"),
        make_order(order_id="A-1003", customer={"name": "x", "email": "bad", "phone": None}),
        make_order(order_id="A-1004"),
        make_order(order_id="a1004"),  # the same order number again
    ]
    report = import_records(session, records)
    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 3)
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "status"),
        (3, "customer.email"),
        (5, "order_id"),
    ]
    assert find_order(session, "A-1001") and find_order(session, "A-1004")
    assert find_order(session, "A-1002") is None
    assert report.summary() == "取り込み完了: 新規 2件 / 更新 0件 / 変更なし 0件 / エラー 3件"


def _json_file(tmp_path, orders, *, bare=False, name="orders.json"):
    path = tmp_path / name
    document = orders if bare else {"orders": orders}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_import_is_idempotent(db_url, tmp_path):
    orders = [make_order(order_id=f"A-{1000 + n}") for n in range(2500)]
    path = _json_file(tmp_path, orders)
    lines = []
    first = import_file(path, progress=lines.append, url=db_url)
    assert (first.inserted, first.rejected) == (2500, 0)
    assert lines == ["  1,000 / 2,500 件 …", "  2,000 / 2,500 件 …", "  2,500 / 2,500 件 …"]
    second = import_file(path, url=db_url)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2500)
    orders[1]["status"] = "paid"
    third = import_file(_json_file(tmp_path, orders, bare=True), url=db_url)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2499)


def test_json_bad_rows_are_skipped(db_url, tmp_path):
    orders = [
        make_order(order_id="A-1001"),
        {**make_order(order_id="A-1002"), "placed_at": "not a date"},
        "not an order",
        make_order(order_id="A-1004"),
    ]
    report = import_file(_json_file(tmp_path, orders), url=db_url)
    assert report.inserted == 2
    assert [(e.row, e.field) for e in report.errors] == [(2, "placed_at"), (3, "(注文)")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"orders": [{"order_id": "A-1001",}]}', "JSON の形式が正しくありません (1 行"),
        ('{"orders": {"order_id": "A-1001"}}', "注文のリスト"),
        ("", "JSON の形式が正しくありません"),
    ],
)
def test_a_malformed_json_file_is_one_clear_error(tmp_path, db_url, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(")):
        import_file(path, url=db_url)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(ImportFileError, match="ファイルが見つかりません"):
        import_file(tmp_path / "nothing.json")
    (tmp_path / "orders.xlsx").write_bytes(b"PK")
    with pytest.raises(ImportFileError, match=r"\.json か \.csv"):
        import_file(tmp_path / "orders.xlsx")
    (tmp_path / "latin.json").write_bytes(b'{"orders": ["\xff"]}')
    with pytest.raises(ImportFileError, match="UTF-8"):
        import_file(tmp_path / "latin.json")


# --- CSV ---------------------------------------------------------------------------------


def _flat(order: dict) -> dict:
    row = {}
    for key, value in order.items():
        if key == "items":
            continue
        if isinstance(value, dict):
            row.update({f"{key}.{k}": v for k, v in value.items()})
        elif value is not None:
            row[key] = value
    return row


def _csv_rows(order: dict) -> list[dict]:
    """One CSV line per item, the order's fields on the first line only."""
    rows = []
    for index, item in enumerate(order["items"]):
        row = _flat(order) if index == 0 else {"order_id": order["order_id"]}
        row.update({f"items.{k}": v for k, v in item.items()})
        rows.append(row)
    return rows


def _csv_file(tmp_path, rows, *, columns=CSV_COLUMNS, encoding="utf-8", name="orders.csv"):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


TWO_ITEMS = make_order(
    items=[
        {"sku": "TS-01-M", "name": "オーガニックTシャツ M", "quantity": 1, "price": 3980},
        {"sku": "SK-20", "name": "ソックス, 2足組", "quantity": 2, "price": 2420},
    ]
)


def test_csv_import_with_several_items_per_order(db_url, tmp_path):
    other = make_order(order_id="#1001", shipment=None, delay=None, shipping_address=None)
    path = _csv_file(tmp_path, _csv_rows(TWO_ITEMS) + _csv_rows(other))
    report = import_file(path, url=db_url)
    assert (report.inserted, report.rejected) == (2, 0), report.errors
    from bot.db import session_scope

    with session_scope(db_url) as session:
        assert find_order(session, "A-100234") == TWO_ITEMS
        assert find_order(session, "1001") == {**other, "order_id": "1001"}
    # the same orders as JSON change nothing
    again = import_file(_json_file(tmp_path, [TWO_ITEMS, other]), url=db_url)
    assert again.unchanged == 2


def test_csv_in_excel_shift_jis_with_amounts_and_blank_lines(db_url, tmp_path):
    rows = _csv_rows(ORDER)
    rows[0]["items.price"] = "3,980"
    path = _csv_file(tmp_path, [*rows, {}], encoding="cp932")
    report = import_file(path, url=db_url)
    assert (report.inserted, report.rejected) == (1, 0), report.errors


def test_csv_bad_rows_are_reported_with_their_line_while_good_rows_load(db_url, tmp_path):
    good = _csv_rows(make_order(order_id="A-1001"))
    bad_email = _csv_rows(
        make_order(order_id="A-1002", customer={**ORDER["customer"], "email": "x@"})
    )
    bad_item = _csv_rows(TWO_ITEMS | {"order_id": "A-1003"})
    bad_item[1]["items.quantity"] = "two"
    conflicting = _csv_rows(TWO_ITEMS | {"order_id": "A-1004"})
    conflicting[1]["status"] = "shipped"
    no_id = _csv_rows(make_order(order_id=""))
    path = _csv_file(tmp_path, good + bad_email + bad_item + conflicting + no_id)
    # a short line: its last cells (and so its columns) are missing
    lines = path.read_text(encoding="utf-8").splitlines()
    short = _csv_rows(make_order(order_id="A-1005"))[0]
    lines.append(",".join(str(short.get(c) or "") for c in CSV_COLUMNS[:3]))
    lines.append(lines[1].replace("A-1001", "A-1006"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_file(path, url=db_url)
    assert (report.inserted, report.rejected) == (2, 5)
    found = {(e.row, e.field) for e in report.errors}
    assert (3, "customer.email") in found
    assert (5, "items.quantity") in found  # the item's own line
    assert (7, "status") in found
    assert (8, "order_id") in found
    assert (9, CSV_COLUMNS[3]) in found  # the first missing column of the short line


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([c for c in CSV_COLUMNS if c != "status"], "必須の列がありません: status"),
        ([c for c in CSV_COLUMNS if not c.startswith("customer.") or c == "customer.name"],
         "customer.email または customer.phone"),
        ([*CSV_COLUMNS, "customer.mail"], "知らない列があります: customer.mail"),
    ],
)  # fmt: skip
def test_csv_header_problems_are_one_clear_error(db_url, tmp_path, columns, message):
    path = _csv_file(tmp_path, _csv_rows(ORDER), columns=columns)
    with pytest.raises(ImportFileError, match=message):
        import_file(path, url=db_url)


def test_csv_optional_columns_may_be_left_out(db_url, tmp_path):
    columns = [
        "order_id", "placed_at", "status", "customer.name", "customer.phone",
        "payment.method", "payment.status", "items.sku", "items.name", "items.quantity",
        "items.price",
    ]  # fmt: skip
    order = make_order(customer={"name": "山田", "phone": "0312345678"})
    report = import_file(_csv_file(tmp_path, _csv_rows(order), columns=columns), url=db_url)
    assert report.inserted == 1, report.errors


def test_an_empty_csv_file(tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="空のファイル"):
        import_file(tmp_path / "empty.csv")
