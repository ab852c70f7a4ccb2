"""What every action shares: the shop's services, reading the tracker, and how to say things.

Actions run on the action server's event loop. Everything here that touches the database or
the tracking API is synchronous, so :class:`ShopAction` runs an action's body in a worker
thread: one customer's slow tracking call never stalls another's conversation. Database
errors end in a polite answer, never in a 500 and silence.
"""

from __future__ import annotations

import abc
import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot import db, messages
from bot.settings import Settings, load_settings
from bot.tracking import TrackingClient
from bot.verify import Proof, VerificationService

logger = logging.getLogger(__name__)

# Intents that ask about one order; answered only after verification. The status topics
# are answered with the order's status; the others are flows (actions/order_flows.py).
STATUS_TOPICS = ("order_status", "payment_status")
FLOW_TOPICS = (
    "cancel_order",
    "change_order",
    "change_delivery",
    "return_request",
    "refund_status",
    "report_problem",
    "repair_request",
)
ORDER_TOPICS = STATUS_TOPICS + FLOW_TOPICS


@dataclass(frozen=True)
class Services:
    """The shop parts the actions use, built once per action-server process."""

    settings: Settings
    verification: VerificationService
    tracking: TrackingClient


@functools.lru_cache(maxsize=1)
def services() -> Services:
    """Settings (SHOP_SETTINGS), database (DATABASE_URL, migrated once) and tracking client."""
    shop = load_settings()
    db.upgrade()
    return Services(
        settings=shop,
        verification=VerificationService(db.session_scope, shop.verification),
        tracking=TrackingClient.from_settings(shop),
    )


def settings() -> Settings:
    return services().settings


def session():
    """A database session (the schema was brought up to date when the services were built)."""
    services()
    return db.session_scope()


class ShopAction(Action, metaclass=abc.ABCMeta):
    """An action whose body (:meth:`act`) runs in a worker thread, with polite DB errors.

    Abstract, so that rasa-sdk, which registers every subclass of Action, skips it.
    """

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            return await asyncio.to_thread(self.act, dispatcher, tracker, domain)
        except SQLAlchemyError:
            logger.exception("%s: database error for %s", self.name(), tracker.sender_id)
            say(dispatcher, "system_error")
            return []


def latest_intent(tracker: Tracker) -> str | None:
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return name if isinstance(name, str) else None


def latest_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text")
    return text if isinstance(text, str) else ""


def text_slot(tracker: Tracker, name: str) -> str | None:
    """A slot's value when it is a non-empty string (a hand-typed payload can put anything)."""
    value = tracker.get_slot(name)
    return value if isinstance(value, str) and value else None


def client_address(tracker: Tracker) -> str | None:
    """The customer's address as the channel recorded it in the message's metadata."""
    metadata = tracker.latest_message.get("metadata")
    value = metadata.get("client_ip") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None


def proof_of(tracker: Tracker) -> Proof | None:
    """What this conversation proved, read from the verification records (not the slots)."""
    return services().verification.proof(tracker.sender_id, text_slot(tracker, "verification_id"))


def say(dispatcher: CollectingDispatcher, template: str, buttons=None, **values) -> None:
    """Send one message from bot/templates/messages.ja.yml."""
    dispatcher.utter_message(text=messages.render(template, **values), buttons=buttons or [])


def offer_human(
    dispatcher: CollectingDispatcher, template: str, reason: str, **values
) -> list[dict[str, Any]]:
    """Ask 担当者におつなぎしますか？ with はい / いいえ buttons; remember why it was offered."""
    say(dispatcher, template, buttons=messages.human_offer_buttons(), **values)
    return [SlotSet("human_offer", reason)]


def slot_set_in_last_turn(tracker: Tracker, slot: str) -> bool:
    """Whether ``slot`` was set in the bot's last turn: the latest user message is the only
    one since (a typed はい answers only the question just asked)."""
    users_since = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_since += 1
        elif event.get("event") == "slot" and event.get("name") == slot:
            return users_since == 1
    return False


def pending_offer(tracker: Tracker) -> str | None:
    """The reason of a person offered in the bot's last turn, or None."""
    reason = text_slot(tracker, "human_offer")
    if reason is None or not slot_set_in_last_turn(tracker, "human_offer"):
        return None
    return reason
