"""What the bot tells a verified customer about their order: pure functions over order dicts.

The order is the contract §3 JSON shape (``bot.orders.find_order``); live tracking, when
asked for, is a ``bot.tracking.TrackingResult``. Every sentence comes from
``bot/templates/messages.ja.yml``. Nothing here promises more than the data says: no
estimate when none is stored, a late order is called late, and when live tracking fails
the answer says it is the shop's own record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import messages
from bot.settings import Settings

# Where each status sits in 支払い確認 → 準備中 → 発送準備完了 → 発送 → 配達中 → お届け済み:
# (1-based stage, whether that stage is complete).
STAGES = {
    "payment_pending": (1, False),
    "paid": (1, True),
    "preparing": (2, False),
    "ready_to_ship": (3, False),
    "shipped": (4, False),
    "out_for_delivery": (5, False),
    "delivered": (6, True),
}
SHIPPED = ("shipped", "out_for_delivery", "delivered")
WITH_TRACKING = ("ready_to_ship", *SHIPPED)
BEFORE_SHIPPING = ("paid", "preparing", "ready_to_ship")


@dataclass(frozen=True)
class Answer:
    """The parts of one status answer, in the order they are shown."""

    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(p for p in self.parts if p)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _datetime(value: str | None, settings: Settings) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.timezone)
    return moment.astimezone(settings.timezone)


def progress_line(status: str) -> str | None:
    """The six stages with the current one marked: ``… → 発送準備完了✓ → 【発送】 → …``."""
    if status not in STAGES:
        return None
    step, complete = STAGES[status]
    names = messages.stage_names()
    shown = []
    for number, name in enumerate(names, start=1):
        if number < step or (number == step and complete):
            shown.append(f"{name}✓")
        elif number == step:
            shown.append(f"【{name}】")
        else:
            shown.append(name)
    return messages.render("progress", progress=" → ".join(shown), total=len(names), step=step)


def _items(order: dict) -> str:
    lines = [f"{item['name']} ×{item['quantity']}" for item in order.get("items") or []]
    return messages.render("items", items=lines) if lines else ""


def _carrier_name(order: dict, settings: Settings) -> str:
    code = (order.get("shipment") or {}).get("carrier")
    carrier = settings.carrier(code)
    return carrier.name if carrier else "配送業者"


def _payment(order: dict, settings: Settings, now: dt.datetime, topic: str) -> str:
    payment = order.get("payment") or {}
    method = messages.payment_method_name(payment.get("method") or "")
    state = payment.get("status")
    if state == "failed":
        card = payment.get("method") == "credit_card"
        return messages.render("payment_failed", method=method, card=card)
    if order["status"] == "payment_pending" or state == "pending":
        if order["status"] in ("cancelled", "returned", "delivered"):
            return ""
        if payment.get("method") == "cod":  # paid to the driver on delivery: nothing is late
            return messages.render("payment_cod", cod_fee=settings.cod_fee)
        placed = _datetime(order.get("placed_at"), settings) or now
        due = (placed + dt.timedelta(days=settings.payment_due_days)).date()
        if due < now.date():
            return messages.render("payment_overdue", due=due)
        kind = payment.get("method")
        if kind == "bank_transfer":
            return messages.render(
                "payment_pending_bank_transfer", due=due, bank_account=settings.bank_account
            )
        if kind == "konbini":
            return messages.render("payment_pending_konbini", due=due)
        return messages.render("payment_pending_other", method=method)
    paid_at = _datetime(payment.get("paid_at"), settings)
    if order["status"] == "paid":
        return messages.render("paid", paid_at=paid_at, method=method)
    if topic == "payment_status" and state == "paid":
        return messages.render("payment_confirmed", paid_at=paid_at, method=method)
    if topic == "payment_status" and state == "refunded":
        return messages.render("payment_refunded", method=method)
    return ""


def _stage_sentence(order: dict, settings: Settings, tracking) -> str:
    status = order["status"]
    shipment = order.get("shipment") or {}
    refunded = (order.get("payment") or {}).get("status") == "refunded"
    paid = (order.get("payment") or {}).get("status") == "paid"
    carrier_name = _carrier_name(order, settings)
    if status == "preparing":
        return messages.render("preparing")
    if status == "ready_to_ship":
        return messages.render("ready_to_ship", carrier_name=carrier_name)
    if status == "shipped":
        shipped_at = _datetime(shipment.get("shipped_at"), settings)
        return messages.render("shipped", shipped_at=shipped_at, carrier_name=carrier_name)
    if status == "out_for_delivery":
        return messages.render("out_for_delivery", carrier_name=carrier_name)
    if status == "delivered":
        delivered_at = None
        if tracking is not None and tracking.ok and tracking.tag == "Delivered" and tracking.latest:
            delivered_at = tracking.latest.time.astimezone(settings.timezone)
        parts = [messages.render("delivered", carrier_name=carrier_name, delivered_at=delivered_at)]
        if shipment.get("tracking_number"):
            parts.append(
                messages.render(
                    "delivered_not_received",
                    carrier_name=carrier_name,
                    tracking_number=shipment["tracking_number"],
                )
            )
        return "\n".join(parts)
    if status == "cancelled":
        refund = messages.render("cancelled_refund", refunded=refunded, paid=paid)
        return "\n".join(filter(None, [messages.render("cancelled"), refund]))
    if status == "returned":
        refund = messages.render("returned_refund", refunded=refunded)
        return "\n".join([messages.render("returned"), refund])
    return ""


def _tracking(order: dict, settings: Settings, tracking) -> str:
    status = order["status"]
    shipment = order.get("shipment") or {}
    number = shipment.get("tracking_number")
    carrier = settings.carrier(shipment.get("carrier"))
    carrier_name = _carrier_name(order, settings)
    if status in BEFORE_SHIPPING and not number:
        return messages.render("tracking_pending")
    if status not in WITH_TRACKING or not number:
        return ""
    link = carrier.tracking_link(number) if carrier else ""
    parts = [
        messages.render(
            "tracking", tracking_number=number, carrier_name=carrier_name, tracking_link=link
        )
    ]
    if status in SHIPPED and tracking is not None:
        if tracking.ok and tracking.latest is not None:
            latest = tracking.latest
            parts.append(
                messages.render(
                    "live_checkpoint",
                    carrier_name=carrier_name,
                    time=latest.time.astimezone(settings.timezone),
                    message=latest.message,
                    location=latest.location,
                )
            )
        elif not tracking.ok and tracking.error != "not configured":
            parts.append(messages.render("live_unavailable", carrier_name=carrier_name))
    return "\n".join(parts)


def _estimate(order: dict, settings: Settings, now: dt.datetime, tracking) -> str:
    status = order["status"]
    if status in ("delivered", "cancelled", "returned", "payment_pending"):
        return ""
    if (order.get("payment") or {}).get("status") == "failed":
        return ""
    delay = order.get("delay") or {}
    new_estimate = _date(delay.get("new_estimate"))
    parts = []
    # A delay's new date that has passed too is no promise: the order is simply late.
    if delay.get("reason") and new_estimate and new_estimate >= now.date():
        parts.append(
            messages.render(
                "delay",
                reason=delay["reason"],
                new_estimate=new_estimate,
                coupon_amount=settings.coupon_amount,
                coupon_code=settings.coupon_code,
                coupon_until=now.date() + dt.timedelta(days=settings.coupon_valid_days),
            )
        )
        estimate = new_estimate
    else:
        live = tracking.expected_delivery if tracking is not None and tracking.ok else None
        stored = _date((order.get("shipment") or {}).get("estimated_delivery"))
        estimate = live or new_estimate or stored
        if estimate is None:
            parts.append(messages.render("estimate_unknown"))
        elif estimate < now.date():
            parts.append(messages.render("late", date=estimate))
        elif live:
            carrier_name = _carrier_name(order, settings)
            parts.append(messages.render("estimate_carrier", date=live, carrier_name=carrier_name))
        else:
            parts.append(messages.render("estimate", date=estimate))
    busy = settings.busy_period(now.date()) or (estimate and settings.busy_period(estimate))
    if busy:
        parts.append(messages.render("busy", note=busy.note))
    return "\n".join(parts)


def describe(
    order: dict, *, settings: Settings, now: dt.datetime, tracking=None, topic: str = "order_status"
) -> Answer:
    """The full status answer for a verified customer."""
    status = order["status"]
    placed = _datetime(order.get("placed_at"), settings) or now
    header = messages.render(
        "header",
        order_id=order["order_id"],
        placed_at=placed,
        status_name=messages.status_name(status),
    )
    return Answer(
        (
            header,
            progress_line(status) or "",
            _payment(order, settings, now, topic),
            _stage_sentence(order, settings, tracking),
            _tracking(order, settings, tracking),
            _estimate(order, settings, now, tracking),
            _items(order),
        )
    )


def tracking_only(order: dict, *, settings: Settings) -> str:
    """The short answer to 「送り状番号は？」 for a verified customer."""
    shipment = order.get("shipment") or {}
    number = shipment.get("tracking_number")
    if not number or order["status"] not in WITH_TRACKING:
        return messages.render("tracking_only_none", order_id=order["order_id"])
    carrier = settings.carrier(shipment.get("carrier"))
    return messages.render(
        "tracking_only",
        order_id=order["order_id"],
        tracking_number=number,
        carrier_name=_carrier_name(order, settings),
        tracking_link=carrier.tracking_link(number) if carrier else "",
    )


def other_order_label(order: dict, settings: Settings) -> str:
    """The button title for one of the customer's other orders."""
    placed = _datetime(order.get("placed_at"), settings)
    return messages.render(
        "other_order_button",
        order_id=order["order_id"],
        placed_at=placed,
        status_name=messages.status_name(order["status"]),
    )
