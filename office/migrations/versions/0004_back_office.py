"""The back office: users, kiosks' units, the handling of cases, the audit log, token
scopes, and the submission columns its filters use.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_CURSOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the back office's tables; copy kind and procedure out of stored bodies."""
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("scopes", sa.String(200), nullable=True))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("kind", sa.String(24), nullable=True))
        batch.add_column(sa.Column("procedure_code", sa.String(16), nullable=True))
        batch.add_column(sa.Column("unit_code", sa.Integer(), nullable=True))
    op.create_index("submissions_unit", "submissions", ["unit_code", "cursor"])
    _copy_kind_and_procedure()
    op.create_table(
        "kiosk_units",
        sa.Column("kiosk_id", sa.String(40), primary_key=True),
        sa.Column("unit_code", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(60), nullable=False, unique=True),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("unit_code", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(40), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("disabled_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "cases",
        sa.Column("submission_uuid", sa.Uuid(), sa.ForeignKey("submissions.uuid"),
                  primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("assignee", sa.String(60), nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("due_date", sa.String(10), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.String(40), nullable=True),
        sa.Column("answered_by", sa.String(60), nullable=True),
        sa.Column("dossier_code", sa.String(60), nullable=True, unique=True),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(60), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _CURSOR, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("submission_uuids", sa.Text(), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
    )


def _copy_kind_and_procedure() -> None:
    """Fill the new columns of submissions stored before this migration, from their bodies."""
    table = sa.table("submissions", sa.column("cursor", sa.Integer()), sa.column("body"),
                     sa.column("kind"), sa.column("procedure_code"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.cursor, table.c.body)).all()
    for cursor, body in rows:
        document = json.loads(body)
        connection.execute(
            table.update().where(table.c.cursor == cursor)
            .values(kind=document.get("kind"), procedure_code=document.get("procedure_code"))
        )


def downgrade() -> None:
    """Drop the back office's tables and columns."""
    op.drop_table("audit_log")
    op.drop_table("cases")
    op.drop_table("users")
    op.drop_table("kiosk_units")
    op.drop_index("submissions_unit", table_name="submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("unit_code")
        batch.drop_column("procedure_code")
        batch.drop_column("kind")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("scopes")
