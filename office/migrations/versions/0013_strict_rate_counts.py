"""Rate-limit counts every worker writes at once, for the strict limits
(office/strict_ratelimit.py: the card look-up's 12 a minute per kiosk).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``strict_rate_counts``: one row per limit, window and client."""
    op.create_table(
        "strict_rate_counts",
        sa.Column("limiter", sa.String(32), primary_key=True),
        sa.Column("window", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("client_id", sa.String(80), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Counts of the current minute: not worth a WAL record or an fsync each (a crash
        # forgets them, which at worst lets a client start its window again).
        op.execute("ALTER TABLE strict_rate_counts SET UNLOGGED")


def downgrade() -> None:
    """Drop ``strict_rate_counts`` (the card look-up limit then has nothing to count in)."""
    op.drop_table("strict_rate_counts")
