"""action_answer_order: every question about an order, answered only from a proof.

The action never verifies: when this conversation has no proof covering the order asked
about, it hands over to verify_form, whose end runs this action again (data/rules.yml).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import order_flows
from actions.common import (
    FLOW_TOPICS,
    ORDER_TOPICS,
    STATUS_TOPICS,
    ShopAction,
    latest_intent,
    latest_text,
    offer_human,
    proof_of,
    say,
    services,
    session,
    text_slot,
)
from actions.products import answer_product
from bot import orders, products, status
from bot.identifiers import canonical_order_id, find_identifiers
from bot.messages import topic_name
from bot.settings import now
from bot.verify import Proof

# 「送り状番号は？」 and 「他の注文は？」 after verification get a short, focused answer.
ASKS_TRACKING_NUMBER = re.compile(r"送り状|伝票|追跡番号|問い?合わ?せ番号|トラッキング")
ASKS_OTHER_ORDERS = re.compile(r"(他|ほか|別)の(ご)?注文|ほかにも注文|注文(の)?一覧")
# An order question written with the order number and contact is sometimes read as plain
# `inform`; when the words around the identifiers say more, the runner-up intent is the topic.
RUNNER_UP_CONFIDENCE = 0.15


def asked_topic(tracker: Tracker) -> str | None:
    """The order topic of the latest message, if it names one."""
    intent = latest_intent(tracker)
    if intent in ORDER_TOPICS:
        return intent
    if intent != "inform":
        return None
    text = latest_text(tracker)
    rest = text
    for start, end, _kind in reversed(find_identifiers(text)):
        rest = rest[:start] + rest[end:]
    if len(re.sub(r"[\s、。,.!！?？]|です|お願いします|はい", "", rest)) < 4:
        return None  # only identifiers and fillers: no new topic
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        name, confidence = ranked.get("name"), ranked.get("confidence") or 0
        if name in ORDER_TOPICS and confidence >= RUNNER_UP_CONFIDENCE:
            return name
    return None


def live_tracking(order: dict):
    """Live tracking for a shipped order, or None when there is nothing to look up."""
    shipment = order.get("shipment") or {}
    if order["status"] not in status.SHIPPED or not shipment.get("tracking_number"):
        return None
    tracking = services().tracking
    return tracking.lookup(shipment.get("carrier") or "", shipment["tracking_number"])


def answer_verified(
    dispatcher: CollectingDispatcher, tracker: Tracker, proof: Proof, order_id: str, topic: str
) -> list[dict[str, Any]]:
    """The answer about ``order_id``, which ``proof`` covers, on ``topic``."""
    shop = services().settings
    text = latest_text(tracker)
    with session() as db:
        order = orders.find_order(db, order_id)
        mine = orders.orders_for_contact(db, **{proof.contact.kind: proof.contact.value})
    if order is None:  # removed since it was proven
        say(dispatcher, "order_lookup_failed")
        return []
    others = [o for o in mine if proof.covers(o["order_id"]) and o["order_id"] != order["order_id"]]
    if topic in FLOW_TOPICS:
        if ASKS_OTHER_ORDERS.search(text) and others:  # 「別の注文をキャンセルしたい」
            return _choose_order(dispatcher, topic, others)
        # the order of this turn or of the conversation; a cancel's question also offers
        # the customer's other orders as buttons
        others_to_offer = [] if _order_named_now(tracker) else others
        return order_flows.run(dispatcher, tracker, order, topic, others=others_to_offer)
    if ASKS_OTHER_ORDERS.search(text):
        _list_others(dispatcher, order, others)
        return []
    if ASKS_TRACKING_NUMBER.search(text) and topic == "order_status":
        dispatcher.utter_message(text=status.tracking_only(order, settings=shop))
        return []
    tracking = live_tracking(order) if topic in ("order_status", "report_problem") else None
    answer = status.describe(order, settings=shop, now=now(shop), tracking=tracking, topic=topic)
    dispatcher.utter_message(text=answer.text)
    if others:
        _list_others(dispatcher, order, others)
    return []


def _order_named_now(tracker: Tracker) -> bool:
    """Whether this turn's message named the order, or the order was verified this turn."""
    named = any(e.get("entity") == "order_id" for e in tracker.latest_message.get("entities") or [])
    return named or _previous_action(tracker) == "verify_form"


def _choose_order(
    dispatcher: CollectingDispatcher, topic: str, candidates: list[dict]
) -> list[dict[str, Any]]:
    """Buttons, one per order the customer proved: which one the request is about."""
    shop = services().settings
    buttons = [
        {
            "title": status.other_order_label(o, shop),
            "payload": f'/{topic}{{"order_id": "{o["order_id"]}"}}',
        }
        for o in candidates[:10]
    ]
    say(dispatcher, "choose_order", buttons=buttons, topic=topic_name(topic))
    return []


def _list_others(dispatcher: CollectingDispatcher, order: dict, others: list[dict]) -> None:
    if not others:
        say(dispatcher, "no_other_orders", order_id=order["order_id"])
        return
    shop = services().settings
    buttons = [
        {
            "title": status.other_order_label(other, shop),
            "payload": f'/order_status{{"order_id": "{other["order_id"]}"}}',
        }
        for other in others[:10]
    ]
    say(dispatcher, "other_orders", buttons=buttons, count=len(others))


def names_a_product(tracker: Tracker) -> bool:
    """A bare number or name read as ``inform`` that is a product of the catalogue, with no
    order number, e-mail or phone in the message."""
    text = latest_text(tracker)
    if latest_intent(tracker) != "inform" or find_identifiers(text):
        return False
    with session() as db:
        return bool(products.find_in_text(db, text))


def _previous_action(tracker: Tracker) -> str | None:
    """The action that ran just before this one in this turn (None after the user spoke)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "action":
            return event.get("name")
    return None


class ActionAnswerOrder(ShopAction):
    def name(self) -> str:
        return "action_answer_order"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if names_a_product(tracker):  # 「商品番号は SMP-TOTE-02 です。」: no order, no check
            return answer_product(dispatcher, tracker)
        asked = asked_topic(tracker)
        if asked == "cancel_order":  # 「はい、キャンセルしてください」 after the question
            confirmed = order_flows.confirm(dispatcher, tracker)
            if confirmed is not None:
                return confirmed
        topic = asked or text_slot(tracker, "topic") or "order_status"
        if topic not in ORDER_TOPICS:
            topic = "order_status"
        just_verified = _previous_action(tracker) == "verify_form"  # acknowledged already
        if asked == "report_problem" and not just_verified:  # apologise first
            say(dispatcher, "problem_apology")
        elif asked in ORDER_TOPICS and asked not in STATUS_TOPICS and not just_verified:
            say(dispatcher, "topic_ack", topic=topic_name(asked))
        return [SlotSet("topic", topic), *self._answer(dispatcher, tracker, topic)]

    def _answer(self, dispatcher, tracker: Tracker, topic: str) -> list[dict[str, Any]]:
        state = tracker.get_slot("verification")
        limits = services().settings.verification
        if state == "locked":
            return offer_human(
                dispatcher,
                "verify_locked",
                reason="verification_locked",
                max_attempts=limits.per_conversation,
            )
        if state == "unavailable":  # the check failed on our side and was apologised for
            return [SlotSet("verification", None)]
        if state == "blocked":
            return offer_human(dispatcher, "verify_blocked", reason="verification_locked")
        proof = proof_of(tracker) if state == "verified" else None
        if proof is None:
            return [SlotSet("verification", None), FollowupAction("verify_form")]
        order_id = canonical_order_id(text_slot(tracker, "order_id") or "") or proof.order_id
        if not proof.covers(order_id):
            # Another order than the proven ones: same wording whether it exists or not.
            say(dispatcher, "other_order_needs_verification", order_id=order_id)
            return [
                SlotSet("verification", None),
                SlotSet("verification_id", None),
                SlotSet("contact", None),
                FollowupAction("verify_form"),
            ]
        return answer_verified(dispatcher, tracker, proof, order_id, topic)
