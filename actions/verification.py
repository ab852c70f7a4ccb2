"""verify_form's validation: the only place where a customer is verified.

It collects the order number and the e-mail or phone (canonical), hands the pair to the
verification service (bot/verify.py) off the event loop, and turns the result into slots:
``verification`` (verified / locked / blocked) and ``verification_id``, the id of the proof
that the other actions look up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import client_address, latest_intent, latest_text, say, services
from bot import verify
from bot.identifiers import canonical_order_id, normalize_width

logger = logging.getLogger(__name__)

# A Shopify-style number typed alone ("1001", "＃１００１です") when asked for the order number;
# elsewhere bare digits are not taken for an order number (the entity pattern needs 番号 or #).
BARE_ORDER_NUMBER = re.compile(
    r"(?:ご?注文番号(?:は|:)?)?\s*#?(\d{4,10})\s*(?:です|でございます)?[。.!]?"
)

# While the form asks, these intents leave it to the rules (answer and come back, or stop);
# anything else that fills nothing gets a hint and the question again.
LEFT_TO_RULES = {
    "faq",
    "greet",
    "thanks",
    "bot_challenge",
    "product_question",
    "human_handoff",
    "complaint",
    "goodbye",
    "deny",
    "out_of_scope",
}
# The form is over: verified, no more checks for this conversation or these details, or
# the database failed (the customer was told; the next order question starts afresh).
FINISHED = ("verified", "locked", "blocked", "unavailable")


def result_events(dispatcher: CollectingDispatcher, result: verify.Result) -> list[dict]:
    """Say how the check went (failures only; locked/blocked are said by the answer)."""
    if result.verified:
        say(dispatcher, "verified")
        return [
            SlotSet("verification", "verified"),
            SlotSet("verification_id", result.proof.id),
            SlotSet("order_id", result.proof.order_id),
        ]
    cleared = [SlotSet("order_id", None), SlotSet("contact", None)]
    if result.outcome is verify.Outcome.FAILED:
        say(dispatcher, "verify_failed", attempts_left=result.attempts_left)
        return cleared
    return [*cleared, SlotSet("verification", result.outcome.value)]


class ValidateVerifyForm(FormValidationAction):
    """Asks for the order number, then the e-mail or phone; checks the pair once both are in."""

    def name(self) -> str:
        return "validate_verify_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except SQLAlchemyError:
            logger.exception("verification failed for conversation %s", tracker.sender_id)
            say(dispatcher, "system_error")
            # end the form; action_answer_order then adds nothing and forgets the state
            return [SlotSet("requested_slot", None), SlotSet("verification", "unavailable")]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("verification") in FINISHED:
            return []
        return domain_slots

    def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "order_id" or tracker.get_slot("order_id"):
            return {}
        match = BARE_ORDER_NUMBER.fullmatch(normalize_width(latest_text(tracker)).strip())
        return {"order_id": match.group(1)} if match else {}

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"order_id": canonical_order_id(value) if isinstance(value, str) else None}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = verify.parse_contact(value)
        return {"contact": str(contact) if contact else None}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        service = services().verification
        order_id = tracker.slots.get("order_id")
        contact = tracker.slots.get("contact")
        unchecked = tracker.slots.get("verification") is None
        if unchecked and not (order_id and contact):
            if await asyncio.to_thread(service.is_locked, tracker.sender_id):
                # locked earlier (another session, /restart): do not ask again
                tracker.slots["verification"] = "locked"
                return [*events, SlotSet("verification", "locked")]
        if order_id and contact and unchecked:
            result = await asyncio.to_thread(
                service.verify, tracker.sender_id, order_id, contact, client_address(tracker)
            )
            checked = result_events(dispatcher, result)
            tracker.slots.update({e["name"]: e["value"] for e in checked})
            return events + checked
        requested = tracker.get_slot("requested_slot")
        if not events and requested and latest_intent(tracker) not in LEFT_TO_RULES:
            # Nothing usable in this message: explain the format, and the form asks again
            # (a SlotSet keeps the form from being rejected).
            say(dispatcher, f"verify_hint_{requested}")
            events.append(SlotSet("topic", tracker.get_slot("topic")))
        return events
