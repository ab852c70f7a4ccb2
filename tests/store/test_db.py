"""bot.db: engines, sessions and the Alembic schema upgrade."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot import db
from tests.conftest import ROOT

TABLES = {
    "orders",
    "order_items",
    "shipments",
    "payments",
    "order_status_history",
    "handoffs",
    "verification_failures",
}


def test_upgrade_creates_every_table_and_index(db_url):
    inspector = inspect(db.get_engine(db_url))
    assert TABLES | {"alembic_version"} <= set(inspector.get_table_names())
    indexes = {ix["name"]: ix for ix in inspector.get_indexes("orders")}
    assert indexes["ix_orders_lookup_key"]["unique"]
    assert {"ix_orders_email", "ix_orders_phone_digits"} <= set(indexes)
    handoff_indexes = {ix["name"] for ix in inspector.get_indexes("handoffs")}
    assert {"ix_handoffs_conversation_id", "uq_handoffs_open_conversation"} <= handoff_indexes
    for table in ("order_items", "shipments", "payments", "order_status_history"):
        assert f"ix_{table}_order_pk" in {ix["name"] for ix in inspector.get_indexes(table)}


def test_the_migrations_match_the_models(db_url):
    with db.get_engine(db_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.Base.metadata) == []


def test_upgrade_is_idempotent(db_url):
    db.upgrade(db_url)  # cached: nothing happens
    db._upgraded.discard(db_url)
    db.upgrade(db_url)  # checked against the database: already at head
    with db.get_engine(db_url).connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    assert heads == (ScriptDirectory.from_config(db.alembic_config()).get_current_head(),)


def test_get_engine_is_cached_per_url(sqlite_url):
    assert db.get_engine(sqlite_url) is db.get_engine(sqlite_url)


def test_sqlite_uses_wal_and_foreign_keys_and_creates_its_directory(sqlite_url, tmp_path):
    assert not (tmp_path / "var").exists()
    with db.get_engine(sqlite_url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "var").is_dir()


def test_session_scope_commits_and_rolls_back(db_url):
    with db.session_scope(db_url) as session:
        session.execute(text("CREATE TABLE scratch (n INTEGER)"))
        session.execute(text("INSERT INTO scratch VALUES (1)"))
    with pytest.raises(RuntimeError):
        with db.session_scope(db_url) as session:
            session.execute(text("INSERT INTO scratch VALUES (2)"))
            raise RuntimeError("boom")
    with db.session_scope(db_url) as session:
        assert session.execute(text("SELECT n FROM scratch")).scalars().all() == [1]
        session.execute(text("DROP TABLE scratch"))


def upgrade_from_three_processes_at_once(url: str) -> None:
    """Three processes migrate one new database together; all succeed, it ends at the head."""
    code = "import sys, bot.db; bot.db.upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    with db.get_engine(url).connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    assert heads == (ScriptDirectory.from_config(db.alembic_config()).get_current_head(),)


def test_two_processes_upgrading_a_new_database_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    upgrade_from_three_processes_at_once(url)
    db.dispose(url)
