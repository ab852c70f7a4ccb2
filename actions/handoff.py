"""action_human_handoff: queue the conversation for a person and say honestly what happens next."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import ShopAction, pending_offer, proof_of, say, services, session, text_slot
from bot import handoff, messages
from bot.identifiers import canonical_order_id
from bot.settings import now

logger = logging.getLogger(__name__)


def reason_of(tracker: Tracker) -> str:
    """Why the customer is handed over, in the queue's vocabulary (handoff.REASONS)."""
    offered = pending_offer(tracker)
    if offered in handoff.REASONS:
        return offered
    if tracker.get_slot("verification") in ("locked", "blocked"):
        return "verification_locked"
    return "human_request"


def recent_customer_text(tracker: Tracker, limit: int = 5) -> str:
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return "\n".join(t for t in texts[-limit:] if isinstance(t, str) and not t.startswith("/"))


def queue_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[dict[str, Any]]:
    """Queue one open handoff for this conversation and tell the customer what comes next."""
    shop = services().settings
    moment = now(shop)
    order_id = canonical_order_id(text_slot(tracker, "order_id") or "")
    proof = proof_of(tracker)
    try:
        with session() as db:
            existing = handoff.open_handoff_for(db, tracker.sender_id)
            if existing is not None:
                say(dispatcher, "handoff_existing", handoff_id=existing["id"])
                return [SlotSet("human_offer", None)]
            record = handoff.create_handoff(
                db,
                conversation_id=tracker.sender_id,
                reason=reason,
                order_id=order_id,
                # true only when the customer proved this very order
                verified=bool(order_id and proof and proof.covers(order_id)),
                customer_message=recent_customer_text(tracker),
                channel=tracker.get_latest_input_channel(),
            )
    except SQLAlchemyError:
        logger.exception("could not queue a handoff for %s", tracker.sender_id)
        say(dispatcher, "handoff_failed", contact_email=shop.contact_email)
        return []
    logger.info("handoff %s queued for %s (%s)", record["id"], tracker.sender_id, reason)
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
    return [SlotSet("human_offer", None)]


class ActionHumanHandoff(ShopAction):
    def name(self) -> str:
        return "action_human_handoff"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return queue_handoff(dispatcher, tracker, reason_of(tracker))
