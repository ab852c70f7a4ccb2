"""Customer verification: an order number plus the e-mail or phone on that order.

Nothing about an order — not even whether it exists — is told before both match. An
unknown order and a wrong e-mail give the same result, so the chat cannot be used to
probe which order numbers exist. After ``max_attempts`` failed checks in a conversation the
bot stops checking (lockout) and offers a person instead. Because anyone can open a new
conversation, failed checks are also counted per order number in the database: past
``order_max_failures`` within the window, that number is not checked at all for a while
(an unknown number is counted the same way, so this reveals nothing either).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, func, select
from sqlalchemy.orm import Session

from bot.db import Base, UTCDateTime
from bot.identifiers import canonical_email, canonical_order_id, canonical_phone
from bot.orders import lookup_key


@dataclass(frozen=True)
class Contact:
    """An e-mail address or a phone number, canonical (lower-case e-mail, phone digits)."""

    kind: str  # "email" | "phone"
    value: str

    def matches(self, order: dict) -> bool:
        customer = order.get("customer") or {}
        if self.kind == "email":
            stored = canonical_email(customer.get("email") or "")
        else:
            stored = canonical_phone(customer.get("phone") or "")
        return stored is not None and stored == self.value

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_contact(typed: str | None) -> Contact | None:
    """The e-mail or phone a customer typed, canonical; None when it is neither."""
    if not typed:
        return None
    if typed.startswith(("email:", "phone:")):  # a Contact stored in a slot as str()
        kind, _, value = typed.partition(":")
        return Contact(kind, value)
    email = canonical_email(typed)
    if email:
        return Contact("email", email)
    phone = canonical_phone(typed)
    return Contact("phone", phone) if phone else None


def is_order_of(order: dict | None, contact: Contact | None) -> bool:
    """True when ``order`` exists and carries ``contact``; the only access check there is."""
    return order is not None and contact is not None and contact.matches(order)


@dataclass(frozen=True)
class Check:
    """The result of one verification attempt."""

    verified: bool
    order: dict | None  # only set when verified
    failures: int  # failed attempts in this conversation, this one included
    locked: bool  # no more attempts allowed

    def attempts_left(self, max_attempts: int) -> int:
        return max(0, max_attempts - self.failures)


def check(
    find_order,
    typed_order_id: str | None,
    typed_contact: str | None,
    failures: int,
    max_attempts: int,
    *,
    order_blocked: bool = False,
) -> Check:
    """Check an order number + contact pair; ``find_order(order_id) -> dict | None``.

    ``failures`` counts earlier failed attempts in this conversation; a locked conversation
    is not checked at all. ``order_blocked``: this order number has failed too often lately
    (``recent_failures``) and is not checked either; the customer sees an ordinary failure.
    """
    if failures >= max_attempts:
        return Check(False, None, failures, True)
    order_id = canonical_order_id(typed_order_id or "")
    contact = parse_contact(typed_contact)
    order = find_order(order_id) if order_id and contact and not order_blocked else None
    if is_order_of(order, contact):
        return Check(True, order, failures, False)
    failures += 1
    return Check(False, None, failures, failures >= max_attempts)


class VerificationFailure(Base):
    """One failed check of an order number, from any conversation."""

    __tablename__ = "verification_failures"
    __table_args__ = (
        Index("ix_verification_failures_order_key_failed_at", "order_key", "failed_at"),
    )

    id = Column(Integer, primary_key=True)
    order_key = Column(String(32), nullable=False)  # canonical order id without the hyphen
    failed_at = Column(UTCDateTime, nullable=False)


def recent_failures(session: Session, typed_order_id: str | None, since: dt.datetime) -> int:
    """Failed checks of this order number since ``since``, in every conversation."""
    key = lookup_key(typed_order_id or "")
    if key is None:
        return 0
    query = select(func.count()).where(
        VerificationFailure.order_key == key, VerificationFailure.failed_at >= since
    )
    return session.execute(query).scalar_one()


def record_failure(session: Session, typed_order_id: str | None, at: dt.datetime) -> None:
    key = lookup_key(typed_order_id or "")
    if key is not None:
        session.add(VerificationFailure(order_key=key, failed_at=at))
