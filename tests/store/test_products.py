"""bot.products and bot.product_import: the catalogue, its JSON and CSV import, and finding
products by SKU, by an order item's SKU and in a customer's words."""

from __future__ import annotations

import copy
import json

import pytest

from bot import demo
from bot.db import session_scope
from bot.importer import ImportFileError, import_file, import_records
from bot.product_import import PRODUCTS, validate_product
from bot.products import (
    all_products,
    canonical_sku,
    find_in_text,
    find_product,
    product_for_sku,
    upsert_products,
)
from tests.conftest import ROOT

SMOKE = ROOT.parent / "shared" / "contract_smoke" / "products.json"
TSHIRT = {
    "sku": "TS-01",
    "name": "オーガニックコットンTシャツ 白",
    "category": "apparel",
    "price": 3980,
    "material": "綿100%（オーガニックコットン）",
    "care": "洗濯機可（ネット使用）・乾燥機不可",
    "sizes": [
        {"size": "M", "measurements": {"着丈": 70, "身幅": 52, "肩幅": 46, "袖丈": 20}},
        {"size": "L", "measurements": {"着丈": 73, "身幅": 55.5, "肩幅": 49, "袖丈": 21}},
    ],
    "stock": {"M": 3, "L": 0},
    "restock_date": "2026-12-10",
    "warranty_months": None,
}
MUG = {
    "sku": "MG-40",
    "name": "波佐見焼マグカップ 藍",
    "category": "kitchen",
    "price": 2640,
    "material": "磁器",
    "care": None,
    "sizes": [],
    "stock": 7,
    "restock_date": None,
    "warranty_months": None,
}


def product(base=TSHIRT, **changes) -> dict:
    result = copy.deepcopy(base)
    result.update(copy.deepcopy(changes))
    return result


def _json_file(tmp_path, products, *, bare=False, name="products.json"):
    path = tmp_path / name
    document = products if bare else {"products": products}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _csv_file(tmp_path, text: str, *, encoding="utf-8", name="products.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


CSV = "\n".join(
    [
        "sku,name,category,price,material,care,stock,stock.M,stock.L,restock_date,sizes.size,"
        "sizes.measurements.着丈,sizes.measurements.身幅,sizes.measurements.肩幅,"
        "sizes.measurements.袖丈",
        'ts-01,オーガニックコットンTシャツ 白,apparel,"¥3,980",綿100%（オーガニックコットン）,'
        "洗濯機可（ネット使用）・乾燥機不可,,3,0,2026-12-10,M,70,52,46,20",
        "TS-01,,,,,,,,,,L,73cm,55.5,49,21",
        "MG-40,波佐見焼マグカップ 藍,kitchen,2640,磁器,,7,,,,,,,,",
        "",
    ]
)


# --- validation -------------------------------------------------------------------------


def test_a_good_product_comes_back_canonical():
    raw = product(sku="ｔｓ－０１", sizes=[{"size": "Ｍ", "measurements": {"着丈": 70.0}}])
    found, errors = validate_product({**raw, "stock": {"m": 3}}, 1)
    assert errors == []
    assert found["sku"] == "TS-01"
    assert found["sizes"] == [{"size": "M", "measurements": {"着丈": 70}}]
    assert found["stock"] == {"M": 3}  # by the size's own spelling


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": ""}, "sku"),
        ({"sku": "TS 01"}, "sku"),
        ({"name": None}, "name"),
        ({"category": ""}, "category"),
        ({"price": "3980円"}, "price"),
        ({"price": -1}, "price"),
        ({"material": None}, "material"),
        ({"stock": None}, "stock"),
        ({"stock": -2}, "stock"),
        ({"stock": {"M": "many"}}, "stock.M"),
        ({"stock": {"XL": 1}}, "stock.XL"),
        ({"sizes": "M, L"}, "sizes"),
        ({"sizes": [{"size": "M"}, {"size": "m"}]}, "sizes[1].size"),
        (
            {"sizes": [{"size": "M", "measurements": {"着丈": "長い"}}]},
            "sizes[0].measurements.着丈",
        ),
        ({"restock_date": "12月10日"}, "restock_date"),
        ({"warranty_months": 1.5}, "warranty_months"),
    ],
)
def test_a_bad_field_is_named(changes, field):
    found, errors = validate_product(product(**changes), 4)
    assert found is None
    assert field in {e.field for e in errors}, errors
    assert all(str(e).startswith(f"行 4: {e.field}: ") for e in errors)


def test_absent_optional_fields_are_none():
    raw = product(MUG)
    for name in ("care", "restock_date", "warranty_months", "sizes"):
        del raw[name]
    found, errors = validate_product(raw, 1)
    assert errors == []
    assert found == MUG


# --- import -------------------------------------------------------------------------------


def test_json_import_then_look_up(db_url, tmp_path):
    report = import_file(_json_file(tmp_path, [TSHIRT, MUG]), url=db_url, kind=PRODUCTS)
    assert (report.inserted, report.rejected) == (2, 0), report.errors
    with session_scope(db_url) as session:
        assert find_product(session, "TS-01") == TSHIRT
        assert find_product(session, "ｔｓ－０１") == TSHIRT
        assert find_product(session, "TS-99") is None
        assert [p["sku"] for p in all_products(session)] == ["MG-40", "TS-01"]


def test_json_import_is_idempotent_and_updates(db_url, tmp_path):
    path = _json_file(tmp_path, [TSHIRT, MUG])
    import_file(path, url=db_url, kind=PRODUCTS)
    again = import_file(path, url=db_url, kind=PRODUCTS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = product(stock={"M": 2, "L": 0})
    third = import_file(_json_file(tmp_path, [changed, MUG], bare=True), url=db_url, kind=PRODUCTS)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 1)
    with session_scope(db_url) as session:
        assert find_product(session, "TS-01")["stock"] == {"M": 2, "L": 0}


def test_json_bad_rows_are_reported_and_good_rows_kept(db_url, tmp_path):
    rows = [TSHIRT, product(MUG, price="高い"), "not a product", product(sku="TS-01")]
    report = import_file(_json_file(tmp_path, rows), url=db_url, kind=PRODUCTS)
    assert report.inserted == 1 and report.rejected == 3
    assert [str(e).split(":")[0:2] for e in report.errors] == [
        ["行 2", " price"],
        ["行 3", " (商品)"],
        ["行 4", " sku"],
    ]
    assert "行 1 と同じ商品番号です" in str(report.errors[-1])
    with session_scope(db_url) as session:
        assert find_product(session, "TS-01") == TSHIRT
        assert find_product(session, "MG-40") is None


def test_csv_one_line_per_size(db_url, tmp_path):
    report = import_file(_csv_file(tmp_path, CSV), url=db_url, kind=PRODUCTS)
    assert (report.inserted, report.rejected) == (2, 0), report.errors
    with session_scope(db_url) as session:
        assert find_product(session, "TS-01") == TSHIRT
        assert find_product(session, "MG-40") == MUG
    # the same catalogue as JSON changes nothing; the CSV again neither (Shift_JIS too)
    assert (
        import_file(_json_file(tmp_path, [TSHIRT, MUG]), url=db_url, kind=PRODUCTS).unchanged == 2
    )
    sjis = _csv_file(tmp_path, CSV.replace("¥", ""), encoding="cp932", name="sjis.csv")
    assert import_file(sjis, url=db_url, kind=PRODUCTS).unchanged == 2


def test_csv_bad_lines_name_row_and_field_while_good_rows_load(db_url, tmp_path):
    lines = CSV.splitlines()
    lines[2] = lines[2].replace("73cm", "長い")  # line 3: a size of TS-01
    lines.append("SC-96,マフラー,apparel,7700,ウール,,0,1,,,,,,,")  # both stock forms
    lines.append("HT-50,ハンドタオル,home,abc,綿,,20,,,,,,,,")
    lines.append("LS-10,リネンシャツ,apparel,8800,麻,,,1,,,S,72,,,")  # stock.M, sizes S
    report = import_file(_csv_file(tmp_path, "\n".join(lines) + "\n"), url=db_url, kind=PRODUCTS)
    assert report.inserted == 1  # MG-40
    assert [(e.row, e.field) for e in report.errors] == [
        (3, "sizes.measurements.着丈"),
        (5, "stock"),
        (6, "price"),
        (7, "stock.M"),
    ]
    assert str(report.errors[2]).startswith("行 6: price: ")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("sku,name,category,price,stock", "必須の列がありません: material"),
        ("sku,name,category,price,material", "stock または stock.<サイズ>"),
        ("sku,name,category,price,material,stock,colour", "知らない列があります: colour"),
        ("sku,name,category,price,material,stock,stock", "同じ列が 2 回"),
    ],
)
def test_csv_header_problems_are_one_clear_error(tmp_path, db_url, header, message):
    with pytest.raises(ImportFileError, match=message.replace(".", r"\.")):
        import_file(_csv_file(tmp_path, header + "\n"), url=db_url, kind=PRODUCTS)


def test_a_malformed_json_file(tmp_path, db_url):
    with pytest.raises(ImportFileError, match="商品のリスト"):
        import_file(
            _csv_file(tmp_path, '{"products": 3}', name="x.json"), url=db_url, kind=PRODUCTS
        )


def test_the_contract_smoke_catalogue_imports_cleanly(db_url):
    if not SMOKE.exists():
        pytest.skip(f"{SMOKE} is not here")
    report = import_file(SMOKE, url=db_url, kind=PRODUCTS)
    assert report.rejected == 0, report.errors
    expected = json.loads(SMOKE.read_text(encoding="utf-8"))["products"]
    with session_scope(db_url) as session:
        for raw in expected:
            assert find_product(session, raw["sku"]) == raw


def test_the_demo_catalogue_covers_every_demo_order_item(session):
    report = import_records(session, demo.demo_products(demo.WRITTEN_FOR), kind=PRODUCTS)
    assert report.rejected == 0, report.errors
    items = {item["sku"]: item["name"] for order in demo.demo_orders(demo.WRITTEN_FOR)
             for item in order["items"]}  # fmt: skip
    for sku, name in items.items():
        found = product_for_sku(session, sku)
        assert found is not None, sku
        assert name.startswith(found["name"].split()[0]), (sku, name, found["name"])
    catalogue = all_products(session)
    assert any(isinstance(p["stock"], dict) and 0 in p["stock"].values() for p in catalogue)
    assert any(p["restock_date"] for p in catalogue)
    assert any(p["warranty_months"] for p in catalogue if p["category"] == "electronics")


def test_demo_restock_dates_move_with_the_day():
    later = demo.WRITTEN_FOR.replace(day=30)
    before = {p["sku"]: p["restock_date"] for p in demo.demo_products(demo.WRITTEN_FOR)}
    after = {p["sku"]: p["restock_date"] for p in demo.demo_products(later)}
    assert before["TS-01"] == "2026-12-10" and after["TS-01"] == "2026-12-16"


# --- finding ------------------------------------------------------------------------------


def test_canonical_sku():
    assert canonical_sku(" ｓｍｐ－ｔｏｔｅ－０２ ") == "SMP-TOTE-02"
    assert canonical_sku("TSー01") == "TS-01"  # the long-vowel mark an IME types
    assert canonical_sku("TS 01") is None


@pytest.fixture
def catalogue(session):
    upsert_products(
        session,
        [
            TSHIRT,
            product(sku="TS", name="テストシャツ"),
            product(sku="TS-02", name="オーガニックコットンTシャツ 墨黒"),
            product(MUG),
            product(MUG, sku="MG-41", name="波佐見焼マグカップ 白磁"),
            product(MUG, sku="TB-30", name="帆布トートバッグ 生成り"),
            product(MUG, sku="SMP-TOTE-02", name="見本トートバッグ 生成り"),
            product(MUG, sku="LS-10", name="リネンシャツ"),
            product(MUG, sku="LS-11", name="リネンシャツ ネイビー"),
        ],
    )
    return session


@pytest.mark.parametrize(
    ("item_sku", "expected"),
    [
        ("TS-01", "TS-01"),
        ("TS-01-M", "TS-01"),  # the longest prefix, not TS
        ("ts-01-xl", "TS-01"),
        ("TS-03-M", "TS"),
        ("MG-40", "MG-40"),
        ("MG-4", None),
        ("TS01M", None),  # the item rule needs the hyphen
        ("", None),
    ],
)
def test_product_for_an_order_item(catalogue, item_sku, expected):
    found = product_for_sku(catalogue, item_sku)
    assert (found and found["sku"]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMP-TOTE-02 について", ["SMP-TOTE-02"]),
        ("商品番号は ｓｍｐ－ｔｏｔｅ－０２ です。", ["SMP-TOTE-02"]),
        ("TS-01-Mの着丈を教えてください", ["TS-01"]),
        ("ts01mの在庫は？", ["TS-01"]),
        ("TS-01とMG-40", ["TS-01", "MG-40"]),
        ("TS-01 の素材は？オーガニックコットンTシャツ 墨黒 と同じですか", ["TS-01"]),  # SKU first
        ("オーガニックコットンTシャツ 墨黒のサイズ", ["TS-02"]),  # the whole name
        ("リネンシャツ ネイビーは洗えますか", ["LS-11"]),  # not also 「リネンシャツ」
        ("Ｔシャツの素材は？", ["TS-01", "TS-02"]),  # a part: both T-shirts
        ("墨黒のTシャツ", ["TS-02"]),  # more parts win
        ("見本トートバッグの素材は何ですか？", ["SMP-TOTE-02"]),
        ("トートバッグの大きさ", ["SMP-TOTE-02", "TB-30"]),
        ("白磁のマグカップ", ["MG-41"]),
        ("トートの大きさ", ["SMP-TOTE-02", "TB-30"]),  # what a word begins with ...
        ("マグの大きさ", []),  # ... of 3 characters or more
        ("リネンのシャツ", ["LS-10", "LS-11"]),  # ... and ends with
        ("生成りのものはありますか", []),  # a colour alone names nothing
        ("注文 A-100234 の件", []),
        ("", []),
    ],
)
def test_find_in_text(catalogue, text, expected):
    assert sorted(p["sku"] for p in find_in_text(catalogue, text)) == sorted(expected)
