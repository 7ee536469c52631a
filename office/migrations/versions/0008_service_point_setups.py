"""Service points' counters and officers published by the back office for their hubs.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``service_point_setups``: one row per unit, its version growing."""
    op.create_table(
        "service_point_setups",
        sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Drop it (the hubs keep what they applied)."""
    op.drop_table("service_point_setups")
