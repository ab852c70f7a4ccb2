"""Orders: the status vocabulary, the tables, and the repository the bot reads them through.

Every function takes a session and returns plain dicts in the shape of the outside contract
(CONTRACT.md §3): moments as ISO 8601 strings in the shop's time zone, delivery dates as
``YYYY-MM-DD``, ``None`` where a value is absent. No ORM object leaves this module.

Order numbers are stored canonical (``bot.identifiers.canonical_order_id``) and found by
their ``lookup_key`` (the canonical form without the hyphen), so ``a100234``,
``Ａ－１００２３４`` and ``A-100234`` find the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, relationship

from bot.db import Base, UTCDateTime
from bot.identifiers import canonical_email, canonical_order_id, canonical_phone
from bot.settings import load_settings, now
from bot.vocabulary import OrderStatus, PaymentMethod, PaymentStatus  # noqa: F401 (re-exported)


class Order(Base):
    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
    order_id = Column(String(32), nullable=False)  # canonical: A-100234, 1001
    lookup_key = Column(String(32), nullable=False)  # canonical without the hyphen
    placed_at = Column(UTCDateTime, nullable=False)
    status = Column(String(32), nullable=False)
    customer_name = Column(String(200), nullable=False)
    email = Column(String(254))  # canonical (half-width, lower case)
    phone = Column(String(40))  # as the shop sent it
    phone_digits = Column(String(20))  # canonical_phone(phone)
    ship_postal_code = Column(String(16))
    ship_prefecture = Column(String(16))
    ship_city = Column(String(100))
    ship_line1 = Column(String(200))
    ship_line2 = Column(String(200))
    delay_reason = Column(Text)
    delay_new_estimate = Column(Date)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

    items = relationship(
        "OrderItem", order_by="OrderItem.position", cascade="all, delete-orphan", lazy="selectin"
    )
    shipments = relationship("Shipment", cascade="all, delete-orphan", lazy="selectin")
    payments = relationship("Payment", cascade="all, delete-orphan", lazy="selectin")
    history = relationship(
        "OrderStatusHistory", order_by="OrderStatusHistory.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_orders_lookup_key", "lookup_key", unique=True),
        Index("ix_orders_email", "email"),
        Index("ix_orders_phone_digits", "phone_digits"),
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_pk = Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    sku = Column(String(64), nullable=False)
    name = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False)
    price = Column(Integer, nullable=False)  # yen, tax included

    __table_args__ = (Index("ix_order_items_order_pk", "order_pk"),)


class Shipment(Base):
    __tablename__ = "shipments"

    id = Column(Integer, primary_key=True)
    order_pk = Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    carrier = Column(String(32))  # a key of the shop's `carriers` settings
    tracking_number = Column(String(64))
    shipped_at = Column(UTCDateTime)
    estimated_delivery = Column(Date)
    delivered_at = Column(UTCDateTime)

    __table_args__ = (
        Index("ix_shipments_order_pk", "order_pk"),
        Index("ix_shipments_tracking_number", "tracking_number"),
    )


class Payment(Base):
    __tablename__ = "payments"

    id = Column(Integer, primary_key=True)
    order_pk = Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    method = Column(String(32), nullable=False)
    status = Column(String(32), nullable=False)
    paid_at = Column(UTCDateTime)
    refunded_at = Column(UTCDateTime)

    __table_args__ = (Index("ix_payments_order_pk", "order_pk"),)


class OrderStatusHistory(Base):
    __tablename__ = "order_status_history"

    id = Column(Integer, primary_key=True)
    order_pk = Column(Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    status = Column(String(32), nullable=False)
    changed_at = Column(UTCDateTime, nullable=False)
    source = Column(String(32), nullable=False)  # import, api, bot, operator ...

    __table_args__ = (Index("ix_order_status_history_order_pk", "order_pk"),)


ORDERS = Order.__table__
ITEMS = OrderItem.__table__
SHIPMENTS = Shipment.__table__
PAYMENTS = Payment.__table__
HISTORY = OrderStatusHistory.__table__

# How many orders one IN (...) list or one executemany carries.
CHUNK = 1000


def lookup_key(order_id: str) -> str | None:
    """The indexed form of a typed order number: canonical, without the hyphen."""
    canonical = canonical_order_id(order_id)
    return canonical.replace("-", "") if canonical else None


# --- reading ----------------------------------------------------------------------------


def _iso(moment: dt.datetime | None, tz) -> str | None:
    return moment.astimezone(tz).isoformat() if moment else None


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# One query reads orders with their items, payment and shipment (the order's row repeats
# once per item); a look-up is then a single round trip.
_JOINED = select(
    ORDERS,
    ITEMS.c.id.label("item_pk"),
    ITEMS.c.sku,
    ITEMS.c.name.label("item_name"),
    ITEMS.c.quantity,
    ITEMS.c.price,
    PAYMENTS.c.id.label("payment_pk"),
    PAYMENTS.c.method.label("payment_method"),
    PAYMENTS.c.status.label("payment_status"),
    PAYMENTS.c.paid_at,
    PAYMENTS.c.refunded_at,
    SHIPMENTS.c.id.label("shipment_pk"),
    SHIPMENTS.c.carrier,
    SHIPMENTS.c.tracking_number,
    SHIPMENTS.c.shipped_at,
    SHIPMENTS.c.estimated_delivery,
    SHIPMENTS.c.delivered_at,
).select_from(
    ORDERS.outerjoin(ITEMS, ITEMS.c.order_pk == ORDERS.c.id)
    .outerjoin(PAYMENTS, PAYMENTS.c.order_pk == ORDERS.c.id)
    .outerjoin(SHIPMENTS, SHIPMENTS.c.order_pk == ORDERS.c.id)
)


def _read(session: Session, where, *order_by) -> list[dict]:
    """Contract-shaped dicts of the orders matching ``where``, sorted by ``order_by``."""
    rows = session.execute(
        _JOINED.where(where).order_by(*order_by, ORDERS.c.id, ITEMS.c.position, ITEMS.c.id)
    ).all()
    tz = load_settings().timezone
    orders: dict[int, dict] = {}
    # Several payments or shipments would repeat the items: keep each item once, and the
    # newest payment and shipment (highest id).
    items_seen: set[int] = set()
    newest: dict[tuple[str, int], int] = {}
    for row in rows:
        order = orders.get(row.id)
        if order is None:
            order = orders[row.id] = _order_dict(row, tz)
        if row.item_pk is not None and row.item_pk not in items_seen:
            items_seen.add(row.item_pk)
            order["items"].append(
                {"sku": row.sku, "name": row.item_name, "quantity": row.quantity,
                 "price": row.price}
            )  # fmt: skip
        if row.payment_pk is not None and row.payment_pk >= newest.get(("p", row.id), 0):
            newest["p", row.id] = row.payment_pk
            order["payment"] = {
                "method": row.payment_method,
                "status": row.payment_status,
                "paid_at": _iso(row.paid_at, tz),
            }
            if row.refunded_at is not None:  # optional fields appear only when known
                order["payment"]["refunded_at"] = _iso(row.refunded_at, tz)
        if row.shipment_pk is not None and row.shipment_pk >= newest.get(("s", row.id), 0):
            newest["s", row.id] = row.shipment_pk
            order["shipment"] = {
                "carrier": row.carrier,
                "tracking_number": row.tracking_number,
                "shipped_at": _iso(row.shipped_at, tz),
                "estimated_delivery": _day(row.estimated_delivery),
            }
            if row.delivered_at is not None:
                order["shipment"]["delivered_at"] = _iso(row.delivered_at, tz)
    return list(orders.values())


def _order_dict(row, tz) -> dict:
    return {
        "order_id": row.order_id,
        "placed_at": _iso(row.placed_at, tz),
        "customer": {"name": row.customer_name, "email": row.email, "phone": row.phone},
        "payment": None,
        "status": row.status,
        "items": [],
        "shipping_address": None
        if row.ship_line1 is None and row.ship_postal_code is None
        else {
            "postal_code": row.ship_postal_code,
            "prefecture": row.ship_prefecture,
            "city": row.ship_city,
            "line1": row.ship_line1,
            "line2": row.ship_line2,
        },
        "shipment": None,
        "delay": None
        if row.delay_reason is None and row.delay_new_estimate is None
        else {"reason": row.delay_reason, "new_estimate": _day(row.delay_new_estimate)},
    }


def find_order(session: Session, order_id: str) -> dict | None:
    """The order with this number in any typed form (``a100234``, ``＃1001``), or None."""
    key = lookup_key(order_id or "")
    if key is None:
        return None
    found = _read(session, ORDERS.c.lookup_key == key)
    return found[0] if found else None


def orders_for_contact(
    session: Session, *, email: str | None = None, phone: str | None = None
) -> list[dict]:
    """Every order whose e-mail or phone matches (any width, case or dashes), newest first."""
    condition = _contact_condition(email, phone)
    if condition is None:
        return []
    return _read(session, condition, ORDERS.c.placed_at.desc())


def order_ids_for_contact(
    session: Session, *, email: str | None = None, phone: str | None = None
) -> list[str]:
    """The order numbers of every order with this e-mail or phone, newest first (ids only)."""
    condition = _contact_condition(email, phone)
    if condition is None:
        return []
    query = select(ORDERS.c.order_id).where(condition).order_by(ORDERS.c.placed_at.desc())
    return list(session.execute(query).scalars())


def _contact_condition(email: str | None, phone: str | None):
    """WHERE e-mail or phone matches, canonical; None when neither is a valid contact."""
    conditions = []
    if email and (canonical := canonical_email(email)):
        conditions.append(ORDERS.c.email == canonical)
    if phone and (digits := canonical_phone(phone)):
        conditions.append(ORDERS.c.phone_digits == digits)
    return or_(*conditions) if conditions else None


def all_orders(session: Session) -> Iterator[dict]:
    """Every order, oldest row first, read a chunk at a time."""
    last = 0
    while True:
        pks = (
            session.execute(
                select(ORDERS.c.id).where(ORDERS.c.id > last).order_by(ORDERS.c.id).limit(CHUNK)
            )
            .scalars()
            .all()
        )
        if not pks:
            return
        yield from _read(session, ORDERS.c.id.in_(pks))
        last = pks[-1]


def order_count(session: Session) -> int:
    """How many orders are stored."""
    return session.execute(select(func.count()).select_from(ORDERS)).scalar_one()


def status_history(session: Session, order_id: str) -> list[dict]:
    """The order's status changes, oldest first: ``{"status", "changed_at", "source"}``."""
    key = lookup_key(order_id or "")
    tz = load_settings().timezone
    rows = session.execute(
        select(HISTORY.c.status, HISTORY.c.changed_at, HISTORY.c.source)
        .join(ORDERS, ORDERS.c.id == HISTORY.c.order_pk)
        .where(ORDERS.c.lookup_key == key)
        .order_by(HISTORY.c.id)
    ).all()
    return [
        {"status": r.status, "changed_at": _iso(r.changed_at, tz), "source": r.source} for r in rows
    ]


# --- writing ----------------------------------------------------------------------------


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _order_values(order: dict, moment: dt.datetime) -> dict:
    customer = order["customer"]
    address = order.get("shipping_address") or {}
    delay = order.get("delay") or {}
    phone = customer.get("phone")
    return {
        "order_id": order["order_id"],
        "lookup_key": order["order_id"].replace("-", ""),
        "placed_at": _moment(order["placed_at"]),
        "status": order["status"],
        "customer_name": customer["name"],
        "email": customer.get("email"),
        "phone": phone,
        "phone_digits": canonical_phone(phone) if phone else None,
        "ship_postal_code": address.get("postal_code"),
        "ship_prefecture": address.get("prefecture"),
        "ship_city": address.get("city"),
        "ship_line1": address.get("line1"),
        "ship_line2": address.get("line2"),
        "delay_reason": delay.get("reason"),
        "delay_new_estimate": _date(delay.get("new_estimate")),
        "updated_at": moment,
    }


def _insert_children(session: Session, pairs: Iterable[tuple[int, dict]]) -> None:
    items, shipments, payments = [], [], []
    for pk, order in pairs:
        items.extend(
            {"order_pk": pk, "position": position, **item}
            for position, item in enumerate(order["items"])
        )
        if ship := order.get("shipment"):
            shipments.append(
                {
                    "order_pk": pk,
                    "carrier": ship.get("carrier"),
                    "tracking_number": ship.get("tracking_number"),
                    "shipped_at": _moment(ship.get("shipped_at")),
                    "estimated_delivery": _date(ship.get("estimated_delivery")),
                    "delivered_at": _moment(ship.get("delivered_at")),
                }
            )
        pay = order["payment"]
        payments.append(
            {
                "order_pk": pk,
                "method": pay["method"],
                "status": pay["status"],
                "paid_at": _moment(pay.get("paid_at")),
                "refunded_at": _moment(pay.get("refunded_at")),
            }
        )
    for table, rows in ((ITEMS, items), (SHIPMENTS, shipments), (PAYMENTS, payments)):
        if rows:
            session.execute(insert(table), rows)


def upsert_orders(session: Session, orders: Sequence[dict], *, source: str = "api") -> list[str]:
    """Insert or update validated orders by order number; one of "inserted", "updated",
    "unchanged" per order, in order.

    ``orders`` are contract-shaped dicts with canonical values, as
    ``bot.importer.validate_record`` returns them, with distinct order numbers. Items,
    shipment and payment are replaced; a status-history row is added on insert and whenever
    the status changes. Runs in the caller's transaction, one statement per table per chunk.
    """
    outcomes: list[str] = []
    for start in range(0, len(orders), CHUNK):
        outcomes.extend(_upsert_chunk(session, orders[start : start + CHUNK], source))
    return outcomes


def _upsert_chunk(session: Session, orders: Sequence[dict], source: str) -> list[str]:
    moment = now()
    keys = [order["order_id"].replace("-", "") for order in orders]
    existing = session.execute(
        select(ORDERS.c.lookup_key, ORDERS.c.id).where(ORDERS.c.lookup_key.in_(keys))
    ).all()
    pk_of = dict(existing)
    stored = {}
    if existing:
        found = _read(session, ORDERS.c.id.in_(pk_of.values()))
        stored = {order["order_id"].replace("-", ""): order for order in found}
    outcomes, new, changed = [], [], []
    for key, order in zip(keys, orders, strict=True):
        if key not in stored:
            outcomes.append("inserted")
            new.append((key, order))
        elif stored[key] == order:
            outcomes.append("unchanged")
        else:
            outcomes.append("updated")
            changed.append((pk_of[key], order, stored[key]["status"]))
    history = []
    if new:
        session.execute(
            insert(ORDERS), [{**_order_values(o, moment), "created_at": moment} for _, o in new]
        )
        new_keys = [key for key, _ in new]
        pks = dict(
            session.execute(
                select(ORDERS.c.lookup_key, ORDERS.c.id).where(ORDERS.c.lookup_key.in_(new_keys))
            ).all()
        )
        _insert_children(session, ((pks[key], order) for key, order in new))
        history.extend((pks[key], order["status"]) for key, order in new)
    if changed:
        session.execute(
            update(ORDERS).where(ORDERS.c.id == bindparam("pk_")),
            [{**_order_values(o, moment), "pk_": pk} for pk, o, _ in changed],
        )
        pks_changed = [pk for pk, _, _ in changed]
        for table in (ITEMS, SHIPMENTS, PAYMENTS):
            session.execute(delete(table).where(table.c.order_pk.in_(pks_changed)))
        _insert_children(session, ((pk, o) for pk, o, _ in changed))
        history.extend((pk, o["status"]) for pk, o, old in changed if o["status"] != old)
    if history:
        session.execute(
            insert(HISTORY),
            [
                {"order_pk": pk, "status": status, "changed_at": moment, "source": source}
                for pk, status in history
            ],
        )
    return outcomes


def upsert_order(session: Session, order: dict, *, source: str = "api") -> str:
    """Insert or update one validated order: "inserted", "updated" or "unchanged"."""
    return upsert_orders(session, [order], source=source)[0]


def set_order_status(
    session: Session, order_id: str, status: OrderStatus | str, *, source: str
) -> dict | None:
    """Change an order's status and record it in its history; the order after, or None."""
    status = OrderStatus(status).value
    key = lookup_key(order_id or "")
    row = session.execute(
        select(ORDERS.c.id, ORDERS.c.status).where(ORDERS.c.lookup_key == key)
    ).first()
    if row is None:
        return None
    if row.status != status:
        moment = now()
        session.execute(
            update(ORDERS).where(ORDERS.c.id == row.id).values(status=status, updated_at=moment)
        )
        session.execute(
            insert(HISTORY).values(order_pk=row.id, status=status, changed_at=moment, source=source)
        )
    return find_order(session, order_id)


@dataclass(frozen=True)
class Cancellation:
    """What :func:`cancel_order` did: ``changed`` only for the one call that cancelled."""

    changed: bool
    refunded: bool
    order: dict | None


def cancel_order(
    session: Session,
    order_id: str,
    *,
    allowed: Iterable[str],
    refund_methods: Iterable[str],
    at: dt.datetime,
    source: str = "bot",
) -> Cancellation:
    """Cancel the order once: one conditional UPDATE (status still one of ``allowed``), so a
    repeated yes, a retry or two processes at once cancel it exactly once. The same call
    records the history and refunds a paid payment of ``refund_methods``."""
    key = lookup_key(order_id or "")
    pk = session.execute(select(ORDERS.c.id).where(ORDERS.c.lookup_key == key)).scalar()
    if pk is None:
        return Cancellation(False, False, None)
    result = session.execute(
        update(ORDERS)
        .where(ORDERS.c.id == pk)
        .where(ORDERS.c.status.in_(list(allowed)))
        .values(status=OrderStatus.CANCELLED.value, updated_at=at)
    )
    if result.rowcount != 1:
        return Cancellation(False, False, find_order(session, order_id))
    session.execute(
        insert(HISTORY).values(
            order_pk=pk, status=OrderStatus.CANCELLED.value, changed_at=at, source=source
        )
    )
    refunded = session.execute(
        update(PAYMENTS)
        .where(PAYMENTS.c.order_pk == pk)
        .where(PAYMENTS.c.status == PaymentStatus.PAID.value)
        .where(PAYMENTS.c.method.in_(list(refund_methods)))
        .values(status=PaymentStatus.REFUNDED.value, refunded_at=at)
    )
    return Cancellation(True, refunded.rowcount > 0, find_order(session, order_id))
