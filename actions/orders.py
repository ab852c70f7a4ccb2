"""action_answer_order: every question about an order, answered only for a verified customer."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    ORDER_TOPICS,
    latest_intent,
    latest_text,
    offer_human,
    say,
    session,
    settings,
)
from actions.verification import check_events
from bot import orders, status, verify
from bot.identifiers import canonical_order_id
from bot.messages import topic_name
from bot.settings import now
from bot.tracking import TrackingClient

logger = logging.getLogger(__name__)

# 「送り状番号は？」 and 「他の注文は？」 after verification get a short, focused answer.
ASKS_TRACKING_NUMBER = re.compile(r"送り状|伝票|追跡番号|問い?合わ?せ番号|トラッキング")
ASKS_OTHER_ORDERS = re.compile(r"(他|ほか|別)の(ご)?注文|ほかにも注文|注文(の)?一覧")
# Topics the chat can answer itself; for the others it offers a person after verification.
ANSWERED_HERE = ("order_status", "payment_status", "refund_status")


@functools.lru_cache(maxsize=1)
def tracking_client() -> TrackingClient:
    return TrackingClient.from_settings(settings())


def live_tracking(order: dict):
    """Live tracking for a shipped order, or None when there is nothing to look up."""
    shipment = order.get("shipment") or {}
    if order["status"] not in status.SHIPPED or not shipment.get("tracking_number"):
        return None
    return tracking_client().lookup(shipment.get("carrier") or "", shipment["tracking_number"])


class ActionAnswerOrder(Action):
    def name(self) -> str:
        return "action_answer_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        topic = intent if intent in ORDER_TOPICS else tracker.get_slot("topic") or "order_status"
        if intent == "report_problem":  # the customer has just told us: apologise first
            say(dispatcher, "problem_apology")
        elif intent in ORDER_TOPICS and intent not in ANSWERED_HERE:
            say(dispatcher, "topic_ack", topic=topic_name(intent))
        try:
            return [SlotSet("topic", topic), *self._answer(dispatcher, tracker, topic)]
        except SQLAlchemyError:
            logger.exception("order lookup failed for conversation %s", tracker.sender_id)
            say(dispatcher, "order_lookup_failed")
            return []

    def _answer(self, dispatcher, tracker: Tracker, topic: str) -> list[dict[str, Any]]:
        state = tracker.get_slot("verification")
        order_id = canonical_order_id(tracker.get_slot("order_id") or "")
        if state == "locked":
            offer_human(
                dispatcher, "verify_locked", max_attempts=settings().max_verification_attempts
            )
            return []
        if state != "verified":
            contact = tracker.get_slot("contact")
            if order_id and contact:
                events = check_events(dispatcher, tracker, order_id, contact)
                verified = SlotSet("verification", "verified") in events
                if not verified:
                    return [*events, FollowupAction("verify_form")]
                return events + self._verified_answer(
                    dispatcher, tracker, order_id, verify.parse_contact(contact), topic
                )
            return [FollowupAction("verify_form")]
        contact = verify.parse_contact(tracker.get_slot("verified_contact"))
        return self._verified_answer(dispatcher, tracker, order_id, contact, topic)

    def _verified_answer(self, dispatcher, tracker, order_id, contact, topic):
        text = latest_text(tracker)
        with session() as db:
            order = orders.find_order(db, order_id) if order_id else None
            if not verify.is_order_of(order, contact):
                # Another order than the verified one: same wording whether it exists or not.
                # (No order number at all: the form just asks for one, never "ご注文 None".)
                if order_id:
                    say(dispatcher, "other_order_needs_verification", order_id=order_id)
                return [
                    SlotSet("verification", None),
                    SlotSet("contact", None),
                    FollowupAction("verify_form"),
                ]
            mine = orders.orders_for_contact(
                db, **{"email" if contact.kind == "email" else "phone": contact.value}
            )
        others = [o for o in mine if o["order_id"] != order["order_id"]]
        if ASKS_OTHER_ORDERS.search(text):
            self._list_others(dispatcher, order, others)
            return []
        if ASKS_TRACKING_NUMBER.search(text) and topic == "order_status":
            dispatcher.utter_message(text=status.tracking_only(order, settings=settings()))
            return []
        shop = settings()
        tracking = live_tracking(order) if topic in ("order_status", "report_problem") else None
        answer = status.describe(
            order, settings=shop, now=now(shop), tracking=tracking, topic=topic
        )
        dispatcher.utter_message(text=answer.text)
        if topic not in ANSWERED_HERE:
            offer_human(dispatcher, "topic_needs_staff", topic=topic_name(topic))
        elif others:
            self._list_others(dispatcher, order, others)
        return []

    @staticmethod
    def _list_others(dispatcher, order: dict, others: list[dict]) -> None:
        if not others:
            say(dispatcher, "no_other_orders", order_id=order["order_id"])
            return
        shop = settings()
        buttons = [
            {
                "title": status.other_order_label(other, shop),
                "payload": f'/order_status{{"order_id": "{other["order_id"]}"}}',
            }
            for other in others[:10]
        ]
        say(dispatcher, "other_orders", buttons=buttons, count=len(others))
