"""Hubs' public queue states for the tickets' phone pages.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``ticket_page_hubs`` (one row per hub) and ``ticket_pages`` (by token)."""
    op.create_table(
        "ticket_page_hubs",
        sa.Column("hub_id", sa.String(40), primary_key=True),
        sa.Column("unit_code", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("service_day", sa.String(10), nullable=False),
        sa.Column("services", sa.Text(), nullable=False),
    )
    op.create_table(
        "ticket_pages",
        sa.Column("token", sa.String(20), primary_key=True),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("service", sa.String(1), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("people_ahead", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=True),
    )
    op.create_index("ix_ticket_pages_hub_id", "ticket_pages", ["hub_id"])


def downgrade() -> None:
    """Drop them (the hubs publish again within a minute)."""
    op.drop_index("ix_ticket_pages_hub_id", "ticket_pages")
    op.drop_table("ticket_pages")
    op.drop_table("ticket_page_hubs")
