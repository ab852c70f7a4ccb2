"""Verification records: failed checks with conversation, contact and client; proofs.

The failed checks of 0002 (order number only) are dropped: they expire within the hour
anyway, and the new limits need to know who failed, not only which number.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("verification_failures")
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("order_key", sa.String(32)),
        sa.Column("contact", sa.String(320)),
        sa.Column("client", sa.String(64)),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_failures"),
    )
    for name, column in (
        ("conversation_id", "conversation_id"),
        ("order_key", "order_key"),
        ("contact", "contact"),
        ("client", "client"),
    ):
        op.create_index(
            f"ix_verification_failures_{name}_failed_at",
            "verification_failures",
            [column, "failed_at"],
        )
    op.create_table(
        "verifications",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("contact", sa.String(320), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
    )
    op.create_index("ix_verifications_conversation_id", "verifications", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("verifications")
    op.drop_table("verification_failures")
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_key", sa.String(32), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_failures"),
    )
    op.create_index(
        "ix_verification_failures_order_key_failed_at",
        "verification_failures",
        ["order_key", "failed_at"],
    )
