"""The queue each service point publishes for its kiosks.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``queue_states``: one row per unit code, the last publication served."""
    op.create_table(
        "queue_states",
        sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``queue_states`` (the queues are republished within minutes anyway)."""
    op.drop_table("queue_states")
