"""The release each channel serves (docs/updates.md).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``release_channels``: one signed release per channel."""
    op.create_table(
        "release_channels",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("version", sa.String(24), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("artifact_name", sa.String(200), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("published_by", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    """Drop ``release_channels`` (kiosks then find no release and keep theirs)."""
    op.drop_table("release_channels")
