"""Fixtures for the sync tests: backends on SQLite and on a private PostgreSQL server,
servers on 127.0.0.1, kiosks with their own databases, a fault-injecting proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.catalog import import_catalog
from kiosk.directory import seed_directory
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox
from office.app import create_app
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Role, Store
from sync.agent import AgentSettings, SyncAgent
from tests.conftest import SMALL_CATALOG, catalog_bytes
from tests.postgres_cluster import (
    PostgresMissingError,
    PostgresServer,
    postgres_cluster,
)
from tests.servers import ServerThread

#: Shared by every test: making a key pair is cheap, but one is enough.
KEYS = SealingKeys.generate()
BACKEND_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster for this test session (fsync off), stopped at the end."""
    try:
        cluster = postgres_cluster()
        server = cluster.__enter__()
    except PostgresMissingError as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        cluster.__exit__(None, None, None)


# -- backends ---------------------------------------------------------------------------------


@dataclass
class Backend:
    """A backend store with its tokens."""

    store: Store
    url: str
    kind: str

    def token(self, client_id: str, role: Role = Role.KIOSK) -> str:
        return self.store.add_credential(client_id, role)

    def counts(self) -> dict[str, int]:
        return self.store.counts()


def make_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if kind == "postgresql":
        url = request.getfixturevalue("postgres").new_database()
    else:
        url = str(tmp_path / "backend.sqlite3")
    engine = open_engine(url)
    request.addfinalizer(engine.dispose)
    return Backend(Store(engine, KEYS), url, kind)


@pytest.fixture(params=BACKEND_KINDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh backend, once on SQLite and once on PostgreSQL."""
    return make_backend(request.param, tmp_path, request)


@pytest.fixture
def sqlite_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh backend on SQLite (for tests about the kiosk side)."""
    return make_backend("sqlite", tmp_path, request)


@pytest.fixture
def api(backend: Backend) -> TestClient:
    """The backend's API in-process (no socket), with a generous rate limit."""
    return TestClient(create_app(backend.store, rate_limit="10000/second"))


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerThread]]:
    """Start a backend's API on 127.0.0.1; stopped at the end of the test."""
    started: list[ServerThread] = []

    def start(backend: Backend, *, rate_limit: str = "10000/second") -> ServerThread:
        running = ServerThread(create_app(backend.store, rate_limit=rate_limit)).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


# -- kiosks -----------------------------------------------------------------------------------


@dataclass
class Kiosk:
    """One kiosk: its database, outbox and (once enrolled) its settings."""

    kiosk_id: str
    path: Path
    db: Database
    outbox: Outbox

    def settings(self, url: str, token: str, **overrides: Any) -> AgentSettings:
        """Agent settings with test-sized timeouts and backoff."""
        values: dict[str, Any] = {
            "backend_url": url, "token": token, "kiosk_id": self.kiosk_id,
            "batch_size": 25, "connect_timeout": 1.0, "read_timeout": 2.0,
            "interval": 0.01, "base_backoff": 0.01, "max_backoff": 0.05,
            "heartbeat_interval": 3600.0, "backend_public_key": KEYS.public_key,
        }
        values.update(overrides)
        return AgentSettings(**values)

    def agent(self, url: str, token: str, **overrides: Any) -> SyncAgent:
        return SyncAgent(self.db, self.settings(url, token, **overrides))


def make_kiosk(directory: Path, kiosk_id: str, prefix: str = "1") -> Kiosk:
    path = directory / f"{kiosk_id}.sqlite3"
    db = open_database(path)
    seed_directory(db)
    import_catalog(db, catalog_bytes(SMALL_CATALOG))
    outbox = Outbox(db, kiosk_id=kiosk_id, queue_prefix=prefix,
                    sealer=SealedBoxSealer(KEYS.public_key))
    return Kiosk(kiosk_id, path, db, outbox)


@pytest.fixture
def kiosks(tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """Make kiosks with their own databases (closed at the end)."""
    made: list[Kiosk] = []

    def make(kiosk_id: str, prefix: str = "1") -> Kiosk:
        kiosk = make_kiosk(tmp_path, kiosk_id, prefix)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.db.close()


# The back office's browser-test fixtures (seeded, server, shots), shared by its test modules;
# imported last, as that module builds on the fixtures above.
from tests.sync.back_office_pages import seeded, server, shots  # noqa: E402, F401
