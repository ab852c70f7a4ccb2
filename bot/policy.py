"""The shop's rules applied to one order: pure decisions, no database, no clock, no Rasa.

Every function takes the order (a contract-shaped dict, as ``bot.orders.find_order`` returns
it), the shop's :class:`~bot.settings.OrderRules` and, where time matters, "now"; it returns
a small frozen answer the actions turn into words. The answers quote the rules, so the bot
says exactly what ``shop.yml`` allows.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.settings import OrderRules

SHIPPED_STATUSES = frozenset({"shipped", "out_for_delivery"})
CLOSED_STATUSES = frozenset({"cancelled", "returned"})


def delivery_date(order: dict, timezone: ZoneInfo) -> dt.date | None:
    """When the order arrived or is expected: ``shipment.delivered_at`` (in the shop's time
    zone), else ``delay.new_estimate``, else ``shipment.estimated_delivery``; never an import's
    moment."""
    shipment = order.get("shipment") or {}
    delay = order.get("delay") or {}
    if shipment.get("delivered_at"):
        return dt.datetime.fromisoformat(shipment["delivered_at"]).astimezone(timezone).date()
    for day in (delay.get("new_estimate"), shipment.get("estimated_delivery")):
        if day:
            return dt.date.fromisoformat(day)
    return None


def _paid(order: dict) -> bool:
    return ((order.get("payment") or {}).get("status")) == "paid"


def _method(order: dict) -> str | None:
    return (order.get("payment") or {}).get("method")


# --- cancel -----------------------------------------------------------------------------


class Refund(str, enum.Enum):
    NONE = "none"  # nothing was paid: nothing to give back
    AUTOMATIC = "automatic"  # the payment is refunded with the cancel (card, PayPay)
    BY_OPERATOR = "by_operator"  # an operator arranges it (bank transfer, konbini, COD)


@dataclass(frozen=True)
class CancelDecision:
    allowed: bool
    why: str  # allowed | already_cancelled | returned | too_late
    refund: Refund = Refund.NONE


def can_cancel(order: dict, rules: OrderRules) -> CancelDecision:
    """Whether the bot may cancel now, and what happens to the money if it does."""
    status = order["status"]
    if status == "cancelled":
        return CancelDecision(False, "already_cancelled")
    if status == "returned":
        return CancelDecision(False, "returned")
    if status not in rules.cancel_statuses:
        return CancelDecision(False, "too_late")
    return CancelDecision(True, "allowed", refund_on_cancel(order, rules))


def refund_on_cancel(order: dict, rules: OrderRules) -> Refund:
    if not _paid(order):
        return Refund.NONE
    if _method(order) in rules.automatic_refund_methods:
        return Refund.AUTOMATIC
    return Refund.BY_OPERATOR


def refund_due(start: dt.date, method: str | None, rules: OrderRules) -> dt.date:
    """When money given back on ``start`` is expected to be back, by payment method."""
    return start + dt.timedelta(days=rules.refund_days(method))


# --- changes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeDecision:
    allowed: bool
    why: str  # allowed | closed | too_late | on_its_way | delivered | no_tracking


def can_change_items(order: dict, rules: OrderRules) -> ChangeDecision:
    """Size, colour or quantity: before the order is packed (queued for an operator)."""
    status = order["status"]
    if status in CLOSED_STATUSES:
        return ChangeDecision(False, "closed")
    if status in rules.item_change_statuses:
        return ChangeDecision(True, "allowed")
    return ChangeDecision(False, "too_late")


def can_change_delivery(order: dict, rules: OrderRules) -> ChangeDecision:
    """Address, date or time slot: queued before shipping; on its way, the carrier's page."""
    status = order["status"]
    if status in CLOSED_STATUSES:
        return ChangeDecision(False, "closed")
    if status in rules.delivery_change_statuses:
        return ChangeDecision(True, "allowed")
    if status in SHIPPED_STATUSES:
        tracking = (order.get("shipment") or {}).get("tracking_number")
        return ChangeDecision(False, "on_its_way" if tracking else "no_tracking")
    if status == "delivered":
        return ChangeDecision(False, "delivered")
    return ChangeDecision(False, "too_late")


# --- returns ----------------------------------------------------------------------------


class Fault(str, enum.Enum):
    SHOP = "shop"  # damaged, wrong or defective on arrival: the shop pays and apologises
    CUSTOMER = "customer"  # the customer's own reasons (size, taste, no longer needed)


@dataclass(frozen=True)
class ReturnDecision:
    allowed: bool
    why: str  # allowed | not_delivered | closed | outside_window | category | no_date
    fault: Fault
    last_day: dt.date | None = None  # the window's last day, when the delivery date is known
    shop_pays_shipping: bool = False
    unused_only: bool = False


def can_return(
    order: dict,
    rules: OrderRules,
    now: dt.datetime,
    *,
    fault: Fault,
    categories: frozenset[str] = frozenset(),
) -> ReturnDecision:
    """A return inside the window (delivery date + ``returns.window_days``, that day included).

    ``categories`` are the product categories of the order's items; one that cannot be
    returned for the customer's reasons refuses such a return. The shop's fault is accepted
    outside the window too (an operator looks at it)."""
    shop_fault = fault is Fault.SHOP
    terms = {
        "fault": fault,
        "shop_pays_shipping": shop_fault or not rules.customer_pays_return_shipping,
        "unused_only": rules.unused_only and not shop_fault,
    }
    status = order["status"]
    if status in CLOSED_STATUSES:
        return ReturnDecision(False, "closed", **terms)
    if status != "delivered":
        return ReturnDecision(False, "not_delivered", **terms)
    arrived = delivery_date(order, now.tzinfo)  # type: ignore[arg-type]
    last_day = arrived + dt.timedelta(days=rules.return_window_days) if arrived else None
    if not shop_fault and categories & rules.not_returnable_categories:
        return ReturnDecision(False, "category", last_day=last_day, **terms)
    if last_day is None:
        return ReturnDecision(shop_fault, "allowed" if shop_fault else "no_date", **terms)
    if now.date() > last_day and not shop_fault:
        return ReturnDecision(False, "outside_window", last_day=last_day, **terms)
    return ReturnDecision(True, "allowed", last_day=last_day, **terms)


# --- refunds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundState:
    state: str  # refunded | pending | not_paid | none
    method: str | None
    since: dt.date | None = None  # when the refund was made, or when it was started
    expected: dt.date | None = None  # when the money should be back


def refund_state(order: dict, history: list[dict], rules: OrderRules, timezone) -> RefundState:
    """What happened to the money of a cancelled or returned order, from its payment and its
    status history (the moment it was cancelled or returned)."""
    payment = order.get("payment") or {}
    method = payment.get("method")
    if payment.get("status") == "refunded":
        at = payment.get("refunded_at")
        since = dt.datetime.fromisoformat(at).astimezone(timezone).date() if at else None
        expected = refund_due(since, method, rules) if since else None
        return RefundState("refunded", method, since, expected)
    if order["status"] not in CLOSED_STATUSES:
        return RefundState("none", method)
    if not _paid(order):
        return RefundState("not_paid", method)
    closed = [h for h in history if h["status"] == order["status"]]
    since = (
        dt.datetime.fromisoformat(closed[-1]["changed_at"]).astimezone(timezone).date()
        if closed
        else None
    )
    expected = refund_due(since, method, rules) if since else None
    return RefundState("pending", method, since, expected)


# --- warranty ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Warranty:
    months: int
    inside: bool | None  # None: the delivery date is not known yet
    until: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def warranty(
    order: dict, rules: OrderRules, now: dt.datetime, *, category=None, product_months=None
) -> Warranty:
    """Inside or outside the warranty: delivery date + the product's or category's months."""
    months = rules.warranty_for(category, product_months)
    arrived = delivery_date(order, now.tzinfo) if order["status"] == "delivered" else None
    if arrived is None:
        return Warranty(months, None, None)
    until = add_months(arrived, months)
    return Warranty(months, now.date() <= until, until)


# --- what the customer wrote ------------------------------------------------------------


class Problem(str, enum.Enum):
    DAMAGED = "damaged"
    WRONG = "wrong"
    MISSING = "missing"
    DEFECTIVE = "defective"


# Which problem a message describes; tried in this order (「違う色が届いた」 is wrong, not
# damaged). The shop's fault for a return is any of them.
_PROBLEMS = (
    (Problem.WRONG, r"違う|ちがう|間違|まちが|別の(商品|もの|物|色|サイズ)|頼んだ(もの|物|の)と"),
    (Problem.MISSING, r"足りな|たりな|入って(い|な)|はいってな|欠品|数が|届いてない(もの|物)|一部"),
    (
        Problem.DAMAGED,
        r"破損|割れ|われて|欠け|かけて|つぶれ|潰れ|へこ|凹|傷|キズ|きず|汚れ|よごれ|破れ|やぶれ|壊れ|こわれ|ひび",
    ),
    (Problem.DEFECTIVE, r"不良|動かな|うごかな|つかな|点かな|電源|作動|故障|初期不良|不具合"),
)
_MY_REASON = re.compile(
    r"サイズ|イメージ|思ってた|思っていた|好み|気に入ら|いらなく|不要|必要なく|間違えて注文|"
    r"注文を間違え|間違って注文|似合わ|都合"
)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def problem_kind(text: str) -> Problem | None:
    """The kind of problem a message describes, or None when it names none."""
    text = _normal(text)
    for kind, pattern in _PROBLEMS:
        if re.search(pattern, text):
            return kind
    return None


def return_fault(text: str) -> Fault | None:
    """Whose fault a return is, from the customer's words; None when they do not say."""
    text = _normal(text)
    if _MY_REASON.search(text):
        return Fault.CUSTOMER
    if problem_kind(text) is not None:
        return Fault.SHOP
    return None
