"""Keep each kiosk's previous heartbeat beside its latest (the fleet page compares the two
to see an outbox backlog growing).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``previous_received_at`` and ``previous_body`` (NULL until a second heartbeat)."""
    with op.batch_alter_table("heartbeats") as batch:
        batch.add_column(sa.Column("previous_received_at", sa.String(40), nullable=True))
        batch.add_column(sa.Column("previous_body", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the previous heartbeat (the latest stays)."""
    with op.batch_alter_table("heartbeats") as batch:
        batch.drop_column("previous_body")
        batch.drop_column("previous_received_at")
