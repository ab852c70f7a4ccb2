"""action_human_handoff: queue the conversation for a person and say honestly what happens next."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import latest_intent, say, session, settings
from bot import handoff, messages
from bot.identifiers import canonical_order_id
from bot.settings import now

logger = logging.getLogger(__name__)


def reason_of(tracker: Tracker) -> str:
    """Why the customer is handed over, for the operator reading the queue."""
    if tracker.get_slot("verification") == "locked":
        return "verification_locked"
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent and intent not in ("human_handoff", "affirm"):
                return "complaint" if intent == "complaint" else f"customer_request:{intent}"
    return "customer_request"


def recent_customer_text(tracker: Tracker, limit: int = 5) -> str:
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return "\n".join(t for t in texts[-limit:] if not t.startswith("/"))


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        verified = tracker.get_slot("verification") == "verified"
        shop = settings()
        moment = now(shop)
        try:
            with session() as db:
                existing = handoff.open_handoff_for(db, tracker.sender_id)
                if existing is not None:
                    say(dispatcher, "handoff_existing", handoff_id=existing["id"])
                    return []
                record = handoff.create_handoff(
                    db,
                    conversation_id=tracker.sender_id,
                    reason=reason_of(tracker),
                    order_id=canonical_order_id(tracker.get_slot("order_id") or ""),
                    verified=verified,
                    customer_message=recent_customer_text(tracker),
                    channel=tracker.get_latest_input_channel(),
                )
        except SQLAlchemyError:
            logger.exception("could not queue a handoff for %s", tracker.sender_id)
            say(dispatcher, "handoff_failed", contact_email=shop.contact_email)
            return []
        logger.info(
            "handoff %s queued for %s (%s)", record["id"], tracker.sender_id, latest_intent(tracker)
        )
        if shop.hours.is_open(moment):
            say(dispatcher, "handoff_open", handoff_id=record["id"])
        else:
            say(
                dispatcher,
                "handoff_closed_hours",
                handoff_id=record["id"],
                opens_at=shop.hours.next_opening(moment),
                hours=messages.business_hours_text(shop.hours),
            )
        return []
