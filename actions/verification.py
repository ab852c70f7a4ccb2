"""verify_form's validation: canonical values, the order/contact check, hints and lockout."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_intent, latest_text, say, session, settings
from bot import orders, verify
from bot.identifiers import canonical_order_id, normalize_width
from bot.settings import now

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


def check_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, order_id: str | None, contact: str | None
) -> list[dict[str, Any]]:
    """Check order number + contact; say the result when it failed; return the slot events."""
    shop = settings()
    failures = int(tracker.get_slot("verify_failures") or 0)
    moment = now(shop)
    with session() as db:
        since = moment - dt.timedelta(minutes=shop.order_failure_window_minutes)
        blocked = verify.recent_failures(db, order_id, since) >= shop.order_max_failures
        result = verify.check(
            lambda oid: orders.find_order(db, oid),
            order_id,
            contact,
            failures,
            shop.max_verification_attempts,
            order_blocked=blocked,
        )
        if not result.verified and failures < shop.max_verification_attempts:
            verify.record_failure(db, order_id, moment)
    if result.verified:
        say(dispatcher, "verified")
        return [
            SlotSet("verification", "verified"),
            SlotSet("verified_contact", str(verify.parse_contact(contact))),
            SlotSet("order_id", result.order["order_id"]),
        ]
    events = [
        SlotSet("verify_failures", float(result.failures)),
        SlotSet("order_id", None),
        SlotSet("contact", None),
    ]
    if result.locked:
        return [*events, SlotSet("verification", "locked")]
    say(
        dispatcher,
        "verify_failed",
        attempts_left=result.attempts_left(shop.max_verification_attempts),
    )
    return events


class ValidateVerifyForm(FormValidationAction):
    """Asks for the order number, then the e-mail or phone; checks the pair once both are in."""

    def name(self) -> str:
        return "validate_verify_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("verification") in ("verified", "locked"):
            return []  # done: verified, or no more attempts
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
        return {"order_id": canonical_order_id(str(value or ""))}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = verify.parse_contact(str(value or ""))
        return {"contact": str(contact) if contact else None}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        order_id = tracker.slots.get("order_id")
        contact = tracker.slots.get("contact")
        if order_id and contact and tracker.slots.get("verification") is None:
            checked = check_events(dispatcher, tracker, order_id, contact)
            tracker.slots.update({e["name"]: e["value"] for e in checked})
            return events + checked
        requested = tracker.get_slot("requested_slot")
        if not events and requested and latest_intent(tracker) not in LEFT_TO_RULES:
            # Nothing usable in this message: explain the format, and the form asks again
            # (a SlotSet keeps the form from being rejected).
            say(dispatcher, f"verify_hint_{requested}")
            events.append(SlotSet("topic", tracker.get_slot("topic")))
        return events
