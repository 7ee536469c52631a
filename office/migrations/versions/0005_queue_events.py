"""Queue events from service points' hubs (issued, called, served, no-show, transferred).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_CURSOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``queue_events``: one row per event, its UUID unique (the idempotency key)."""
    op.create_table(
        "queue_events",
        sa.Column("cursor", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.Uuid(), nullable=False, unique=True),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("unit_code", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("service", sa.String(1), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=True),
        sa.Column("officer", sa.String(40), nullable=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop ``queue_events`` (the hubs keep theirs; forwarding again would refill it)."""
    op.drop_table("queue_events")
