"""The operator queue: conversations the bot hands to a person.

A handoff is ``waiting`` until an operator claims it, then ``claimed``, then ``closed``
(handed back to the bot, or resolved). Each status change is one conditional UPDATE
(``... WHERE status = 'waiting'``), so two operators can never claim the same handoff, and
a partial unique index keeps at most one open (waiting or claimed) handoff per
conversation, even when two processes race.

:class:`HandoffQueue` works on one database session with the shop's time zone and clock
passed in; it reads no settings and no environment.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bot.db import Base, UTCDateTime
from bot.identifiers import canonical_order_id


class HandoffStatus(str, enum.Enum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Resolution(str, enum.Enum):
    """How a handoff was closed: back to the bot, or resolved by the operator."""

    HANDBACK = "handback"
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

# While a handoff for one of these waits, the customer is talking to "a person soon": every
# message is recorded and answered only with that. The other reasons are tasks for an
# operator to carry out, and the bot keeps answering meanwhile.
PAUSING_REASONS = frozenset(
    {"human_request", "complaint", "verification_locked", "fallback", "other"}
)

PRIORITIES = ("normal", "high")

OPEN_STATUSES = (HandoffStatus.WAITING.value, HandoffStatus.CLAIMED.value)
_OPEN_SQL = text("status IN ('waiting', 'claimed')")

# The wait estimate: the median time to claim of the last claims within this window.
ESTIMATE_SAMPLE = 20
ESTIMATE_WINDOW = dt.timedelta(days=14)


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
    intent = Column(String(64))  # what the customer last asked for, for the operator
    created_at = Column(UTCDateTime, nullable=False)
    claimed_by = Column(String(100))
    claimed_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    closed_by = Column(String(100))
    resolution = Column(String(16))  # Resolution
    details = Column(Text)  # what a task asks the operator to do, in the customer's words
    priority = Column(String(8), nullable=False, default="normal", server_default="normal")

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


class UnknownHandoffError(LookupError):
    """No handoff with that id."""


class HandoffConflictError(Exception):
    """Another operator holds the handoff, or it is already closed."""

    def __init__(self, handoff: dict) -> None:
        super().__init__(f"handoff {handoff['id']} is {handoff['status']}")
        self.handoff = handoff


@dataclass(frozen=True)
class Wait:
    """Where a waiting handoff stands: its place in the queue and the usual wait."""

    position: int
    estimate: dt.timedelta | None  # None when no recent claims tell

    @property
    def estimate_minutes(self) -> int | None:
        if self.estimate is None:
            return None
        return max(1, -(-int(self.estimate.total_seconds()) // 60))


def pauses_bot(handoff: dict | None) -> bool:
    """Whether the bot stays silent (claimed) or only says "a person will answer" (waiting)."""
    if handoff is None or handoff["status"] == HandoffStatus.CLOSED.value:
        return False
    return handoff["status"] == HandoffStatus.CLAIMED.value or handoff["reason"] in PAUSING_REASONS


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


class HandoffQueue:
    """The queue on one session, with the shop's time zone and clock."""

    def __init__(
        self, session: Session, *, timezone: ZoneInfo, clock: Callable[[], dt.datetime]
    ) -> None:
        self.session = session
        self.timezone = timezone
        self.clock = clock

    # -- reading -----------------------------------------------------------------------
    def _iso(self, moment: dt.datetime | None) -> str | None:
        return moment.astimezone(self.timezone).isoformat() if moment else None

    def _as_dict(self, row) -> dict:
        if row.claimed_at is not None:
            waited = row.claimed_at - row.created_at
        elif row.status == HandoffStatus.WAITING.value:
            waited = self.clock() - row.created_at
        else:
            waited = None
        return {
            "id": row.id,
            "conversation_id": row.conversation_id,
            "status": row.status,
            "reason": row.reason,
            "created_at": self._iso(row.created_at),
            "order_id": row.order_id,
            "verified": bool(row.verified),
            "operator": row.claimed_by,
            "customer_message": row.customer_message,
            "channel": row.channel,
            "intent": row.intent,
            "claimed_at": self._iso(row.claimed_at),
            "closed_at": self._iso(row.closed_at),
            "closed_by": row.closed_by,
            "resolution": row.resolution,
            "details": row.details,
            "priority": row.priority,
            "wait_seconds": max(0, round(waited.total_seconds())) if waited is not None else None,
        }

    def _row(self, handoff_id: int):
        return self.session.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id)).first()

    def get(self, handoff_id: int) -> dict | None:
        """One handoff by id, or None."""
        row = self._row(handoff_id)
        return self._as_dict(row) if row else None

    def open_for(self, conversation_id: str) -> dict | None:
        """The conversation's waiting or claimed handoff, if it has one."""
        row = self.session.execute(
            select(HANDOFFS)
            .where(HANDOFFS.c.conversation_id == conversation_id)
            .where(HANDOFFS.c.status.in_(OPEN_STATUSES))
        ).first()
        return self._as_dict(row) if row is not None else None

    def list(self, status: HandoffStatus | str | None = None) -> list[dict]:
        """The queue, oldest first; only handoffs in ``status`` when given."""
        query = select(HANDOFFS).order_by(HANDOFFS.c.created_at, HANDOFFS.c.id)
        if status is not None:
            query = query.where(HANDOFFS.c.status == HandoffStatus(status).value)
        return [self._as_dict(row) for row in self.session.execute(query)]

    def wait(self, handoff: dict) -> Wait:
        """The handoff's place among the waiting ones, and the median recent time to claim."""
        ahead = self.session.execute(
            select(func.count())
            .select_from(HANDOFFS)
            .where(HANDOFFS.c.status == HandoffStatus.WAITING.value)
            .where(HANDOFFS.c.id < handoff["id"])
        ).scalar_one()
        recent = self.session.execute(
            select(HANDOFFS.c.created_at, HANDOFFS.c.claimed_at)
            .where(HANDOFFS.c.claimed_at.is_not(None))
            .where(HANDOFFS.c.claimed_at >= self.clock() - ESTIMATE_WINDOW)
            .order_by(HANDOFFS.c.claimed_at.desc())
            .limit(ESTIMATE_SAMPLE)
        ).all()
        waits = [(claimed - created).total_seconds() for created, claimed in recent]
        estimate = dt.timedelta(seconds=statistics.median(waits)) if waits else None
        return Wait(position=ahead + 1, estimate=estimate)

    # -- changing ----------------------------------------------------------------------
    def create(
        self,
        *,
        conversation_id: str,
        reason: str,
        order_id: str | None = None,
        verified: bool = False,
        customer_message: str | None = None,
        channel: str | None = None,
        intent: str | None = None,
        details: str | None = None,
        priority: str = "normal",
    ) -> dict:
        """Queue the conversation for an operator; an open handoff it already has is returned.

        ``details`` is what a task asks the operator to do; ``priority`` is "high" for what
        the shop got wrong (a damaged, wrong or missing delivery)."""
        existing = self.open_for(conversation_id)
        if existing is not None:
            return existing
        self.session.execute(
            _insert_unless_open(self.session).values(
                conversation_id=conversation_id,
                status=HandoffStatus.WAITING.value,
                reason=reason,
                order_id=(canonical_order_id(order_id) or order_id) if order_id else None,
                verified=bool(verified),
                customer_message=customer_message,
                channel=channel,
                intent=intent,
                details=details,
                priority=priority if priority in PRIORITIES else "normal",
                created_at=self.clock(),
            )
        )
        return self.open_for(conversation_id)

    def add_details(self, handoff_id: int, details: str, *, priority: str | None = None) -> dict:
        """Add a line to an open handoff's details (a second request in the same chat), and
        raise its priority when asked; a closed handoff is left as it is (conflict)."""
        handoff = self._existing(handoff_id)
        if handoff["status"] not in OPEN_STATUSES:
            raise HandoffConflictError(handoff)
        lines = [*(handoff["details"] or "").splitlines(), *details.splitlines()]
        values = {"details": "\n".join(dict.fromkeys(line for line in lines if line))}
        if priority == "high":
            values["priority"] = "high"
        self.session.execute(update(HANDOFFS).where(HANDOFFS.c.id == handoff_id).values(**values))
        return self._existing(handoff_id)

    def _existing(self, handoff_id: int) -> dict:
        handoff = self.get(handoff_id)
        if handoff is None:
            raise UnknownHandoffError(handoff_id)
        return handoff

    def claim(self, handoff_id: int, operator: str) -> dict:
        """Give a waiting handoff to ``operator`` (again: a no-op); else HandoffConflictError."""
        result = self.session.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.id == handoff_id)
            .where(HANDOFFS.c.status == HandoffStatus.WAITING.value)
            .values(
                status=HandoffStatus.CLAIMED.value, claimed_by=operator, claimed_at=self.clock()
            )
        )
        handoff = self._existing(handoff_id)
        if result.rowcount == 1 or (
            handoff["status"] == HandoffStatus.CLAIMED.value and handoff["operator"] == operator
        ):
            return handoff
        raise HandoffConflictError(handoff)

    def claim_next(self, operator: str) -> dict | None:
        """Claim the oldest waiting handoff for ``operator``; None when the queue is empty."""
        for _ in range(5):  # another operator may take the oldest one between our statements
            oldest = self.session.execute(
                select(HANDOFFS.c.id)
                .where(HANDOFFS.c.status == HandoffStatus.WAITING.value)
                .order_by(HANDOFFS.c.created_at, HANDOFFS.c.id)
                .limit(1)
            ).scalar()
            if oldest is None:
                return None
            try:
                return self.claim(oldest, operator)
            except HandoffConflictError:
                continue
        return None

    def held_by(self, handoff_id: int, operator: str) -> dict:
        """The handoff when ``operator`` holds it (to reply); else HandoffConflictError."""
        handoff = self._existing(handoff_id)
        if handoff["status"] != HandoffStatus.CLAIMED.value or handoff["operator"] != operator:
            raise HandoffConflictError(handoff)
        return handoff

    def close(
        self, handoff_id: int, operator: str, resolution: Resolution | str = Resolution.CLOSED
    ) -> dict:
        """Close a waiting handoff or one ``operator`` holds; else HandoffConflictError."""
        mine_or_nobodys = (HANDOFFS.c.status == HandoffStatus.WAITING.value) | (
            (HANDOFFS.c.status == HandoffStatus.CLAIMED.value) & (HANDOFFS.c.claimed_by == operator)
        )
        result = self.session.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.id == handoff_id)
            .where(mine_or_nobodys)
            .values(
                status=HandoffStatus.CLOSED.value,
                closed_at=self.clock(),
                closed_by=operator,
                resolution=Resolution(resolution).value,
            )
        )
        handoff = self._existing(handoff_id)
        if result.rowcount != 1:
            raise HandoffConflictError(handoff)
        return handoff
