"""What only PostgreSQL can get wrong: time zones, concurrent upgrades, the partial index.

Runs when TEST_DATABASE_URL points at a PostgreSQL database the tests may create schemas
in (.ci/run starts one); skipped otherwise. The repository and import tests in this
package also run against it (see the ``db_url`` fixture).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot import db
from bot.importer import import_file, import_records
from bot.orders import find_order
from tests.store.conftest import ORDER, SHOP_NOW, make_order
from tests.store.test_db import upgrade_from_three_processes_at_once


@pytest.fixture
def pg_url(pg_schema_url, monkeypatch):
    monkeypatch.setenv("SHOP_NOW", SHOP_NOW)
    return pg_schema_url


def test_concurrent_upgrades_of_a_new_schema(pg_url):
    upgrade_from_three_processes_at_once(pg_url)


def test_moments_are_stored_as_utc_timestamptz(pg_url):
    db.upgrade(pg_url)
    with db.session_scope(pg_url) as session:
        import_records(session, [make_order(placed_at="2026-11-20T10:15:00+09:00")])
    with db.get_engine(pg_url).connect() as connection:
        kind = connection.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'orders' AND column_name = 'placed_at' "
                "AND table_schema = current_schema()"
            )
        ).scalar_one()
        assert kind == "timestamp with time zone"
        connection.execute(text("SET TIME ZONE 'America/New_York'"))
        stored = connection.execute(text("SELECT placed_at FROM orders")).scalar_one()
        assert stored == dt.datetime(2026, 11, 20, 1, 15, tzinfo=dt.timezone.utc)
    with db.session_scope(pg_url) as session:
        assert find_order(session, "A-100234")["placed_at"] == "2026-11-20T10:15:00+09:00"


def test_one_open_handoff_per_conversation_is_enforced_by_the_database(pg_url):
    db.upgrade(pg_url)
    insert = text(
        "INSERT INTO handoffs (conversation_id, status, reason, verified, created_at) "
        "VALUES ('c-1', :status, 'r', false, now())"
    )
    with db.get_engine(pg_url).begin() as connection:
        connection.execute(insert, {"status": "closed"})
        connection.execute(insert, {"status": "closed"})
        connection.execute(insert, {"status": "waiting"})
    with pytest.raises(IntegrityError):
        with db.get_engine(pg_url).begin() as connection:
            connection.execute(insert, {"status": "claimed"})


def test_a_large_file_imports_twice(pg_url, tmp_path):
    orders = [make_order(order_id=f"P-{100000 + n}") for n in range(3000)]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
    first = import_file(path, url=pg_url)
    assert (first.inserted, first.rejected) == (3000, 0)
    second = import_file(path, url=pg_url)
    assert second.unchanged == 3000
    with db.session_scope(pg_url) as session:
        assert find_order(session, "p100042") == {**ORDER, "order_id": "P-100042"}
