"""The first backend schema: credentials, submissions, conflicts, statuses, publications.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_CURSOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table of schema 1."""
    op.create_table(
        "credentials",
        sa.Column("id", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_credentials_client_id", "credentials", ["client_id"])
    # The UUID is UNIQUE: a submission is stored once, whatever is retried.
    op.create_table(
        "submissions",
        sa.Column("cursor", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.Uuid(), nullable=False, unique=True),
        sa.Column("kiosk_id", sa.String(40), nullable=False),
        sa.Column("kiosk_seq", sa.BigInteger(), nullable=False),
        sa.Column("receipt_code", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("kiosk_id", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("uuid", "body_sha256", name="conflicts_uuid_body"),
    )
    op.create_table(
        "status_events",
        sa.Column("cursor", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("submission_uuid", sa.Uuid(), sa.ForeignKey("submissions.uuid"),
                  nullable=False),
        sa.Column("kiosk_id", sa.String(40), nullable=False),
        sa.Column("receipt_code", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(40), nullable=False),
    )
    op.create_index("status_events_kiosk", "status_events", ["kiosk_id", "cursor"])
    op.create_table(
        "publications",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(40), nullable=False),
    )
    op.create_table(
        "heartbeats",
        sa.Column("kiosk_id", sa.String(40), primary_key=True),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Schema 1 is the first: nothing to go back to."""
    raise NotImplementedError("the first schema has no downgrade")
