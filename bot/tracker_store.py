"""The Rasa server's tracker store: Rasa's SQL store on the project's own database.

Rasa's ``SQLTrackerStore`` takes the database as separate dialect/host/db fields;
``endpoints.yml`` names this class instead, and it follows DATABASE_URL like every other
process (an explicit ``url:`` in endpoints.yml wins). On SQLite it sets the same pragmas
as ``bot.db`` (WAL and a busy timeout), because the action server and the web process
use the same file. Rasa owns its ``events`` table; our migrations leave it alone, and the
console reads it (``bot.transcript``) for the operators' transcripts.

Like bot/channels.py, this module is a Rasa plug-in; the rest of ``bot`` does not import Rasa.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.db import resolve_url, sqlite_pragmas
from bot.settings import database_url


class ShopTrackerStore(SQLTrackerStore):
    """SQLTrackerStore on DATABASE_URL (or the endpoint's ``url``)."""

    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any):
        url = resolve_url(host or database_url())
        kwargs.pop("url", None)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool), and
            # Rasa opens several per turn: keep a few open instead, with our pragmas.
            self.engine.dispose()
            self.engine = create_engine(
                url, poolclass=QueuePool, pool_size=4, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
