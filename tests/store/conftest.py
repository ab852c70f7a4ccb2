"""Fixtures for the order store: a fresh database per test, on SQLite and (when
TEST_DATABASE_URL is set) on PostgreSQL, each test in its own PostgreSQL schema."""

from __future__ import annotations

import copy
import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot import db
from tests.samples import ORDER

PG_URL = os.environ.get("TEST_DATABASE_URL")
SHOP_NOW = "2026-11-24T10:00:00+09:00"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose tables live in a new, empty schema (dropped afterwards)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests skipped)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_search_path(PG_URL, schema)
    try:
        yield url
    finally:
        db.dispose(url)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'var' / 'shop.sqlite3'}"
    yield url
    db.dispose(url)


@pytest.fixture(params=BACKENDS)
def db_url(request, monkeypatch):
    """An empty, migrated database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    monkeypatch.setenv("SHOP_NOW", SHOP_NOW)
    name = "pg_schema_url" if request.param == "postgresql" else "sqlite_url"
    url = request.getfixturevalue(name)
    db.upgrade(url)
    return url


@pytest.fixture
def session(db_url):
    with db.session_scope(db_url) as session:
        yield session


def make_order(**changes) -> dict:
    """The contract's example order, with top-level fields replaced by ``changes``."""
    order = copy.deepcopy(ORDER)
    order.update(copy.deepcopy(changes))
    return order
