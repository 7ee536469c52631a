"""Kiosk <-> hub: tickets reach the hub in issue order, people ahead come back from it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.app import create_app
from hub.database import HubDatabase
from hub.queue import HubQueue
from kiosk.catalog import import_catalog
from kiosk.kinds.queue_ticket import PriorityGroup, QueueTicketRequest
from kiosk.queue_state import queue_overview
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox
from kiosk.sync_state import SyncFact, read_fact
from sync.client import FailureKind
from sync.hub_client import HubClient
from sync.hub_link import HubLink
from tests.conftest import SMALL_CATALOG, Result, catalog_bytes
from tests.hub.conftest import MovingClock
from tests.servers import ServerThread

MAX_AGE = dt.timedelta(minutes=15)
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens, the connection is refused


@pytest.fixture
def hub_server(queue: HubQueue) -> Iterator[ServerThread]:
    server = ServerThread(create_app(queue, secret="test")).start()
    yield server
    server.stop()


def link(db: Database, url: str, token: str, hub_clock: MovingClock) -> HubLink:
    return HubLink(db, HubClient(url, token, connect_timeout=2, read_timeout=5),
                   kiosk_id="K1", unit_code=4, now=hub_clock)


def test_tickets_made_while_the_hub_was_down_join_its_queue_in_issue_order(
    catalog_db: Database, queue: HubQueue, hub_server: ServerThread, hub_clock: MovingClock
) -> None:
    token = queue.add_kiosk("K1")
    outbox = Outbox(catalog_db, kiosk_id="K1", queue_prefix="1")
    # GIVEN three tickets issued while the hub cannot be reached
    for service, priority in (("A", PriorityGroup.NONE), ("C", PriorityGroup.NONE),
                              ("A", PriorityGroup.ELDERLY)):
        outbox.create(QueueTicketRequest(service, priority), now=hub_clock())
    down = link(catalog_db, UNREACHABLE, token, hub_clock).run_once()
    assert down.failure is not None
    assert (down.failure.kind, down.sent) == (FailureKind.TRANSIENT, 0)
    assert read_fact(catalog_db, SyncFact.HUB_TICKET_SEQ) is None
    # WHEN the hub answers again
    up = link(catalog_db, hub_server.url, token, hub_clock).run_once()
    # THEN each ticket is at the hub once, in the order it was issued
    assert (up.failure, up.sent, up.refused, up.queue_received) == (None, 3, 0, True)
    assert [ticket.number for ticket in queue.waiting()] == ["A1-001", "C1-001", "A1-U001"]
    again = link(catalog_db, hub_server.url, token, hub_clock).run_once()
    assert again.sent == 0
    assert len(queue.waiting()) == 3


def test_people_ahead_at_the_kiosk_drop_after_a_counter_calls(
    catalog_db: Database, queue: HubQueue, hub_server: ServerThread, hub_clock: MovingClock
) -> None:
    token = queue.add_kiosk("K1")
    outbox = Outbox(catalog_db, kiosk_id="K1", queue_prefix="1")
    for _ in range(3):
        outbox.create(QueueTicketRequest("A"), now=hub_clock())
    queue.open_counter(1, "lan")
    link(catalog_db, hub_server.url, token, hub_clock).run_once()
    before = queue_overview(catalog_db, max_age=MAX_AGE, now=hub_clock())["A"]
    assert (before.people_ahead, before.counters_open) == (3, 1)
    hub_clock.advance(seconds=30)
    queue.call_next(1)
    link(catalog_db, hub_server.url, token, hub_clock).run_once()
    after = queue_overview(catalog_db, max_age=MAX_AGE, now=hub_clock())["A"]
    assert after.people_ahead == 2


@pytest.fixture
def other_kiosk_db(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    opened: list[Database] = []

    def make(name: str) -> Database:
        database = open_database(tmp_path / f"{name}.sqlite3")
        import_catalog(database, catalog_bytes(SMALL_CATALOG))
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


def test_two_kiosks_numbers_stay_apart_and_a_clash_does_not_hold_the_rest_back(
    catalog_db: Database, queue: HubQueue, hub_server: ServerThread, hub_clock: MovingClock,
    other_kiosk_db: Callable[[str], Database],
) -> None:
    first_token, second_token = queue.add_kiosk("K1"), queue.add_kiosk("K2")
    second_db = other_kiosk_db("k2")
    Outbox(catalog_db, kiosk_id="K1", queue_prefix="1").create(QueueTicketRequest("A"),
                                                              now=hub_clock())
    Outbox(second_db, kiosk_id="K2", queue_prefix="2").create(QueueTicketRequest("A"),
                                                             now=hub_clock())
    link(catalog_db, hub_server.url, first_token, hub_clock).run_once()
    link(second_db, hub_server.url, second_token, hub_clock).run_once()
    assert [ticket.number for ticket in queue.waiting()] == ["A1-001", "A2-001"]
    # A third kiosk misconfigured with prefix 1 clashes: refused, its next ticket goes on
    third_db = other_kiosk_db("k3")
    third = Outbox(third_db, kiosk_id="K3", queue_prefix="1")
    third.create(QueueTicketRequest("A"), now=hub_clock())
    third.create(QueueTicketRequest("C"), now=hub_clock())
    report = link(third_db, hub_server.url, queue.add_kiosk("K3"), hub_clock).run_once()
    assert (report.sent, report.refused) == (1, 1)
    assert report.notes[0].startswith("A1-001 refused: hub: 409")
    assert [(ticket.number, ticket.kiosk_id) for ticket in queue.waiting()] == [
        ("A1-001", "K1"), ("A2-001", "K2"), ("C1-001", "K3")]


@pytest.mark.slow
def test_sync_run_with_a_hub_and_no_city_link_runs_the_hub_link_alone(
    kiosk: Callable[..., Result], tmp_path: Path
) -> None:
    # A hub on the real clock (the kiosk's tickets are for today)
    hub_db = HubDatabase(tmp_path / "hub.sqlite3")
    queue = HubQueue(hub_db)
    queue.add_service("A", "Hộ tịch")
    token = queue.add_kiosk("DEMO-K1")
    server = ServerThread(create_app(queue, secret="test")).start()
    try:
        kiosk("--demo", "config", "set", "sync.backend_url", "")
        kiosk("--demo", "config", "set", "hub.url", server.url)
        kiosk("--demo", "config", "set", "hub.token", token)
        for _ in range(3):
            assert kiosk("--demo", "submissions", "create", "--kind", "queue_ticket",
                         "--service", "A").status == 0
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "--demo", "sync", "run"],
            env={**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data")},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while len(queue.waiting()) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        finally:
            process.kill()
        assert process.returncode == 0, err
        assert [ticket.number for ticket in queue.waiting()] == ["A1-001", "A1-002", "A1-003"]
    finally:
        server.stop()
        hub_db.close()
