"""A conversation's transcript for the operators, read from the tracker store's table.

The Rasa server keeps every conversation in Rasa's SQL tracker store (``events``, in the
same database as ours; see bot/tracker_store.py). This module reads that table with its
own table definition, outside our metadata, so that no migration of ours ever creates,
changes or drops it. Customer messages are ``user`` events; the bot's and the operators'
are ``bot`` events, an operator's marked ``metadata.operator`` by the web process when it
sends the reply through the Rasa server.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select
from sqlalchemy.orm import Session

RASA_EVENTS = Table(
    "events",
    MetaData(),  # not bot.db.Base's: Rasa owns this table
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("data", Text),
)

CUSTOMER, BOT, OPERATOR = "customer", "bot", "operator"


def has_tracker_table(session: Session) -> bool:
    """Whether Rasa's SQL tracker store has created its table in this database."""
    return inspect(session.get_bind()).has_table(RASA_EVENTS.name)


def _data(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def transcript(session: Session, conversation_id: str, timezone: ZoneInfo) -> list[dict]:
    """Every customer, bot and operator message of the conversation, oldest first.

    Each entry: ``{"sender": "customer"|"bot"|"operator", "text", "at"}``, plus
    ``operator`` (who wrote it) for an operator's message, ``intent`` for a customer's and
    ``buttons`` (their titles) for a bot message that offered some. A clicked button
    (a ``/intent`` payload) is shown as the button's title.
    """
    if not has_tracker_table(session):
        return []
    rows = session.execute(
        select(RASA_EVENTS.c.type_name, RASA_EVENTS.c.timestamp, RASA_EVENTS.c.data)
        .where(RASA_EVENTS.c.sender_id == conversation_id)
        .where(RASA_EVENTS.c.type_name.in_(("user", "bot")))
        .order_by(RASA_EVENTS.c.id)
    ).all()
    entries: list[dict] = []
    buttons: dict[str, str] = {}  # payload -> title, of the bot's last buttons
    for type_name, timestamp, raw in rows:
        data = _data(raw)
        at = dt.datetime.fromtimestamp(timestamp or data.get("timestamp") or 0, timezone)
        text = data.get("text") if isinstance(data.get("text"), str) else ""
        if type_name == "user":
            intent = (data.get("parse_data") or {}).get("intent") or {}
            entries.append(
                {
                    "sender": CUSTOMER,
                    "text": buttons.get(text, text),
                    "at": at.isoformat(),
                    "intent": intent.get("name") if isinstance(intent, dict) else None,
                }
            )
            continue
        message = data.get("data") if isinstance(data.get("data"), dict) else {}
        offered = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        if offered:
            buttons = {str(b.get("payload")): str(b.get("title")) for b in offered}
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        if not text and not offered:
            continue
        entry = {"sender": BOT, "text": text, "at": at.isoformat()}
        if isinstance(metadata.get("operator"), str):
            entry.update(sender=OPERATOR, operator=metadata["operator"])
        if offered:
            entry["buttons"] = [str(b.get("title")) for b in offered]
        entries.append(entry)
    return entries
