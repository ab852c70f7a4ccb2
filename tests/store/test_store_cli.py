"""`python -m bot db|orders|handoffs|bench store` as an operator runs them: real processes,
a temporary SQLite database, exit statuses, and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.db import dispose, session_scope
from bot.handoff import HandoffQueue
from bot.settings import load_settings, now
from tests.conftest import ROOT
from tests.store.conftest import ORDER, SHOP_NOW, make_order


@pytest.fixture
def bot(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SHOP_NOW": SHOP_NOW}

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    run.url = url
    yield run
    dispose(url)


def _write(tmp_path, orders, name="orders.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "command",
    [
        ["db"],
        ["db", "upgrade"],
        ["orders"],
        ["orders", "import"],
        ["orders", "show"],
        ["orders", "load-demo"],
        ["handoffs"],
        ["handoffs", "list"],
        ["bench", "store"],
    ],
)
def test_every_command_has_help(bot, command):
    result = bot(*command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_db_upgrade(bot, tmp_path):
    result = bot("db", "upgrade")
    assert result.returncode == 0
    assert (tmp_path / "shop.sqlite3").exists()
    assert bot("db", "upgrade").returncode == 0


def test_import_show_and_reimport(bot, tmp_path):
    path = _write(
        tmp_path,
        [ORDER, make_order(order_id="A-100235", status="shipping"), make_order(order_id="#1001")],
    )
    result = bot("orders", "import", path)
    assert result.returncode == 1  # one row was rejected ...
    assert "取り込み完了: 新規 2件 / 更新 0件 / 変更なし 0件 / エラー 1件" in result.stdout
    assert "行 2: status: " in result.stderr
    assert "3 / 3 件" in result.stderr  # progress

    shown = bot("orders", "show", "ａ１００２３４", "--json")  # ... but the good ones loaded
    assert shown.returncode == 0
    assert json.loads(shown.stdout) == ORDER
    assert json.loads(bot("orders", "show", "#1001", "--json").stdout)["order_id"] == "1001"
    assert "山田 太郎" in shown.stdout  # ensure_ascii=False

    again = bot("orders", "import", _write(tmp_path, [ORDER, make_order(order_id="#1001")]))
    assert again.returncode == 0
    assert "新規 0件 / 更新 0件 / 変更なし 2件 / エラー 0件" in again.stdout


def test_show_without_json_is_readable_japanese(bot, tmp_path):
    bot("orders", "import", _write(tmp_path, [ORDER]))
    result = bot("orders", "show", "A-100234")
    assert result.returncode == 0
    for text in (
        "A-100234",
        "お支払い待ち",
        "銀行振込",
        "オーガニックTシャツ M",
        "ヤマト運輸",
        "年末の注文集中",
    ):
        assert text in result.stdout


def test_show_an_unknown_order(bot):
    result = bot("orders", "show", "Z-9999", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "注文が見つかりません: Z-9999" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "ファイルが見つかりません"),
        ("bad.json", '{"orders": [', "JSON の形式が正しくありません"),
        ("bad.csv", "order_id,status\nA-1001,paid\n", "必須の列がありません"),
        ("orders.txt", "hello", ".json か .csv"),
    ],
)
def test_a_bad_file_is_a_clear_error(bot, tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = bot("orders", "import", str(tmp_path / name))
    assert result.returncode == 2
    assert message in result.stderr


def test_load_demo_only_into_an_empty_database(bot):
    first = bot("orders", "load-demo")
    assert first.returncode == 0
    assert "新規 30件" in first.stdout
    second = bot("orders", "load-demo")
    assert second.returncode == 0
    assert "読み込みませんでした" in second.stdout
    order = json.loads(bot("orders", "show", "d-200001", "--json").stdout)
    assert order["shipment"]["carrier"] == "yamato"


def test_handoffs_list(bot):
    empty = bot("handoffs", "list", "--json")
    assert empty.returncode == 0
    assert json.loads(empty.stdout) == []
    settings = load_settings()
    with session_scope(bot.url) as session:
        queue = HandoffQueue(session, timezone=settings.timezone, clock=lambda: now(settings))
        first = queue.create(conversation_id="c-1", reason="human_request", order_id="A-100234")
        queue.create(conversation_id="c-2", reason="complaint")
        queue.claim(first["id"], "sato")
    listed = json.loads(bot("handoffs", "list", "--json").stdout)
    assert [(h["conversation_id"], h["status"], h["order_id"], h["operator"]) for h in listed] == [
        ("c-1", "claimed", "A-100234", "sato"),
        ("c-2", "waiting", None, None),
    ]
    assert {
        "id", "conversation_id", "status", "reason", "created_at", "order_id", "verified",
        "operator", "claimed_at", "closed_at", "wait_seconds",
    } <= set(listed[0])  # fmt: skip
    assert json.loads(bot("handoffs", "list", "--json", "--status", "closed").stdout) == []
    text = bot("handoffs", "list")
    assert "担当者希望" in text.stdout and "ご不満・苦情" in text.stdout
    assert "担当 sato(" in text.stdout and "待ち" in text.stdout
    assert "2 件（対応待ち 1 件）" in text.stdout
    assert bot("handoffs", "list", "--status", "lost").returncode == 2


def test_an_unreachable_database_is_a_clear_error(bot):
    result = bot("handoffs", "list", "--json", DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    assert result.returncode == 1
    assert "データベースのエラー" in result.stderr
    assert "postgresql://nobody@127.0.0.1:9/none" in result.stderr


def test_bench_store_runs(bot):
    result = bot("bench", "store", "--orders", "300", "--lookups", "50")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "summary: 300 orders imported" in result.stdout
    assert "find_order p50" in result.stdout
