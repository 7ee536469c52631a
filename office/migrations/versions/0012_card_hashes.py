"""The keyed hash of each intake's ID number, for "scan your ID card" (kiosk/card_lookup.py).

Revision ID: 0012
Revises: 0011

Rows stored before this migration have no hash: ``kiosk backend card-hashes`` fills them
in (it opens each sealed identity with the sealing key, which a migration does not hold).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``submissions.card_hash`` (NULL: no identity kept) and its look-up index."""
    with op.batch_alter_table("submissions") as table:
        table.add_column(sa.Column("card_hash", sa.String(64), nullable=True))
    op.create_index("submissions_card_hash", "submissions", ["card_hash", "cursor"])


def downgrade() -> None:
    """Drop the hashes (the sealed identities they came from stay)."""
    op.drop_index("submissions_card_hash", table_name="submissions")
    with op.batch_alter_table("submissions") as table:
        table.drop_column("card_hash")
