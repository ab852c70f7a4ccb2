"""action_answer_product: size, material, care, stock and restock questions, from the catalogue.

Product questions need no verification and never touch order data: the answer comes from
the products table alone (bot.products, bot.product_answers). The product the message
names wins; a message naming none (「在庫は？」 after 「このTシャツの素材は？」) is about the
product of the previous answer, remembered in the slot ``product_sku``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ShopAction, latest_text, offer_human, services, session, text_slot
from bot import product_answers, products
from bot.product_text import names_a_sku
from bot.settings import now

REASON = "product_question"
SLOT = "product_sku"


def answer_product(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Answer the latest message as a product question; the events to apply.

    For the order actions too, when a message such as 「商品番号は SMP-TOTE-02 です。」 names
    a product and no order.
    """
    text = latest_text(tracker)
    remembered = text_slot(tracker, SLOT)
    with session() as db:
        found = products.find_in_text(db, text)
        # 「ZZ-99 の在庫は？」: a product number we do not know is not the remembered product
        if not found and remembered and not names_a_sku(text):
            product = products.find_product(db, remembered)
            found = [product] if product else []
    shop = services().settings
    reply = product_answers.answer(text, found, rules=shop.rules, today=now(shop).date())
    if reply.text:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
    events: list[dict[str, Any]] = [SlotSet(SLOT, reply.sku)] if reply.sku else []
    if reply.offer == "not_found":
        events += offer_human(dispatcher, "product_not_found", reason=REASON)
    elif reply.offer == "no_data":
        events += offer_human(
            dispatcher, "product_no_data", reason=REASON, product=reply.product, topic=reply.topic
        )
    elif reply.offer == "more":
        events += offer_human(dispatcher, "product_more", reason=REASON)
    return events


class ActionAnswerProduct(ShopAction):
    def name(self) -> str:
        return "action_answer_product"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return answer_product(dispatcher, tracker)
