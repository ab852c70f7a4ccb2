"""Customer verification: the one service that checks, limits and records who proved what.

A customer proves an order with its order number plus the e-mail address or phone number
on it. Nothing about an order — not even whether it exists — is told before both match:
an unknown order and a wrong e-mail give the same result, word for word.

Every failed check is recorded in the database with the conversation, the order number,
the contact and the client address, and counted on the real clock (never SHOP_NOW), so the
limits hold across conversations, ``/restart``, restarts and several processes:

- per conversation: after ``per_conversation`` failures the conversation is *locked*;
- per contact, per order number and per client address (non-loopback only): past their
  limits that contact, number or address is *blocked*, and not checked at all.

A success resets nothing. A success is recorded as a :class:`Proof` naming exactly the
orders proven: the order checked and the other orders of the same contact (which the bot
lists to the customer). The other actions read the proof; none of them verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import ipaddress
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, Text, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot import orders
from bot.db import Base, UTCDateTime
from bot.identifiers import canonical_email, canonical_order_id, canonical_phone
from bot.orders import lookup_key
from bot.settings import VerificationLimits as Limits


def utc_now() -> dt.datetime:
    """The real clock: limits must not move with SHOP_NOW, which tests and demos set."""
    return dt.datetime.now(dt.timezone.utc)


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


def parse_contact(typed: object) -> Contact | None:
    """The e-mail or phone a customer typed, canonical; None when it is neither."""
    if not isinstance(typed, str) or not typed:
        return None
    if typed.startswith(("email:", "phone:")):  # a Contact kept in a slot as str()
        kind, _, value = typed.partition(":")
        return Contact(kind, value)
    email = canonical_email(typed)
    if email:
        return Contact("email", email)
    phone = canonical_phone(typed)
    return Contact("phone", phone) if phone else None


def is_order_of(order: dict | None, contact: Contact | None) -> bool:
    """True when ``order`` exists and carries ``contact``: the only access check there is."""
    return order is not None and contact is not None and contact.matches(order)


def remote_client(address: object) -> str | None:
    """The client address that counts for the per-address limit, or None.

    Loopback is the project's own proxy or a test, never a customer; anything that is not
    an IP address is ignored rather than trusted.
    """
    if not isinstance(address, str):
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    return None if parsed.is_loopback else str(parsed)


class Outcome(str, enum.Enum):
    VERIFIED = "verified"
    FAILED = "failed"  # does not match; the customer may try again
    LOCKED = "locked"  # this conversation has used up its attempts
    BLOCKED = "blocked"  # the number, contact or client failed too often lately: not checked


@dataclass(frozen=True)
class Proof:
    """What one conversation proved: the contact, and exactly the orders it may see."""

    id: str
    conversation_id: str
    contact: Contact
    order_ids: tuple[str, ...]  # the order checked first, then the contact's other orders

    @property
    def order_id(self) -> str:
        return self.order_ids[0]

    def covers(self, order_id: object) -> bool:
        key = lookup_key(order_id) if isinstance(order_id, str) else None
        return key is not None and key in {lookup_key(o) for o in self.order_ids}


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    proof: Proof | None = None
    attempts_left: int = 0

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED


class VerificationFailure(Base):
    """One failed check, from any conversation."""

    __tablename__ = "verification_failures"
    __table_args__ = (
        Index("ix_verification_failures_conversation_id_failed_at", "conversation_id", "failed_at"),
        Index("ix_verification_failures_order_key_failed_at", "order_key", "failed_at"),
        Index("ix_verification_failures_contact_failed_at", "contact", "failed_at"),
        Index("ix_verification_failures_client_failed_at", "client", "failed_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    order_key = Column(String(32))  # canonical order id without the hyphen
    contact = Column(String(320))  # "email:..." / "phone:..."
    client = Column(String(64))  # the customer's address; NULL for loopback
    failed_at = Column(UTCDateTime, nullable=False)


class Verification(Base):
    """One successful check: a proof, looked up by its random id and the conversation."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_conversation_id", "conversation_id"),)

    id = Column(String(64), primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    contact = Column(String(320), nullable=False)
    order_ids = Column(Text, nullable=False)  # JSON array, the order checked first
    verified_at = Column(UTCDateTime, nullable=False)


Sessions = Callable[[], contextlib.AbstractContextManager[Session]]


class VerificationService:
    """Checks order number + contact pairs, enforces every limit and keeps the records."""

    def __init__(
        self, sessions: Sessions, limits: Limits, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self.limits = limits
        self._clock = clock

    def verify(
        self,
        conversation_id: str,
        typed_order_id: object,
        typed_contact: object,
        client: object = None,
    ) -> Result:
        """Check one pair for ``conversation_id``; the result never tells why it failed."""
        moment = self._clock()
        order_id = canonical_order_id(typed_order_id) if isinstance(typed_order_id, str) else None
        contact = parse_contact(typed_contact)
        key = lookup_key(order_id) if order_id else None
        address = remote_client(client)
        with self._sessions() as session:
            counts = self._counts(session, moment, conversation_id, key, contact, address)
            failures = counts["conversation_id"]
            if failures >= self.limits.per_conversation:
                return Result(Outcome.LOCKED)
            if (
                counts["order_key"] >= self.limits.per_order
                or counts["contact"] >= self.limits.per_contact
                or counts["client"] >= self.limits.per_client
            ):
                return Result(Outcome.BLOCKED)
            order = orders.find_order(session, order_id) if order_id and contact else None
            if is_order_of(order, contact):
                proof = self._prove(session, conversation_id, order, contact)
                return Result(Outcome.VERIFIED, proof)
            session.add(
                VerificationFailure(
                    conversation_id=conversation_id,
                    order_key=key,
                    contact=str(contact) if contact else None,
                    client=address,
                    failed_at=moment,
                )
            )
        failures += 1
        left = max(0, self.limits.per_conversation - failures)
        return Result(Outcome.LOCKED if left == 0 else Outcome.FAILED, attempts_left=left)

    def is_locked(self, conversation_id: str) -> bool:
        """True when this conversation has used up its attempts."""
        with self._sessions() as session:
            counts = self._counts(session, self._clock(), conversation_id, None, None, None)
        return counts["conversation_id"] >= self.limits.per_conversation

    def proof(self, conversation_id: str, proof_id: object) -> Proof | None:
        """The proof ``proof_id`` if it was made in this very conversation, else None."""
        if not isinstance(proof_id, str) or not proof_id:
            return None
        with self._sessions() as session:
            row = session.get(Verification, proof_id)
            if row is None or row.conversation_id != conversation_id:
                return None
            return Proof(
                row.id,
                row.conversation_id,
                parse_contact(row.contact),  # type: ignore[arg-type]
                tuple(json.loads(row.order_ids)),
            )

    # --- internals -----------------------------------------------------------------------

    def _prove(self, session: Session, conversation_id: str, order: dict, contact: Contact):
        others = orders.order_ids_for_contact(session, **{contact.kind: contact.value})
        first = order["order_id"]
        order_ids = (first, *(o for o in others if o != first))
        proof = Proof(secrets.token_urlsafe(24), conversation_id, contact, order_ids)
        session.add(
            Verification(
                id=proof.id,
                conversation_id=conversation_id,
                contact=str(contact),
                order_ids=json.dumps(list(order_ids)),
                verified_at=self._clock(),
            )
        )
        return proof

    def _windows(self) -> dict[str, dt.timedelta]:
        return {
            "conversation_id": self.limits.conversation_window,
            "order_key": self.limits.order_window,
            "contact": self.limits.contact_window,
            "client": self.limits.client_window,
        }

    def _counts(self, session, moment, conversation_id, key, contact, address) -> dict[str, int]:
        """Recent failures of this conversation, number, contact and client: one query."""
        wanted = {
            "conversation_id": conversation_id,
            "order_key": key,
            "contact": str(contact) if contact else None,
            "client": address,
        }
        windows = self._windows()
        columns, matches = [], []
        for name, value in wanted.items():
            if value is None:
                continue
            column = getattr(VerificationFailure, name)
            recent = VerificationFailure.failed_at >= moment - windows[name]
            matches.append(column == value)
            columns.append(
                func.coalesce(func.sum(case((and_(column == value, recent), 1), else_=0)), 0).label(
                    name
                )
            )
        row = session.execute(
            select(*columns).where(
                or_(*matches), VerificationFailure.failed_at >= moment - max(windows.values())
            )
        ).one()
        counts = dict.fromkeys(wanted, 0)
        counts.update(row._mapping)
        return counts
