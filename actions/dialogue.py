"""The small turns around the order flows: yes/no, complaints, not understanding, FAQ.

A person offered in the bot's last turn (``human_offer``) is accepted by a typed はい as
much as by the button; a general question about delivery times after verification is
answered from the customer's own order.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import order_flows
from actions.common import (
    ShopAction,
    latest_intent,
    offer_human,
    pending_offer,
    proof_of,
    settings,
    text_slot,
)
from actions.handoff import queue_handoff
from actions.orders import answer_verified
from bot import messages

# FAQ answers that, for a verified customer, are better answered from their own order.
ANSWERED_FROM_THE_ORDER = {"faq/delivery_time": "order_status"}


class ActionReplyYes(ShopAction):
    """はい: accepts a person offered just before; otherwise asks what else we can do."""

    def name(self) -> str:
        return "action_reply_yes"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        confirmed = order_flows.confirm(dispatcher, tracker)
        if confirmed is not None:
            return confirmed
        reason = pending_offer(tracker)
        if reason is not None:
            return queue_handoff(dispatcher, tracker, reason)
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionReplyNo(ShopAction):
    """いいえ: declines what was offered."""

    def name(self) -> str:
        return "action_reply_no"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        declined = order_flows.decline(dispatcher, tracker)
        if declined is not None:
            return [*declined, SlotSet("human_offer", None)]
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("human_offer", None)]


class ActionOfferHuman(ShopAction):
    """A complaint (apology first), or stuck in the verification: offer a person."""

    def name(self) -> str:
        return "action_offer_human"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if latest_intent(tracker) == "complaint":
            dispatcher.utter_message(response="utter_complaint")
            return [SlotSet("human_offer", "complaint")]
        dispatcher.utter_message(response="utter_verify_help")
        return [SlotSet("human_offer", "other")]


class ActionFallback(ShopAction):
    """Not understood: suggestions; the second time in a row also the offer of a person."""

    def name(self) -> str:
        return "action_fallback"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_default")
        if _previous_intent(tracker) == "nlu_fallback":
            return offer_human(dispatcher, "fallback_offer_human", reason="fallback")
        return []


class ActionAnswerFaq(ShopAction):
    """The FAQ answer the ResponseSelector chose, or the customer's order when that fits."""

    def name(self) -> str:
        return "action_answer_faq"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        key = selected_faq(tracker)
        topic = ANSWERED_FROM_THE_ORDER.get(key or "")
        if topic and tracker.get_slot("verification") == "verified":
            proof = proof_of(tracker)
            if proof is not None:
                order_id = text_slot(tracker, "order_id")
                if not proof.covers(order_id):
                    order_id = proof.order_id
                return answer_verified(dispatcher, tracker, proof, order_id, topic)
        responses = domain.get("responses") or {}
        response = f"utter_{key}" if key else None
        if response not in responses:
            dispatcher.utter_message(response="utter_default")
            return []
        # the fees, hours and return window in the answer come from shop.yml
        dispatcher.utter_message(response=response, **messages.shop_figures(settings()))
        return []


def selected_faq(tracker: Tracker) -> str | None:
    """``faq/delivery_time`` and the like: the ResponseSelector's choice for this message."""
    selector = tracker.latest_message.get("response_selector") or {}
    chosen = (selector.get("faq") or {}).get("response") or {}
    key = chosen.get("intent_response_key")
    return key if isinstance(key, str) and key.startswith("faq/") else None


def _previous_intent(tracker: Tracker) -> str | None:
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionAskDetails(ShopAction):
    """details_form's question: what to change, the reason of a return, what went wrong."""

    def name(self) -> str:
        return "action_ask_details"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        order_flows.ask_details(dispatcher, tracker)
        return []


class ActionSubmitDetails(ShopAction):
    """details_form is done: carry on with the flow that asked."""

    def name(self) -> str:
        return "action_submit_details"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return order_flows.submit_details(dispatcher, tracker)
