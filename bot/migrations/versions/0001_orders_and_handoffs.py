"""Orders, their items, shipments, payments and status history; the handoff queue.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN_HANDOFF = sa.text("status IN ('waiting', 'claimed')")


def _moment(name: str, nullable: bool = True) -> sa.Column:
    # Stored as UTC; bot.db.UTCDateTime converts on the way in and out.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _order_fk(table: str) -> sa.Column:
    return sa.Column(
        "order_pk",
        sa.Integer(),
        sa.ForeignKey("orders.id", name=f"fk_{table}_order_pk_orders", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("lookup_key", sa.String(32), nullable=False),
        _moment("placed_at", nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("customer_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(40)),
        sa.Column("phone_digits", sa.String(20)),
        sa.Column("ship_postal_code", sa.String(16)),
        sa.Column("ship_prefecture", sa.String(16)),
        sa.Column("ship_city", sa.String(100)),
        sa.Column("ship_line1", sa.String(200)),
        sa.Column("ship_line2", sa.String(200)),
        sa.Column("delay_reason", sa.Text()),
        sa.Column("delay_new_estimate", sa.Date()),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    op.create_index("ix_orders_lookup_key", "orders", ["lookup_key"], unique=True)
    op.create_index("ix_orders_email", "orders", ["email"])
    op.create_index("ix_orders_phone_digits", "orders", ["phone_digits"])

    for table, columns in {
        "order_items": [
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("sku", sa.String(64), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("quantity", sa.Integer(), nullable=False),
            sa.Column("price", sa.Integer(), nullable=False),
        ],
        "shipments": [
            sa.Column("carrier", sa.String(32)),
            sa.Column("tracking_number", sa.String(64)),
            _moment("shipped_at"),
            sa.Column("estimated_delivery", sa.Date()),
        ],
        "payments": [
            sa.Column("method", sa.String(32), nullable=False),
            sa.Column("status", sa.String(32), nullable=False),
            _moment("paid_at"),
        ],
        "order_status_history": [
            sa.Column("status", sa.String(32), nullable=False),
            _moment("changed_at", nullable=False),
            sa.Column("source", sa.String(32), nullable=False),
        ],
    }.items():
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            _order_fk(table),
            *columns,
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        )
        op.create_index(f"ix_{table}_order_pk", table, ["order_pk"])
    op.create_index("ix_shipments_tracking_number", "shipments", ["tracking_number"])

    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("order_id", sa.String(32)),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("customer_message", sa.Text()),
        sa.Column("channel", sa.String(64)),
        _moment("created_at", nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        _moment("claimed_at"),
        _moment("closed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    op.create_index("ix_handoffs_status_created_at", "handoffs", ["status", "created_at"])
    op.create_index(
        "uq_handoffs_open_conversation",
        "handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=OPEN_HANDOFF,
        postgresql_where=OPEN_HANDOFF,
    )


def downgrade() -> None:
    op.drop_table("handoffs")
    for table in ("order_status_history", "payments", "shipments", "order_items"):
        op.drop_table(table)
    op.drop_table("orders")
