"""What every action shares: the shop's settings, the database, and how to say things."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import db, messages
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

# Intents that ask about one order; answered only after verification.
ORDER_TOPICS = (
    "order_status",
    "payment_status",
    "cancel_order",
    "change_order",
    "change_delivery",
    "return_request",
    "refund_status",
    "report_problem",
    "repair_request",
)


def settings() -> Settings:
    return load_settings()


def session():
    """A database session; the schema is created or migrated on first use of each URL."""
    db.upgrade()
    return db.session_scope()


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def say(dispatcher: CollectingDispatcher, template: str, buttons=None, **values) -> None:
    """Send one message from bot/templates/messages.ja.yml."""
    dispatcher.utter_message(text=messages.render(template, **values), buttons=buttons or [])


def offer_human(dispatcher: CollectingDispatcher, template: str, **values) -> None:
    """A message that ends with 担当者におつなぎしますか？ and the はい / いいえ buttons."""
    say(dispatcher, template, buttons=messages.human_offer_buttons(), **values)
