"""The operator queue: conversations the bot hands to a person.

A handoff is ``waiting`` until an operator claims it, then ``claimed``, then ``closed``.
Each status change is one conditional UPDATE (``... WHERE status = 'waiting'``), so two
operators can never claim the same handoff, and a partial unique index keeps at most one
open (waiting or claimed) handoff per conversation, even when two processes race.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Text,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bot.db import Base, UTCDateTime
from bot.identifiers import canonical_order_id
from bot.settings import load_settings, now


class HandoffStatus(str, enum.Enum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    CLOSED = "closed"


# Why a conversation was handed over (the operators' queue shows it as is).
REASONS = (
    "human_request",  # the customer asked for a person
    "complaint",
    "verification_locked",  # too many failed checks, or the details are blocked for a while
    "fallback",  # the bot did not understand twice in a row
    "cancel_order",
    "change_order",
    "change_delivery",
    "return_request",
    "report_problem",
    "repair_request",
    "product_question",
    "refund_status",
    "other",
)

OPEN_STATUSES = (HandoffStatus.WAITING.value, HandoffStatus.CLAIMED.value)
_OPEN_SQL = text("status IN ('waiting', 'claimed')")


class Handoff(Base):
    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    status = Column(String(16), nullable=False, default=HandoffStatus.WAITING.value)
    reason = Column(Text, nullable=False)
    order_id = Column(String(32))  # canonical, when the customer named one
    verified = Column(Boolean, nullable=False, default=False)  # customer proved the order
    customer_message = Column(Text)
    channel = Column(String(64))
    created_at = Column(UTCDateTime, nullable=False)
    claimed_by = Column(String(100))
    claimed_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)

    __table_args__ = (
        Index("ix_handoffs_conversation_id", "conversation_id"),
        Index("ix_handoffs_status_created_at", "status", "created_at"),
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=_OPEN_SQL,
            postgresql_where=_OPEN_SQL,
        ),
    )


HANDOFFS = Handoff.__table__


def _as_dict(row) -> dict:
    tz = load_settings().timezone

    def iso(moment):
        return moment.astimezone(tz).isoformat() if moment else None

    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "status": row.status,
        "reason": row.reason,
        "created_at": iso(row.created_at),
        "order_id": row.order_id,
        "verified": bool(row.verified),
        "customer_message": row.customer_message,
        "channel": row.channel,
        "claimed_by": row.claimed_by,
        "claimed_at": iso(row.claimed_at),
        "closed_at": iso(row.closed_at),
    }


def _open_for(session: Session, conversation_id: str):
    return session.execute(
        select(HANDOFFS)
        .where(HANDOFFS.c.conversation_id == conversation_id)
        .where(HANDOFFS.c.status.in_(OPEN_STATUSES))
    ).first()


def open_handoff_for(session: Session, conversation_id: str) -> dict | None:
    """The conversation's waiting or claimed handoff, if it has one."""
    row = _open_for(session, conversation_id)
    return _as_dict(row) if row is not None else None


def _insert_unless_open(session: Session):
    """INSERT that quietly does nothing when the conversation already has an open handoff."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(HANDOFFS).on_conflict_do_nothing()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(HANDOFFS).on_conflict_do_nothing()
    return insert(HANDOFFS)


def create_handoff(
    session: Session,
    *,
    conversation_id: str,
    reason: str,
    order_id: str | None = None,
    verified: bool = False,
    customer_message: str | None = None,
    channel: str | None = None,
) -> dict:
    """Queue the conversation for an operator; an open handoff it already has is returned."""
    existing = _open_for(session, conversation_id)
    if existing is not None:
        return _as_dict(existing)
    session.execute(
        _insert_unless_open(session).values(
            conversation_id=conversation_id,
            status=HandoffStatus.WAITING.value,
            reason=reason,
            order_id=(canonical_order_id(order_id) or order_id) if order_id else None,
            verified=bool(verified),
            customer_message=customer_message,
            channel=channel,
            created_at=now(),
        )
    )
    return _as_dict(_open_for(session, conversation_id))


def list_handoffs(session: Session, status: HandoffStatus | str | None = None) -> list[dict]:
    """The queue, oldest first; only handoffs in ``status`` when given."""
    query = select(HANDOFFS).order_by(HANDOFFS.c.created_at, HANDOFFS.c.id)
    if status is not None:
        query = query.where(HANDOFFS.c.status == HandoffStatus(status).value)
    return [_as_dict(row) for row in session.execute(query)]


def get_handoff(session: Session, handoff_id: int) -> dict | None:
    """One handoff by id, or None."""
    row = session.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id)).first()
    return _as_dict(row) if row else None


def claim_handoff(session: Session, handoff_id: int, operator: str) -> dict | None:
    """Give a waiting handoff to ``operator``; None if it is gone or someone else was first."""
    result = session.execute(
        update(HANDOFFS)
        .where(HANDOFFS.c.id == handoff_id)
        .where(HANDOFFS.c.status == HandoffStatus.WAITING.value)
        .values(status=HandoffStatus.CLAIMED.value, claimed_by=operator, claimed_at=now())
    )
    return get_handoff(session, handoff_id) if result.rowcount == 1 else None


def claim_next(session: Session, operator: str) -> dict | None:
    """Claim the oldest waiting handoff for ``operator``; None when the queue is empty."""
    for _ in range(5):  # another operator may take the oldest one between our two statements
        oldest = session.execute(
            select(HANDOFFS.c.id)
            .where(HANDOFFS.c.status == HandoffStatus.WAITING.value)
            .order_by(HANDOFFS.c.created_at, HANDOFFS.c.id)
            .limit(1)
        ).scalar()
        if oldest is None:
            return None
        claimed = claim_handoff(session, oldest, operator)
        if claimed is not None:
            return claimed
    return None


def close_handoff(session: Session, handoff_id: int) -> dict | None:
    """Close an open handoff; None if there is no open handoff with that id."""
    result = session.execute(
        update(HANDOFFS)
        .where(HANDOFFS.c.id == handoff_id)
        .where(HANDOFFS.c.status.in_(OPEN_STATUSES))
        .values(status=HandoffStatus.CLOSED.value, closed_at=now())
    )
    return get_handoff(session, handoff_id) if result.rowcount == 1 else None
