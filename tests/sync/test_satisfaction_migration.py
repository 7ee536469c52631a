"""Migration 0014 fills the satisfaction columns of the queue events already stored, on
SQLite and PostgreSQL, so the figures of a database that held events before it are the
same as before."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from kiosk.clock import HANOI
from office.database import MIGRATIONS, create_database_engine, migrate
from sync import hub_wire
from tests.sync.conftest import BACKEND_KINDS

DAY = dt.date(2026, 11, 9)


def _upgrade_to(engine: sa.Engine, revision: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _old_row(cursor: int, event: hub_wire.QueueEventItem) -> dict[str, object]:
    """A row as office/queue_events.py stored it before 0014."""
    body = event.model_dump_json()
    return {"cursor": cursor, "uuid": event.uuid, "hub_id": "H-4", "unit_code": 4,
            "action": event.action, "service": event.service, "counter": event.counter,
            "officer": event.officer, "at": event.at.isoformat(), "body": body,
            "body_sha256": hashlib.sha256(body.encode()).hexdigest(),
            "received_at": "2026-11-09T03:00:00.000+00:00"}


@pytest.mark.parametrize("kind", BACKEND_KINDS)
def test_events_stored_before_get_their_columns_filled(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (request.getfixturevalue("postgres").new_database() if kind == "postgresql"
           else str(tmp_path / "old.sqlite3"))
    engine = create_database_engine(url)
    request.addfinalizer(engine.dispose)
    _upgrade_to(engine, "0013")
    ticket = uuid.uuid4()
    issued = dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=HANOI)
    events = [
        hub_wire.QueueEventItem(
            uuid=uuid.uuid4(), action="issue", state="waiting", ticket_number="A1-001",
            ticket_uuid=ticket, service="A", service_day=DAY.isoformat(), at=issued),
        hub_wire.QueueEventItem(
            uuid=uuid.uuid4(), action="rate", state="done", ticket_number="A1-001",
            ticket_uuid=ticket, service="A", service_day=DAY.isoformat(), counter=2,
            officer="lan", rating="satisfied",
            at=issued.astimezone(dt.UTC) + dt.timedelta(minutes=20, microseconds=7)),
    ]
    old = sa.table("queue_events", sa.column("uuid", sa.Uuid()),
                   *(sa.column(name) for name in _old_row(1, events[0]) if name != "uuid"))
    with engine.begin() as connection:
        connection.execute(old.insert(), [_old_row(n, e) for n, e in enumerate(events, 1)])
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT service_day, ticket_uuid, rating, at_us FROM queue_events "
            "ORDER BY cursor")).all()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    at_us = int((issued - epoch).total_seconds()) * 1_000_000
    assert [(day, uuid.UUID(str(t)), rating, at) for day, t, rating, at in rows] == [
        ("2026-11-09", ticket, None, at_us),
        ("2026-11-09", ticket, "satisfied", at_us + 20 * 60 * 1_000_000 + 7)]


@pytest.mark.parametrize("kind", BACKEND_KINDS)
def test_it_goes_back_to_0013_and_up_again(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (request.getfixturevalue("postgres").new_database() if kind == "postgresql"
           else str(tmp_path / "back.sqlite3"))
    engine = create_database_engine(url)
    request.addfinalizer(engine.dispose)
    migrate(engine)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    columns = {column["name"] for column in sa.inspect(engine).get_columns("queue_events")}
    assert not columns & {"service_day", "ticket_uuid", "rating", "at_us"}
    migrate(engine)
    columns = {column["name"] for column in sa.inspect(engine).get_columns("queue_events")}
    assert columns >= {"service_day", "ticket_uuid", "rating", "at_us"}
