"""Units the operator loads beyond Hà Nội's 126 (office/units_file.py).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``served_units``: one row per commune-level unit the operator loaded."""
    op.create_table(
        "served_units",
        sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("loaded_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop ``served_units`` (the server then knows Hà Nội's units only)."""
    op.drop_table("served_units")
