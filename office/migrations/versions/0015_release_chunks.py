"""Release artifacts in 1 MiB pieces, streamed to kiosks with HTTP ranges (docs/updates.md).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

#: office/store/releases.py CHUNK_SIZE when this migration was written (pieces of another
#: size would still be read right: the reader asks for piece ``offset // CHUNK_SIZE``, so
#: the sizes must agree; keep them equal).
_CHUNK = 1 << 20


def upgrade() -> None:
    """Create ``release_chunks``, move each channel's artifact into it, drop the column."""
    chunks = op.create_table(
        "release_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table("release_channels") as batch:
        batch.add_column(sa.Column("artifact_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("artifact_size", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    channels = sa.table("release_channels", sa.column("channel", sa.String()),
                        sa.column("artifact", sa.LargeBinary()),
                        sa.column("artifact_sha256", sa.String()),
                        sa.column("artifact_size", sa.BigInteger()))
    moved: set[str] = set()
    # One channel at a time (a handful of rows): the old layout held each whole anyway.
    for (channel,) in bind.execute(sa.select(channels.c.channel)).all():
        data = bytes(bind.execute(sa.select(channels.c.artifact)
                                  .where(channels.c.channel == channel)).scalar_one())
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 not in moved:
            moved.add(sha256)
            for seq, start in enumerate(range(0, len(data), _CHUNK)):
                bind.execute(chunks.insert().values(sha256=sha256, seq=seq,
                                                    data=data[start:start + _CHUNK]))
        bind.execute(channels.update().where(channels.c.channel == channel)
                     .values(artifact_sha256=sha256, artifact_size=len(data)))
    with op.batch_alter_table("release_channels") as batch:
        batch.alter_column("artifact_sha256", existing_type=sa.String(64), nullable=False)
        batch.alter_column("artifact_size", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("artifact")


def downgrade() -> None:
    """Put each channel's artifact back whole in ``release_channels``; drop the pieces."""
    with op.batch_alter_table("release_channels") as batch:
        batch.add_column(sa.Column("artifact", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    channels = sa.table("release_channels", sa.column("channel", sa.String()),
                        sa.column("artifact", sa.LargeBinary()),
                        sa.column("artifact_sha256", sa.String()))
    chunks = sa.table("release_chunks", sa.column("sha256", sa.String()),
                      sa.column("seq", sa.Integer()), sa.column("data", sa.LargeBinary()))
    for channel, sha256 in bind.execute(
            sa.select(channels.c.channel, channels.c.artifact_sha256)).all():
        data = b"".join(bytes(piece) for (piece,) in bind.execute(
            sa.select(chunks.c.data).where(chunks.c.sha256 == sha256).order_by(chunks.c.seq)))
        bind.execute(channels.update().where(channels.c.channel == channel)
                     .values(artifact=data))
    with op.batch_alter_table("release_channels") as batch:
        batch.alter_column("artifact", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("artifact_size")
        batch.drop_column("artifact_sha256")
    op.drop_table("release_chunks")
