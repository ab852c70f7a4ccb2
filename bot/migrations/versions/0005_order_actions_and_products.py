"""Order actions and products: delivery and refund moments, task details and priority,
and the product catalogue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("refunded_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("details", sa.Text()))
        batch.add_column(
            sa.Column("priority", sa.String(8), nullable=False, server_default="normal")
        )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("price", sa.Integer()),
        sa.Column("material", sa.Text()),
        sa.Column("care", sa.Text()),
        sa.Column("sizes", sa.JSON()),
        sa.Column("stock", sa.JSON()),
        sa.Column("restock_date", sa.Date()),
        sa.Column("warranty_months", sa.Integer()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
    )


def downgrade() -> None:
    op.drop_table("products")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("priority")
        batch.drop_column("details")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("refunded_at")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("delivered_at")
