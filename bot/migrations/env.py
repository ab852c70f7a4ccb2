"""Alembic environment: run by `bot.db.upgrade()` (there is no alembic.ini).

`upgrade()` hands over an open connection in ``config.attributes["connection"]``; without
one (a maintainer writing a migration with ``bot.db.alembic_config()``), DATABASE_URL is
used.
"""

from __future__ import annotations

from alembic import context

from bot import handoff, operators, orders, products, verify
from bot.db import Base, get_engine, only_our_tables
from bot.settings import database_url

# importing them registers their tables
MODULES_WITH_TABLES = (handoff, operators, orders, products, verify)

config = context.config
target_metadata = Base.metadata

# Any fixed number: PostgreSQL sessions that upgrade at the same time queue on it.
_PG_LOCK_KEY = 7_246_011


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=only_our_tables,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        context.run_migrations()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    with get_engine(url).connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
