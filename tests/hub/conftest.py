"""A hub with two services, three counters and two officers, on a clock tests move."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.database import HubDatabase
from hub.queue import HubQueue, NewTicket
from kiosk import clock
from kiosk.kinds.queue_ticket import PriorityGroup
from office.app import create_app
from tests.servers import ServerThread
from tests.sync.conftest import Backend, make_backend

OPENING = dt.datetime(2026, 12, 7, 8, 0, tzinfo=clock.HANOI)
OFFICER_PIN = "246810"


class MovingClock:
    """The hub's clock: starts at opening time, moves when a test says so."""

    def __init__(self) -> None:
        self.moment = OPENING

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def hub_clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def hub_db(tmp_path: Path) -> Iterator[HubDatabase]:
    db = HubDatabase(tmp_path / "hub.sqlite3")
    yield db
    db.close()


@pytest.fixture
def queue(hub_db: HubDatabase, hub_clock: MovingClock) -> HubQueue:
    hub = HubQueue(hub_db, now=hub_clock)
    hub.add_service("A", "Hộ tịch", "Civil status")
    hub.add_service("C", "Chứng thực", "Certification")
    hub.add_counter(1, "Quầy số 1", ["A"])
    hub.add_counter(2, "Quầy số 2", ["A", "C"])
    hub.add_counter(3, "Quầy số 3", ["C"])
    hub.add_officer("lan", "Nguyễn Thị Lan", OFFICER_PIN)
    hub.add_officer("minh", "Trần Văn Minh", OFFICER_PIN)
    return hub


def issue(queue: HubQueue, number: str, service: str = "A",
          priority: PriorityGroup = PriorityGroup.NONE, kiosk: str = "kiosk-1") -> str:
    """Register a kiosk's ticket; its submission UUID."""
    submission = str(uuid.uuid4())
    queue.register(NewTicket(submission, number, service, priority, kiosk,
                             queue.service_day(), queue.now()))
    return submission


def hub_token(city: Any, hub_id: str = "HUB-4", unit: int = 4) -> str:
    """A hub token at the city ``city`` (tests.sync.conftest.Backend), filed under ``unit``."""
    from office.store import Role

    token: str = city.token(hub_id, Role.HUB)
    city.store.units.assign(hub_id, unit)
    return token


@pytest.fixture
def city(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """The city's backend the hub forwards to (SQLite)."""
    return make_backend("sqlite", tmp_path, request)


@pytest.fixture
def city_server(city: Backend) -> Iterator[ServerThread]:
    """That backend's API on loopback."""
    server = ServerThread(create_app(city.store, rate_limit="10000/second")).start()
    yield server
    server.stop()
