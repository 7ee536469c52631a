"""Rate-limit counts shared by the backend's workers (office/shared_ratelimit.py).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``rate_counts``: each worker's requests per client per window."""
    op.create_table(
        "rate_counts",
        sa.Column("window", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("client_id", sa.String(80), primary_key=True),
        sa.Column("worker", sa.String(32), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Counts of the last second or minute: not worth a WAL record or an fsync each.
        op.execute("ALTER TABLE rate_counts SET UNLOGGED")


def downgrade() -> None:
    """Drop ``rate_counts`` (each worker then limits on its own again)."""
    op.drop_table("rate_counts")
