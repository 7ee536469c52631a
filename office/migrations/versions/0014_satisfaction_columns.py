"""What the satisfaction figures are computed from, in columns of their own and indexed,
so the database aggregates them (office/store/satisfaction.py) without opening each JSON
body: a queue event's service day, ticket, rating and moment in microseconds; and an
index of the kiosks' ratings by when the city received them.

Revision ID: 0014
Revises: 0013

The new columns are filled from each stored event's body here, and by
``office.queue_events.event_row`` for every event stored after.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

#: Rows filled per statement (keeps the migration's memory flat on a large table).
_PAGE = 5000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _filled(body: str) -> dict[str, object]:
    event = json.loads(body)
    moment = dt.datetime.fromisoformat(event["at"])
    return {"service_day": event["service_day"], "ticket_uuid": uuid.UUID(event["ticket_uuid"]),
            "rating": event.get("rating"),
            "at_us": (moment - _EPOCH) // dt.timedelta(microseconds=1)}


def upgrade() -> None:
    """Add and fill ``queue_events.service_day``, ``ticket_uuid``, ``rating`` and ``at_us``;
    index the events by day and by ticket, and the kiosks' ratings by reception."""
    with op.batch_alter_table("queue_events") as table:
        table.add_column(sa.Column("service_day", sa.String(10), nullable=True))
        table.add_column(sa.Column("ticket_uuid", sa.Uuid(), nullable=True))
        table.add_column(sa.Column("rating", sa.String(16), nullable=True))
        table.add_column(sa.Column("at_us", sa.BigInteger(), nullable=True))
    events = sa.table("queue_events", sa.column("cursor", sa.BigInteger()),
                      sa.column("body", sa.Text()), sa.column("service_day", sa.String(10)),
                      sa.column("ticket_uuid", sa.Uuid()), sa.column("rating", sa.String(16)),
                      sa.column("at_us", sa.BigInteger()))
    connection = op.get_bind()
    update = (events.update().where(events.c.cursor == sa.bindparam("row_cursor"))
              .values(service_day=sa.bindparam("service_day"),
                      ticket_uuid=sa.bindparam("ticket_uuid"), rating=sa.bindparam("rating"),
                      at_us=sa.bindparam("at_us")))
    after = -1
    while True:
        page = connection.execute(
            sa.select(events.c.cursor, events.c.body).where(events.c.cursor > after)
            .order_by(events.c.cursor).limit(_PAGE)).all()
        if not page:
            break
        connection.execute(update, [{"row_cursor": cursor, **_filled(body)}
                                    for cursor, body in page])
        after = page[-1][0]
    with op.batch_alter_table("queue_events") as table:
        for name in ("service_day", "ticket_uuid", "at_us"):
            table.alter_column(name, nullable=False)
    _create_indexes()


def _create_indexes() -> None:
    # Each holds every column its statement reads (office/store/satisfaction_sql.py), so
    # SQLite answers from the index alone; ``action`` is repeated inside the partial ones
    # because SQLite 3.40 does not count a partial index's WHERE column as covered.
    op.create_index("queue_events_issues", "queue_events",
                    ["service_day", "unit_code", "received_at", "ticket_uuid", "service",
                     "at_us", "action"],
                    sqlite_where=sa.text("action = 'issue'"),
                    postgresql_where=sa.text("action = 'issue'"))
    op.create_index("queue_events_rates", "queue_events",
                    ["service_day", "unit_code", "received_at", "rating", "service",
                     "counter", "officer", "action"],
                    sqlite_where=sa.text("action = 'rate'"),
                    postgresql_where=sa.text("action = 'rate'"))
    op.create_index("queue_events_ticket", "queue_events",
                    ["ticket_uuid", "action", "cursor", "received_at", "unit_code", "counter",
                     "officer", "at_us"])
    op.create_index("submissions_ratings", "submissions", ["received_at"],
                    sqlite_where=sa.text("kind = 'rating'"),
                    postgresql_where=sa.text("kind = 'rating'"))

def downgrade() -> None:
    """Drop the indexes and the columns (the bodies still hold everything)."""
    op.drop_index("submissions_ratings", table_name="submissions")
    for name in ("queue_events_ticket", "queue_events_rates", "queue_events_issues"):
        op.drop_index(name, table_name="queue_events")
    with op.batch_alter_table("queue_events") as table:
        for name in ("at_us", "rating", "ticket_uuid", "service_day"):
            table.drop_column(name)
