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
from bot.handoff import HandoffQueue
from bot.identifiers import canonical_order_id
from bot.relay import handoff_notice
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


# What the customer said that is no request of its own (the operator wants the question).
_NOT_A_REQUEST = frozenset({"affirm", "deny", "inform", "greet", "thanks", "goodbye"})


def asked_intent(tracker: Tracker) -> str | None:
    """The customer's latest intent that asked for something (not a yes, a number, ...)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if isinstance(name, str) and name not in _NOT_A_REQUEST and not name.startswith("/"):
            return name
    return None


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
            queue = HandoffQueue(db, timezone=shop.timezone, clock=lambda: moment)
            existing = queue.open_for(tracker.sender_id)
            if existing is not None:
                if not handoff.pauses_bot(existing) and reason in handoff.PAUSING_REASONS:
                    # a task is open: the operator who takes it sees that a chat is wanted
                    queue.add_details(existing["id"], messages.render("task_wants_a_person"))
                say(dispatcher, "handoff_existing", handoff_id=existing["id"])
                return [SlotSet("human_offer", None)]
            task = reason not in handoff.PAUSING_REASONS  # e.g. a late return accepted
            record = queue.create(
                conversation_id=tracker.sender_id,
                reason=reason,
                details=recent_customer_text(tracker) if task else None,
                order_id=order_id,
                # true only when the customer proved this very order
                verified=bool(order_id and proof and proof.covers(order_id)),
                customer_message=recent_customer_text(tracker),
                channel=tracker.get_latest_input_channel(),
                intent=asked_intent(tracker),
            )
            wait = queue.wait(record)
    except SQLAlchemyError:
        logger.exception("could not queue a handoff for %s", tracker.sender_id)
        say(dispatcher, "handoff_failed", contact_email=shop.contact_email)
        return []
    logger.info("handoff %s queued for %s (%s)", record["id"], tracker.sender_id, reason)
    dispatcher.utter_message(text=handoff_notice(shop, moment, record, wait))
    return [SlotSet("human_offer", None)]


class ActionHumanHandoff(ShopAction):
    def name(self) -> str:
        return "action_human_handoff"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return queue_handoff(dispatcher, tracker, reason_of(tracker))
