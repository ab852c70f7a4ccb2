"""Transcripts from Rasa's own SQL tracker store, on the same database as the queue.

The store is the project's ShopTrackerStore (Rasa's SQLTrackerStore on DATABASE_URL),
writing real trackers; our migrations must leave its table alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import inspect

from bot import db, handoff, operators, orders, verify  # noqa: F401 - their tables are ours
from bot.tracker_store import ShopTrackerStore
from bot.transcript import transcript

TOKYO = ZoneInfo("Asia/Tokyo")
T0 = dt.datetime(2026, 11, 24, 14, 0, tzinfo=TOKYO).timestamp()


def store_conversation(url: str, sender: str, events) -> None:
    store = ShopTrackerStore(host=url)
    tracker = DialogueStateTracker.from_events(sender, events)
    asyncio.run(store.save(tracker))


def conversation() -> list:
    offer = {"buttons": [{"title": "はい、担当者と話したい", "payload": "/human_handoff"}]}
    return [
        ActionExecuted("action_listen", timestamp=T0),
        UserUttered(
            "返品したい <b>至急</b>",
            {"name": "return_request", "confidence": 0.9},
            timestamp=T0 + 1,
        ),
        BotUttered("担当者におつなぎしますか？", data=offer, timestamp=T0 + 2),
        UserUttered(
            "/human_handoff", {"name": "human_handoff", "confidence": 1.0}, timestamp=T0 + 3
        ),
        BotUttered("担当者への引き継ぎを承りました", timestamp=T0 + 4),
        BotUttered("担当の佐藤です", metadata={"operator": "sato"}, timestamp=T0 + 65),
    ]


def test_the_transcript_of_a_stored_conversation(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.upgrade(url)
    store_conversation(url, "c-1", conversation())
    store_conversation(url, "c-2", [UserUttered("別の人", {"name": "greet"}, timestamp=T0)])
    with db.session_scope(url) as session:
        entries = transcript(session, "c-1", TOKYO)
    assert entries == [
        {"sender": "customer", "text": "返品したい <b>至急</b>", "at": "2026-11-24T14:00:01+09:00",
         "intent": "return_request"},
        {"sender": "bot", "text": "担当者におつなぎしますか？", "at": "2026-11-24T14:00:02+09:00",
         "buttons": ["はい、担当者と話したい"]},
        # a clicked button reads as its title, not as the /intent payload
        {"sender": "customer", "text": "はい、担当者と話したい", "at": "2026-11-24T14:00:03+09:00",
         "intent": "human_handoff"},
        {"sender": "bot", "text": "担当者への引き継ぎを承りました",
         "at": "2026-11-24T14:00:04+09:00"},
        {"sender": "operator", "text": "担当の佐藤です", "at": "2026-11-24T14:01:05+09:00",
         "operator": "sato"},
    ]  # fmt: skip


def test_without_a_tracker_table_the_transcript_is_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    db.upgrade(url)
    with db.session_scope(url) as session:
        assert transcript(session, "c-1", TOKYO) == []


def test_the_store_follows_database_url_and_sets_wal(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'deep' / 'shop.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = ShopTrackerStore()
    assert str(store.engine.url) == url
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_our_migrations_leave_rasas_table_alone(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store_conversation(url, "c-1", conversation())  # Rasa first: its table exists
    db.upgrade(url)
    engine = db.get_engine(url)
    assert "events" in inspect(engine).get_table_names()

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": db.only_our_tables, "compare_type": True}
        )
        assert compare_metadata(context, db.Base.metadata) == []
    with db.session_scope(url) as session:
        assert len(transcript(session, "c-1", TOKYO)) == 5
