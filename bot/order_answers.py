"""The words of the order actions: cancel, change, return, refund, problem and repair.

Pure functions from an order (contract-shaped dict), a decision of :mod:`bot.policy`, the
settings and "now" to the text the customer reads; every sentence is a template of
``bot/templates/messages.ja.yml``. The actions decide what to do and call these to say it.
"""

from __future__ import annotations

import datetime as dt

from bot import messages, policy
from bot.policy import CancelDecision, Problem, Refund, RefundState, ReturnDecision, Warranty
from bot.settings import Settings


def items_text(order: dict) -> str:
    return "、".join(f"{i['name']} ×{i['quantity']}" for i in order.get("items") or [])


def _method(order: dict) -> str:
    method = (order.get("payment") or {}).get("method") or ""
    return messages.payment_method_name(method) if method else "お支払い方法"


def _status(order: dict) -> str:
    return messages.status_name(order["status"])


def reply_when(settings: Settings, moment: dt.datetime) -> str:
    """When an operator looks at a task: 営業時間内に順次, or from the next opening."""
    open_now = settings.hours.is_open(moment)
    return messages.render(
        "reply_when", open_now=open_now, opens_at=settings.hours.next_opening(moment)
    )


# --- cancel -----------------------------------------------------------------------------


def cancel_buttons(others: list[dict] = ()) -> list[dict]:
    """はい / いいえ, then one button per other order that could be cancelled instead."""
    return [
        {"title": messages.render("cancel_yes_button"), "payload": "/affirm"},
        {"title": messages.render("cancel_no_button"), "payload": "/deny"},
        *(
            {
                "title": messages.render("cancel_other_button", order_id=o["order_id"]),
                "payload": f'/cancel_order{{"order_id": "{o["order_id"]}"}}',
            }
            for o in others[:5]
        ),
    ]


def cancel_refund_due(order: dict, settings: Settings, moment: dt.datetime) -> dt.date:
    return policy.refund_due(
        moment.date(), (order.get("payment") or {}).get("method"), settings.rules
    )


def cancel_question(order: dict, decision: CancelDecision, settings: Settings, moment) -> str:
    refund_line = messages.render(
        "refund_line",
        refund=decision.refund.value,
        method=_method(order),
        due=cancel_refund_due(order, settings, moment),
    )
    return messages.render(
        "cancel_confirm",
        order_id=order["order_id"],
        item_list=items_text(order),
        refund_line=refund_line,
    )


def cancel_refused(order: dict, decision: CancelDecision, settings: Settings) -> str:
    order_id = order["order_id"]
    if decision.why == "already_cancelled":
        refunded = (order.get("payment") or {}).get("status") == "refunded"
        return messages.render("cancel_already", order_id=order_id, refunded=refunded)
    if decision.why == "returned":
        return messages.render("cancel_returned", order_id=order_id)
    return messages.render(
        "cancel_too_late",
        order_id=order_id,
        status_name=_status(order),
        delivered=order["status"] == "delivered",
        window=settings.rules.return_window_days,
    )


def cancel_done(
    order: dict, refund: Refund, settings: Settings, moment, *, handoff_id=None, when=""
) -> str:
    return messages.render(
        "cancel_done",
        order_id=order["order_id"],
        refund=refund.value,
        method=_method(order),
        due=cancel_refund_due(order, settings, moment),
        handoff_id=handoff_id,
        when=when,
    )


# --- changes ----------------------------------------------------------------------------


def change_refused(order: dict, decision, settings: Settings) -> str:
    name = "change_closed" if decision.why == "closed" else "change_too_late"
    return messages.render(
        name,
        order_id=order["order_id"],
        status_name=_status(order),
        delivered=order["status"] == "delivered",
        window=settings.rules.return_window_days,
    )


def delivery_refused(order: dict, decision, settings: Settings) -> str:
    order_id = order["order_id"]
    shipment = order.get("shipment") or {}
    if decision.why == "on_its_way":
        carrier = settings.carrier(shipment.get("carrier"))
        number = shipment["tracking_number"]
        link = (carrier.change_link(number) or carrier.tracking_link(number)) if carrier else None
        if carrier is not None and link:
            return messages.render(
                "delivery_carrier",
                order_id=order_id,
                carrier_name=carrier.name,
                tracking_number=number,
                change_link=link,
            )
        return messages.render("delivery_no_tracking", order_id=order_id)
    if decision.why == "no_tracking":
        return messages.render("delivery_no_tracking", order_id=order_id)
    if decision.why == "delivered":
        return messages.render("delivery_delivered", order_id=order_id)
    return messages.render("delivery_closed", order_id=order_id, status_name=_status(order))


# --- returns ----------------------------------------------------------------------------


def return_accepted(order: dict, decision: ReturnDecision, settings: Settings) -> str:
    method = (order.get("payment") or {}).get("method")
    return messages.render(
        "return_accepted",
        order_id=order["order_id"],
        shop_fault=decision.fault is policy.Fault.SHOP,
        last_day=decision.last_day,
        window=settings.rules.return_window_days,
        unused_only=decision.unused_only,
        method=_method(order),
        refund_days=settings.rules.refund_days(method),
    )


def return_refused(order: dict, decision: ReturnDecision, settings: Settings, category="") -> str:
    """The refusal; the outside-window, category and no-date ones end by offering a person."""
    order_id, window = order["order_id"], settings.rules.return_window_days
    if decision.why == "outside_window":
        return messages.render(
            "return_outside_window",
            order_id=order_id,
            window=window,
            delivered_on=policy.delivery_date(order, settings.timezone),
            last_day=decision.last_day,
        )
    if decision.why == "category":
        return messages.render("return_category", order_id=order_id, category=category)
    if decision.why == "no_date":
        return messages.render("return_no_date", order_id=order_id)
    if decision.why == "not_delivered":
        return messages.render(
            "return_not_delivered",
            order_id=order_id,
            status_name=_status(order),
            window=window,
            can_cancel=policy.can_cancel(order, settings.rules).allowed,
        )
    return messages.render("return_closed", order_id=order_id, status_name=_status(order))


OFFERS_A_PERSON = frozenset({"outside_window", "category", "no_date"})


# --- refunds ----------------------------------------------------------------------------


def refund_answer(order: dict, state: RefundState, settings: Settings) -> str:
    order_id, method, status_name = order["order_id"], _method(order), _status(order)
    if state.state == "refunded":
        return messages.render(
            "refund_refunded",
            order_id=order_id,
            method=method,
            since=state.since,
            expected=state.expected,
        )
    if state.state == "pending":
        return messages.render(
            "refund_pending",
            order_id=order_id,
            method=method,
            status_name=status_name,
            since=state.since,
            expected=state.expected,
            by_operator=policy.refund_on_cancel(order, settings.rules) is Refund.BY_OPERATOR,
        )
    if state.state == "not_paid":
        return messages.render("refund_not_paid", order_id=order_id, status_name=status_name)
    return messages.render(
        "refund_none",
        order_id=order_id,
        status_name=status_name,
        can_cancel=policy.can_cancel(order, settings.rules).allowed,
    )


# --- problems and repairs -------------------------------------------------------------


def problem_buttons() -> list[dict]:
    kinds = messages.catalogue()["problem_kinds"]
    return [{"title": title, "payload": title} for title in kinds.values()]


def problem_queued(kind: Problem | None, *, apologised: bool = False) -> str:
    """What happens next; ``apologised``: the apology was said in this turn already."""
    catalogue = messages.catalogue()
    problem = catalogue["problem_kinds"][kind.value] if kind else "お届けした商品に問題があった"
    photo = catalogue["problem_photos"].get(kind.value) if kind else "商品の状態"
    if apologised:
        opening = messages.render("problem_noted", problem=problem)
    else:
        opening = messages.render("problem_sorry", problem=problem)
    return opening + messages.render("problem_queued", photo=photo)


def repair_warranty(order: dict, item_name: str, warranty: Warranty, settings: Settings) -> str:
    return messages.render(
        "repair_warranty",
        order_id=order["order_id"],
        item=item_name,
        inside=warranty.inside,
        months=warranty.months,
        until=warranty.until,
        delivered_on=policy.delivery_date(order, settings.timezone),
    )
