"""`python -m bot products ...` as an operator runs it: real processes, a temporary SQLite
database, exit statuses, and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.db import dispose
from tests.conftest import ROOT
from tests.store.conftest import ORDER, SHOP_NOW
from tests.store.test_products import CSV, MUG, TSHIRT, product


@pytest.fixture
def bot(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SHOP_NOW": SHOP_NOW}

    def run(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    yield run
    dispose(url)


def _write(tmp_path, products, name="products.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"products": products}, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "command", [["products"], ["products", "import"], ["products", "show"], ["products", "list"]]
)
def test_every_command_has_help(bot, command):
    result = bot(*command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_import_show_and_reimport(bot, tmp_path):
    path = _write(tmp_path, [TSHIRT, product(MUG, price="2,640円"), MUG])
    result = bot("products", "import", path)
    assert result.returncode == 1  # one row was rejected ...
    assert "取り込み完了: 新規 2件 / 更新 0件 / 変更なし 0件 / エラー 1件" in result.stdout
    assert "行 2: price: " in result.stderr
    assert "3 / 3 件" in result.stderr  # progress

    shown = bot("products", "show", "ｔｓ－０１", "--json")  # ... but the good ones loaded
    assert shown.returncode == 0
    assert json.loads(shown.stdout) == TSHIRT
    assert "オーガニックコットンTシャツ" in shown.stdout  # ensure_ascii=False
    assert json.loads(bot("products", "show", "TS-01-M", "--json").stdout)["sku"] == "TS-01"

    again = bot("products", "import", _write(tmp_path, [TSHIRT, MUG]))
    assert again.returncode == 0
    assert "新規 0件 / 更新 0件 / 変更なし 2件 / エラー 0件" in again.stdout


def test_csv_import_and_readable_show(bot, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(CSV, encoding="utf-8")
    assert bot("products", "import", str(path)).returncode == 0
    text = bot("products", "show", "TS-01").stdout
    for expected in ("TS-01", "オーガニックコットンTシャツ 白", "3,980円", "着丈 70cm", "M:3 L:0"):
        assert expected in text
    listed = bot("products", "list", "--json")
    assert [p["sku"] for p in json.loads(listed.stdout)] == ["MG-40", "TS-01"]
    assert "2 件" in bot("products", "list").stdout


def test_show_an_unknown_product(bot):
    result = bot("products", "show", "ZZ-99", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "商品が見つかりません: ZZ-99" in result.stderr


def test_an_unreadable_file_is_exit_2(bot, tmp_path):
    result = bot("products", "import", str(tmp_path / "missing.json"))
    assert result.returncode == 2
    assert "ファイルが見つかりません" in result.stderr


def test_load_demo_fills_an_empty_catalogue_once(bot, tmp_path):
    first = bot("orders", "load-demo")
    assert first.returncode == 0, first.stderr
    assert "デモ商品を読み込みました" in first.stdout
    shown = json.loads(bot("products", "show", "KN-95-F", "--json").stdout)
    assert shown["sku"] == "KN-95"
    # a shop's own catalogue is never mixed with the demo's
    assert "デモ商品" not in bot("orders", "load-demo").stdout


def test_load_demo_adds_the_catalogue_to_a_database_with_the_demo_orders(bot, tmp_path):
    demo_orders = ROOT / "bot" / "demo" / "orders.json"
    assert bot("orders", "import", str(demo_orders)).returncode == 0  # before the catalogue
    result = bot("orders", "load-demo")
    assert result.returncode == 0
    assert "デモ注文は読み込みませんでした" in result.stdout
    assert "デモ商品を読み込みました" in result.stdout


def test_load_demo_adds_no_catalogue_to_a_shops_own_orders(bot, tmp_path):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": [ORDER]}, ensure_ascii=False), encoding="utf-8")
    assert bot("orders", "import", str(path)).returncode == 0
    assert "デモ商品" not in bot("orders", "load-demo").stdout
    assert "0 件" in bot("products", "list").stdout
