"""Rating a served ticket at a kiosk: the citizen scans their ticket, the hub keeps the rating
with who served it, once; the kiosk falls back to the counter choice when the hub is away."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.database import SCHEMA_VERSION, HubDatabase
from hub.queue import HubQueue
from kiosk import clock
from kiosk.config import load_config
from kiosk.desk import ServiceDesk, open_desk_database
from kiosk.kinds import QueueTicketRequest
from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.ticket_page import page_token, page_url
from kiosk.servicepoint.ticket_rating import RatingResult, TicketCheck
from kiosk.servicepoint.tickets import TicketAction
from sync import hub_wire
from sync.hub_client import HubClient
from sync.hub_link import HubLink
from sync.hub_ratings import HubTicketRatings
from tests.hub.conftest import MovingClock, issue
from tests.servers import ServerThread

UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.fixture
def api(queue: HubQueue) -> tuple[TestClient, dict[str, str]]:
    token = queue.add_kiosk("K1")
    return (TestClient(create_app(queue, secret="test")),
            {"Authorization": f"Bearer {token}"})


def serve(queue: HubQueue, counter: int = 1) -> None:
    """The officer at ``counter`` calls, serves and finishes the next ticket."""
    queue.call_next(counter)
    queue.act(counter, TicketAction.START)
    queue.act(counter, TicketAction.FINISH)


def rating_path(submission: str) -> str:
    return hub_wire.HubEndpoint.RATING.value.format(token=page_token(submission))


def test_the_hub_answers_who_served_a_ticket_and_takes_one_rating(
    queue: HubQueue, api: tuple[TestClient, dict[str, str]], hub_clock: MovingClock
) -> None:
    client, headers = api
    submission = issue(queue, "A1-001")
    # GIVEN a waiting ticket: known, not served, not rateable
    waiting = client.get(rating_path(submission), headers=headers)
    assert waiting.status_code == 200
    assert (waiting.json()["state"], waiting.json()["rated"]) == ("waiting", False)
    early = client.post(rating_path(submission), headers=headers, json={"level": "satisfied"})
    assert early.status_code == 422
    assert early.json()["detail"] == "A1-001: cannot rate a ticket that is waiting"
    # WHEN Lan serves it at counter 1 and the citizen rates it at the kiosk
    queue.open_counter(1, "lan")
    serve(queue)
    hub_clock.advance(minutes=3)
    rated = client.post(rating_path(submission), headers=headers,
                        json={"level": "very_satisfied"})
    # THEN the hub holds the rating with the counter, the officer and the ticket's times
    assert rated.status_code == 201
    body = rated.json()
    assert {key: body[key] for key in ("number", "state", "counter", "counter_name",
                                       "officer", "officer_name", "rated")} == {
        "number": "A1-001", "state": "done", "counter": 1, "counter_name": "Quầy số 1",
        "officer": "lan", "officer_name": "Nguyễn Thị Lan", "rated": True}
    assert body["finished_at"] is not None
    event = queue.unforwarded(100)[-1]
    assert (event.action, event.rating, event.counter, event.officer) == (
        TicketAction.RATE, RatingLevel.VERY_SATISFIED, 1, "lan")
    # AND a second rating of that ticket is refused, saying why
    again = client.post(rating_path(submission), headers=headers, json={"level": "unsatisfied"})
    assert (again.status_code, again.json()["detail"]) == (409, "A1-001 is already rated")
    assert [e.action for e in queue.unforwarded(100)].count(TicketAction.RATE) == 1


def test_unknown_tokens_and_strangers_are_refused(
    queue: HubQueue, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = api
    submission = issue(queue, "A1-001")
    unknown = hub_wire.HubEndpoint.RATING.value.format(token="a" * 20)
    assert client.get(unknown, headers=headers).status_code == 404
    malformed = hub_wire.HubEndpoint.RATING.value.format(token="A1-001")
    assert client.get(malformed, headers=headers).status_code == 404
    assert client.get(rating_path(submission)).status_code == 401
    bad_level = client.post(rating_path(submission), headers=headers, json={"level": "7"})
    assert bad_level.status_code == 422


def test_tickets_stored_before_page_tokens_get_theirs(tmp_path: Path) -> None:
    # GIVEN a hub database of schema 2 holding one ticket
    path = tmp_path / "hub.sqlite3"
    old = HubDatabase(path)
    submission = "6f1c2a4e-8b1d-4d0e-9a51-3c2b7f0e9d11"
    with old.write() as db:
        db.execute("DROP INDEX tickets_page_token")
        db.execute("ALTER TABLE tickets DROP COLUMN page_token")
        db.execute("PRAGMA user_version = 2")
        db.execute(
            "INSERT INTO tickets (submission_uuid, body_sha256, number, service, "
            "priority_group, kiosk_id, service_day, issued_at, received_at, state, "
            "updated_at) VALUES (?, 'x', 'A1-001', 'A', 'none', 'K1', '2026-12-07', "
            "'2026-12-07T08:00:00+07:00', '2026-12-07T08:00:00+07:00', 'waiting', "
            "'2026-12-07T08:00:00+07:00')", [submission])
    old.close()
    # WHEN this release opens it
    migrated = HubDatabase(path)
    # THEN the ticket is found by its page token
    found = HubQueue(migrated).ticket_by_token(page_token(submission))
    assert found is not None
    assert found.number == "A1-001"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    migrated.close()


# -- the kiosk's desk, against a hub over HTTP ---------------------------------------------

@pytest.fixture
def hub_server(queue: HubQueue) -> Iterator[ServerThread]:
    server = ServerThread(create_app(queue, secret="test")).start()
    yield server
    server.stop()


def kiosk_desk(tmp_path: Path, url: str, token: str) -> ServiceDesk:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    hub = HubTicketRatings(HubClient(url, token, connect_timeout=2, read_timeout=5))
    return ServiceDesk(open_desk_database(config), config, hub=hub)


def test_a_citizen_scans_their_ticket_at_the_kiosk_and_rates_the_counter_once(
    tmp_path: Path, queue: HubQueue, hub_server: ServerThread, hub_clock: MovingClock
) -> None:
    hub_token = queue.add_kiosk("K1")
    desk = kiosk_desk(tmp_path, hub_server.url, hub_token)
    # The kiosk stamps its ticket with the real time: the hub's service day must be today's.
    hub_clock.moment = dt.datetime.now(clock.HANOI)
    # GIVEN a ticket taken at this kiosk, sent to the hub, served at counter 2 by Minh
    ticket = desk.submit(QueueTicketRequest("A"), None)
    link = HubLink(desk.db, HubClient(hub_server.url, hub_token), kiosk_id="K1",
                   unit_code=4, now=hub_clock)
    assert link.run_once().sent == 1
    scanned = page_url("https://city.example/ve/", page_token(ticket.uuid))
    token = desk.rating_token(scanned)
    assert token == page_token(ticket.uuid)
    assert desk.check_rating_ticket(token).check is TicketCheck.NOT_SERVED
    queue.open_counter(2, "minh")
    serve(queue, counter=2)
    # WHEN the citizen scans it (the QR's address, or on an older slip its receipt code)
    assert desk.rating_token(ticket.receipt_code) == token
    answer = desk.check_rating_ticket(token)
    assert answer.check is TicketCheck.RATEABLE
    assert answer.ticket is not None
    assert (answer.ticket.number, answer.ticket.counter_name, answer.ticket.officer_name) == (
        ticket.ticket_number, "Quầy số 2", "Trần Văn Minh")
    # THEN the rating is recorded at the hub with who served, once
    first = desk.rate_ticket(token, RatingLevel.SATISFIED)
    assert first.result is RatingResult.RECORDED
    assert desk.rate_ticket(token, RatingLevel.UNSATISFIED).result is RatingResult.ALREADY_RATED
    assert desk.check_rating_ticket(token).check is TicketCheck.ALREADY_RATED
    rates = [e for e in queue.unforwarded(100) if e.action is TicketAction.RATE]
    assert [(e.rating, e.counter, e.officer, e.ticket.number) for e in rates] == [
        (RatingLevel.SATISFIED, 2, "minh", ticket.ticket_number)]
    # AND anything else scanned is not a ticket
    assert desk.rating_token("https://example.com/") is None
    desk.close()


def test_with_the_hub_away_the_kiosk_says_so_and_records_nothing(
    tmp_path: Path, queue: HubQueue
) -> None:
    desk = kiosk_desk(tmp_path, UNREACHABLE, "t" * 32)
    token = page_token("6f1c2a4e-8b1d-4d0e-9a51-3c2b7f0e9d11")
    assert desk.check_rating_ticket(token).check is TicketCheck.HUB_UNREACHABLE
    assert desk.rate_ticket(token, RatingLevel.SATISFIED).result is RatingResult.HUB_UNREACHABLE
    assert queue.unforwarded(100) == []
    desk.close()
