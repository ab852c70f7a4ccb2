"""The order actions a verified customer asks for: cancel, change, return, refund, problem, repair.

Each flow reads the order, asks :mod:`bot.policy` what the shop's rules allow, and either
changes the order in the database (a cancel, after an explicit yes), queues a task for an
operator (what a person must carry out: an item or address change, a return, a problem, a
repair, a refund to arrange), or says kindly why not and what the customer can do instead.
The words come from :mod:`bot.order_answers`.

Two small pieces of dialogue state live in slots: ``pending_action`` (``cancel_order:A-1``,
the yes/no question asked in the bot's last turn) and ``awaiting`` (``change_order:A-1``,
the details ``details_form`` collects next).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    latest_text,
    proof_of,
    say,
    services,
    session,
    slot_set_in_last_turn,
    text_slot,
)
from bot import messages, order_answers, orders, policy, products
from bot.handoff import HandoffQueue
from bot.policy import Fault, Refund
from bot.settings import now

logger = logging.getLogger(__name__)


# Whether the customer already said what to change (otherwise details_form asks).
ITEM_CHANGE_DETAILS = re.compile(
    r"サイズ.*(に|へ)|色.*(に|へ)|カラー|数量|個数|\d+\s*(個|点|枚|着|つ)|[SMLＳＭＬ]{1,3}(サイズ)?(から|に|へ)|"
    r"から.+(に|へ)(変|交換|して)|→|追加|減ら|取り消"
)
DELIVERY_CHANGE_DETAILS = re.compile(
    r"\d+\s*月\s*\d+\s*日|\d+日|明日|明後日|あさって|来週|[月火水木金土日]曜|午前|午後|夕方|夜間|"
    r"\d{1,2}\s*(時|:\d\d)|〒|\d{3}-?\d{4}|[都道府県].{1,6}[市区町村郡]|住所は|宛先は|置き配|宅配ボックス"
)
# A question about the warranty only, not a request for a repair.
WARRANTY_ONLY = re.compile(r"保証(期間|書)?(は|って|の期間|内|ありますか|いつまで|何か月|何ヶ月)")
WANTS_REPAIR = re.compile(r"修理|直し|直せ|なおし|なおせ|交換|見て(もら|ほし)|点検")

DETAILS_LIMIT = 500
# An answer to 「どのように変更なさりたいか」 that only says no (「やっぱりやめておきます」); the
# form takes every answer, since the NLU also reads reasons (「イメージと違ったので」) as deny.
PLAIN_NO = re.compile(
    r"(いいえ|いや|いえ|やっぱり|やはり)?[、,。\s]*"
    r"(やめ(て)?(おき|とき)?ます|やめる|やめます|やめとく|結構です|けっこうです|いいです|大丈夫です|"
    r"不要です|いらないです|いりません|いらない|なしで|取り消します|変更しません|返品しません|"
    r"やめておく|キャンセルで)?[。！!\s]*(です|。)?"
)

# A cancel cannot be undone: an answer to its question that says no in any words keeps the
# order, though the NLU reads 「やっぱりキャンセルしません」 as cancel_order (取りやめ is a yes).
SAYS_NO = re.compile(
    r"いいえ|いえ、|しない|しません|しなくて|せず|さない|(?<!取り)やめ|(?<!取り)止め|結構|けっこう|"
    r"不要|待って|まって|保留|考え(直|なお)"
)


def pending(tracker: Tracker, slot: str) -> tuple[str, str] | None:
    """``(topic, order_id)`` of a question asked in the bot's last turn (``pending_action``
    or ``awaiting``), or None: a typed はい counts only right after the question."""
    value = text_slot(tracker, slot)
    if not value or ":" not in value or not slot_set_in_last_turn(tracker, slot):
        return None
    topic, order_id = value.split(":", 1)
    return topic, order_id


def topic_text(tracker: Tracker, topic: str) -> str:
    """What the customer wrote when asking for ``topic`` (the latest such message)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text") or ""
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == topic and not text.startswith("/"):
            return text[:DETAILS_LIMIT]
    return latest_text(tracker)[:DETAILS_LIMIT]


def queue_task(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    order_id: str,
    details: str,
    *,
    priority: str = "normal",
) -> dict:
    """Queue a task for an operator (the bot keeps answering) and say when they will look.

    A conversation has one open handoff at most: a second request in the same chat is
    added to the open one's details, so nothing is lost and nothing is queued twice."""
    shop = services().settings
    moment = now(shop)
    proof = proof_of(tracker)
    with session() as db:
        queue = HandoffQueue(db, timezone=shop.timezone, clock=lambda: moment)
        existing = queue.open_for(tracker.sender_id)
        if existing is not None:
            record = queue.add_details(existing["id"], details, priority=priority)
        else:
            record = queue.create(
                conversation_id=tracker.sender_id,
                reason=reason,
                order_id=order_id,
                verified=bool(proof and proof.covers(order_id)),
                customer_message=details,
                channel=tracker.get_latest_input_channel(),
                intent=reason,
                details=details,
                priority=priority,
            )
    logger.info("task %s (%s) for %s", record["id"], reason, tracker.sender_id)
    if existing is not None:
        say(dispatcher, "task_added", handoff_id=record["id"])
    else:
        say(
            dispatcher,
            "task_queued",
            handoff_id=record["id"],
            when=order_answers.reply_when(shop, moment),
        )
    return record


def _ask_details(topic: str, order_id: str) -> list[dict[str, Any]]:
    return [SlotSet("awaiting", f"{topic}:{order_id}"), FollowupAction("details_form")]


# --- entry: a verified customer asked about ``order`` on ``topic`` ---------------------


def run(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    order: dict,
    topic: str,
    *,
    others: list[dict] = (),
) -> list[dict[str, Any]]:
    """``others``: the customer's other proven orders, offered beside a cancel's question."""
    text = topic_text(tracker, topic)
    if topic == "cancel_order":
        return _cancel(dispatcher, tracker, order, text, others)
    flow = {
        "change_order": _change_items,
        "change_delivery": _change_delivery,
        "return_request": _return,
        "refund_status": _refund,
        "report_problem": _problem,
        "repair_request": _repair,
    }[topic]
    return flow(dispatcher, tracker, order, text)


def _cancel(dispatcher, tracker, order, text, others=()) -> list[dict[str, Any]]:
    shop = services().settings
    decision = policy.can_cancel(order, shop.rules)
    if not decision.allowed:
        dispatcher.utter_message(text=order_answers.cancel_refused(order, decision, shop))
        return [SlotSet("pending_action", None)]
    cancellable = [o for o in others if policy.can_cancel(o, shop.rules).allowed]
    dispatcher.utter_message(
        text=order_answers.cancel_question(order, decision, shop, now(shop)),
        buttons=order_answers.cancel_buttons(cancellable),
    )
    return [SlotSet("pending_action", f"cancel_order:{order['order_id']}")]


def confirm(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """The customer answered the question of the bot's last turn with a yes (or, in words
    that read as yes or as cancel_order, with a no); None when none was asked, or when the
    message is about another order than the question."""
    asked = pending(tracker, "pending_action")
    if asked is None:
        return None
    topic, order_id = asked
    named = _named_order(tracker)
    if named is not None and orders.lookup_key(named) != orders.lookup_key(order_id):
        return None  # 「A-2 もキャンセルしたい」 is a new request, no yes to the question on A-1
    if SAYS_NO.search(unicodedata.normalize("NFKC", latest_text(tracker))):
        return decline(dispatcher, tracker)
    proof = proof_of(tracker)
    if topic != "cancel_order" or proof is None or not proof.covers(order_id):
        return None
    return [SlotSet("pending_action", None), *_do_cancel(dispatcher, tracker, order_id)]


def _named_order(tracker: Tracker) -> str | None:
    """The order number written in the latest message, if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "order_id" and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


def decline(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """The customer said no to the question of the bot's last turn; None when none was asked."""
    asked = pending(tracker, "pending_action")
    if asked is None:
        return None
    say(dispatcher, "cancel_kept", order_id=asked[1])
    return [SlotSet("pending_action", None)]


def _do_cancel(dispatcher, tracker, order_id: str) -> list[dict[str, Any]]:
    shop = services().settings
    moment = now(shop)
    with session() as db:
        done = orders.cancel_order(
            db,
            order_id,
            allowed=shop.rules.cancel_statuses,
            refund_methods=shop.rules.automatic_refund_methods,
            at=moment,
        )
    order = done.order
    if order is None:
        say(dispatcher, "order_lookup_failed")
        return []
    if not done.changed:  # a second yes, a retry, or the order moved on meanwhile
        decision = policy.can_cancel(order, shop.rules)
        dispatcher.utter_message(text=order_answers.cancel_refused(order, decision, shop))
        return []
    logger.info("order %s cancelled in conversation %s", order_id, tracker.sender_id)
    if done.refunded:
        refund = Refund.AUTOMATIC
    elif (order.get("payment") or {}).get("status") == "paid":
        refund = Refund.BY_OPERATOR
    else:
        refund = Refund.NONE
    if refund is Refund.BY_OPERATOR:
        method = messages.payment_method_name(order["payment"]["method"])
        record = _queue_quietly(
            tracker, "cancel_order", order_id, f"キャンセル済み・返金の手配（{method}）"
        )
        text = order_answers.cancel_done(
            order,
            refund,
            shop,
            moment,
            handoff_id=record["id"],
            when=order_answers.reply_when(shop, moment),
        )
    else:
        text = order_answers.cancel_done(order, refund, shop, moment)
    dispatcher.utter_message(text=text)
    return []


def _queue_quietly(tracker: Tracker, reason: str, order_id: str, details: str) -> dict:
    """queue_task without its own message (the caller's answer tells the number)."""
    return queue_task(CollectingDispatcher(), tracker, reason, order_id, details)


def _change_items(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    return _change(dispatcher, tracker, order, text, "change_order")


def _change_delivery(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    return _change(dispatcher, tracker, order, text, "change_delivery")


# topic -> (the rule, the refusal, whether the message already says what to change to)
_CHANGES = {
    "change_order": (policy.can_change_items, order_answers.change_refused, ITEM_CHANGE_DETAILS),
    "change_delivery": (
        policy.can_change_delivery,
        order_answers.delivery_refused,
        DELIVERY_CHANGE_DETAILS,
    ),
}


def _change(dispatcher, tracker, order, text, topic: str) -> list[dict[str, Any]]:
    """An item or delivery change: refused by the rules, asked about, or queued."""
    shop = services().settings
    decide, refuse, says_what = _CHANGES[topic]
    decision = decide(order, shop.rules)
    if not decision.allowed:
        dispatcher.utter_message(text=refuse(order, decision, shop))
        return []
    if not says_what.search(text):
        return _ask_details(topic, order["order_id"])
    return _queue_change(dispatcher, tracker, order, topic, text)


def _queue_change(dispatcher, tracker, order, topic: str, details: str) -> list[dict[str, Any]]:
    template = "change_queued" if topic == "change_order" else "delivery_queued"
    say(dispatcher, template, order_id=order["order_id"], details=details)
    queue_task(dispatcher, tracker, topic, order["order_id"], details)
    return []


def _categories(order: dict) -> tuple[frozenset[str], list[dict]]:
    """The product categories of the order's items, and the products found (catalogue)."""
    found = []
    with session() as db:
        for item in order.get("items") or []:
            product = products.product_for_sku(db, item["sku"])
            if product is not None:
                found.append(product)
    return frozenset(p["category"] for p in found if p.get("category")), found


def _return(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    fault = policy.return_fault(text)
    if fault is None and order["status"] != "delivered":
        # not delivered yet, cancelled or returned: refused whatever the reason, so the
        # customer is told at once instead of being asked for a reason first
        return _decide_return(dispatcher, tracker, order, text, Fault.CUSTOMER)
    if fault is None:
        return _ask_details("return_request", order["order_id"])
    return _decide_return(dispatcher, tracker, order, text, fault)


def _decide_return(dispatcher, tracker, order, reason: str, fault: Fault) -> list[dict[str, Any]]:
    shop = services().settings
    categories, _found = _categories(order)
    decision = policy.can_return(order, shop.rules, now(shop), fault=fault, categories=categories)
    if not decision.allowed:
        closed_category = ", ".join(sorted(categories & shop.rules.not_returnable_categories))
        text = order_answers.return_refused(order, decision, shop, category=closed_category)
        if decision.why in order_answers.OFFERS_A_PERSON:
            return offer_human_text(dispatcher, text, "return_request")
        dispatcher.utter_message(text=text)
        return []
    # return_accepted opens with the apology when it is the shop's fault: said once
    dispatcher.utter_message(text=order_answers.return_accepted(order, decision, shop))
    priority = "high" if fault is Fault.SHOP else "normal"
    queue_task(dispatcher, tracker, "return_request", order["order_id"], reason, priority=priority)
    return []


def offer_human_text(dispatcher, text: str, reason: str) -> list[dict[str, Any]]:
    """A refusal that ends in 担当者におつなぎしますか？, with the はい / いいえ buttons."""
    dispatcher.utter_message(text=text, buttons=messages.human_offer_buttons())
    return [SlotSet("human_offer", reason)]


def _refund(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    shop = services().settings
    with session() as db:
        history = orders.status_history(db, order["order_id"])
    state = policy.refund_state(order, history, shop.rules, shop.timezone)
    dispatcher.utter_message(text=order_answers.refund_answer(order, state, shop))
    return []


def _problem(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    kind = policy.problem_kind(text)
    # action_answer_order apologises first when the customer was verified before
    apologised = any(
        m.get("text") == messages.render("problem_apology") for m in dispatcher.messages
    )
    dispatcher.utter_message(text=order_answers.problem_queued(kind, apologised=apologised))
    queue_task(dispatcher, tracker, "report_problem", order["order_id"], text, priority="high")
    if kind is None:
        return [
            SlotSet("awaiting", f"report_problem:{order['order_id']}"),
            FollowupAction("details_form"),
        ]
    return []


def _repair(dispatcher, tracker, order, text) -> list[dict[str, Any]]:
    shop = services().settings
    if order["status"] in policy.CLOSED_STATUSES:  # nothing of it is with the customer
        status_name = messages.status_name(order["status"])
        say(dispatcher, "repair_closed", order_id=order["order_id"], status_name=status_name)
        return []
    _categories_found, found = _categories(order)
    product = found[0] if found else None
    items = order.get("items") or []
    item_name = product["name"] if product else (items[0]["name"] if items else "商品")
    warranty = policy.warranty(
        order,
        shop.rules,
        now(shop),
        category=product.get("category") if product else None,
        product_months=product.get("warranty_months") if product else None,
    )
    dispatcher.utter_message(text=order_answers.repair_warranty(order, item_name, warranty, shop))
    if WARRANTY_ONLY.search(text) and not WANTS_REPAIR.search(text):
        say(dispatcher, "repair_how")
        return []
    state = (
        "保証期間内"
        if warranty.inside
        else ("保証期間外" if warranty.inside is False else "保証期間未確定")
    )
    say(dispatcher, "repair_queued")
    queue_task(dispatcher, tracker, "repair_request", order["order_id"], f"{text}（{state}）")
    return []


# --- details_form: asks for the details, then carries on ------------------------------


def ask_details(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The question for the flow waiting in ``awaiting``."""
    topic, _, order_id = (text_slot(tracker, "awaiting") or "").partition(":")
    if topic == "change_order":
        with session() as db:
            order = orders.find_order(db, order_id)
        items = order_answers.items_text(order) if order else ""
        say(dispatcher, "change_ask", order_id=order_id, item_list=items)
    elif topic == "change_delivery":
        say(dispatcher, "delivery_ask")
    elif topic == "report_problem":
        say(dispatcher, "problem_ask", buttons=order_answers.problem_buttons())
    else:
        say(dispatcher, "return_ask")


def submit_details(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Carry on with the flow that asked, now that ``details`` holds the customer's answer."""
    clear = [SlotSet("details", None), SlotSet("awaiting", None)]
    value = text_slot(tracker, "awaiting") or ""
    details = (text_slot(tracker, "details") or "")[:DETAILS_LIMIT]
    topic, _, order_id = value.partition(":")
    proof = proof_of(tracker)
    if PLAIN_NO.fullmatch(details.strip()):  # 「やっぱりやめておきます」: nothing to do
        say(dispatcher, "details_declined")
        return clear
    if not details or proof is None or not proof.covers(order_id):
        say(dispatcher, "confirm_expired")
        return clear
    with session() as db:
        order = orders.find_order(db, order_id)
    if order is None:
        say(dispatcher, "order_lookup_failed")
        return clear
    if topic in ("change_order", "change_delivery"):
        return [*clear, *_queue_change(dispatcher, tracker, order, topic, details)]
    if topic == "return_request":
        fault = policy.return_fault(details) or Fault.CUSTOMER
        return [*clear, *_decide_return(dispatcher, tracker, order, details, fault)]
    if topic == "report_problem":
        queue_task(dispatcher, tracker, "report_problem", order_id, details, priority="high")
        return clear
    say(dispatcher, "confirm_expired")
    return clear
