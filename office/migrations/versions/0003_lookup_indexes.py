"""Indexes for looking an application up by its receipt code.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Index submissions by receipt code, and status events by submission (latest last)."""
    op.create_index("submissions_receipt_code", "submissions", ["receipt_code"])
    op.create_index("status_events_submission", "status_events",
                    ["submission_uuid", "cursor"])


def downgrade() -> None:
    """Drop both indexes (the look-up still works, scanning)."""
    op.drop_index("status_events_submission", table_name="status_events")
    op.drop_index("submissions_receipt_code", table_name="submissions")
