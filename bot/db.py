"""The database: one engine per URL, sessions, and the Alembic schema upgrade.

DATABASE_URL selects the database (SQLite by default, PostgreSQL by changing only the URL).
Every command that touches the database calls :func:`upgrade` first, which brings the
schema to the newest migration in ``bot/migrations`` and costs nothing once done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.types import TypeDecorator

from bot.settings import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Deterministic constraint names, so that migrations can name them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}
_upgraded: set[str] = set()


class UTCDateTime(TypeDecorator):
    """A time-zone-aware moment, stored as UTC on every database and read back aware (UTC).

    SQLite has no time zones (it would drop the offset silently), so naive values are refused
    on the way in rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: a UTC offset is required")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def only_our_tables(name, type_, parent_names) -> bool:
    """Alembic's ``include_name``: compare only our tables. Rasa's tracker store keeps its
    ``events`` table in the same database, and no migration of ours may touch it."""
    return type_ != "table" or name in Base.metadata.tables


def resolve_url(url: str | None) -> str:
    url = url or database_url()
    # Heroku-style URLs; SQLAlchemy 1.4 only knows the postgresql:// spelling.
    return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url


def sqlite_pragmas(dbapi_connection, _record=None) -> None:
    """WAL, busy timeout and foreign keys on each SQLite connection (Rasa's tracker store too)."""
    cursor = dbapi_connection.cursor()
    # WAL lets the action server write while the web process reads; NORMAL is durable
    # across application crashes in WAL mode and much faster for bulk imports.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default DATABASE_URL), created once per URL and process."""
    url = resolve_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        parsed = make_url(url)
        kwargs: dict = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["pool_pre_ping"] = True
        engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", sqlite_pragmas)
        _engines[url] = engine
        _sessionmakers[url] = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        return engine


@contextlib.contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block ends, rolls back on an error, and closes."""
    url = resolve_url(url)
    get_engine(url)
    session = _sessionmakers[url]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(connection=None):
    """Alembic's configuration for bot/migrations, built in code (there is no alembic.ini).

    A new migration, from a database at the current head (DATABASE_URL)::

        from alembic import command
        command.revision(alembic_config(), message="...", autogenerate=True)
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _at_head(connection) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise upgrades of one SQLite file across processes (env.py locks PostgreSQL)."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # not on POSIX: upgrades are rare enough to go unlocked
        yield
        return
    lock_path = Path(database).expanduser().with_name(Path(database).name + ".migrate-lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(url: str | None = None) -> None:
    """Create or migrate the schema to the newest revision (`alembic upgrade head`).

    Cheap when already done: checked once per URL and process.
    """
    url = resolve_url(url)
    if url in _upgraded:
        return
    from alembic import command

    engine = get_engine(url)
    with _migration_lock(engine):
        with engine.connect() as connection:
            if not _at_head(connection):
                command.upgrade(alembic_config(connection), "head")
                connection.commit()
    _upgraded.add(url)


def dispose(url: str | None = None) -> None:
    """Close and forget the engine for ``url`` (tests that drop databases use this)."""
    url = resolve_url(url)
    with _lock:
        engine = _engines.pop(url, None)
        _sessionmakers.pop(url, None)
        _upgraded.discard(url)
    if engine is not None:
        engine.dispose()
