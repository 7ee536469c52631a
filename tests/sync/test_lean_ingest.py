"""The usual submission batch is answered by the lean path (office/lean_ingest.py) exactly as
the route answers it, on SQLite and PostgreSQL: the same bytes for accepted, rejected and
conflicting items, the same 429 and 503; anything unusual still reaches the route (the
refusals themselves are pinned in test_backend_api.py). On PostgreSQL its INSERT goes on an
async connection, without a thread, and a connection the database dropped is a 503 once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx2 import Response

from office import lean_ingest
from office.app import create_app
from office.async_postgres import AsyncPostgres
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import Backend, Kiosk, make_backend
from tests.sync.helpers import fill

BATCH = wire.Endpoint.SUBMISSIONS_BATCH.value
#: A JSON body the lean path leaves to the route (FastAPI reads it as JSON all the same).
ROUTE_ONLY = "application/json; charset=utf-8"


@pytest.fixture
def api(backend: Backend) -> TestClient:
    return TestClient(create_app(backend.store, rate_limit="10000/second"))


@pytest.fixture
def k1(kiosks: Any) -> Kiosk:
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 3)
    return kiosk


@pytest.fixture
def lean_stores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each batch the lean path stored (through the store's work) held."""
    stored: list[int] = []
    real = lean_ingest.LeanIngest._ingest

    async def spy(self: lean_ingest.LeanIngest, store: Any, batch: wire.SubmissionBatch
                  ) -> wire.BatchResult:
        stored.append(len(batch.submissions))
        return await real(self, store, batch)

    monkeypatch.setattr(lean_ingest.LeanIngest, "_ingest", spy)
    return stored


@pytest.fixture
def in_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the calls the lean path handed to a thread."""
    called: list[str] = []
    real = lean_ingest.run_in_threadpool

    async def spy(function: Callable[..., Any], *args: Any) -> Any:
        called.append(getattr(function, "__name__", ""))
        return await real(function, *args)

    monkeypatch.setattr(lean_ingest, "run_in_threadpool", spy)
    return called


@pytest.fixture
def postgresql(request: pytest.FixtureRequest, tmp_path: Any) -> Backend:
    return make_backend("postgresql", tmp_path, request)


def items_of(kiosk: Kiosk) -> list[dict[str, Any]]:
    return [json.loads(to_wire(d).model_dump_json()) for d in kiosk.outbox.pending_deliveries(3)]


def post(api: TestClient, token: str, submissions: list[dict[str, Any]],
         content_type: str = "application/json") -> Response:
    return api.post(BATCH, content=json.dumps({"submissions": submissions}).encode(),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


def answer(response: Response) -> tuple[int, str, bytes]:
    return response.status_code, response.headers["content-type"], response.content


def test_accepted_rejected_and_conflicting_items_get_the_routes_very_answer(
    api: TestClient, backend: Backend, k1: Kiosk, lean_stores: list[int],
) -> None:
    token = backend.token("K1")
    first, second, third = items_of(k1)
    misfit = {**third, "details": {"level": "nope"}}
    # GIVEN a batch with an item that does not fit its kind, answered by the route
    by_route = post(api, token, [first, misfit], ROUTE_ONLY)
    assert lean_stores == []
    # WHEN the lean path answers the same batch again
    by_lean = post(api, token, [first, misfit])
    # THEN it stored through the store as the route did, and answered the same bytes
    assert lean_stores == [1]
    assert answer(by_lean) == answer(by_route)
    assert [r["outcome"] for r in by_lean.json()["results"]] == ["accepted", "rejected"]
    # AND a new body for a stored UUID is the same conflict whichever answers it
    changed = {**first, "created_at": "2026-12-07T09:00:01+07:00"}
    lean_conflict = post(api, token, [changed, second])
    route_conflict = post(api, token, [changed, second], ROUTE_ONLY)
    assert answer(lean_conflict) == answer(route_conflict)
    assert [r["outcome"] for r in lean_conflict.json()["results"]] == ["conflict", "accepted"]
    assert backend.counts()["submissions"] == 2


def test_over_the_limit_the_lean_path_answers_the_routes_429(
    backend: Backend, k1: Kiosk, lean_stores: list[int],
) -> None:
    api = TestClient(create_app(backend.store, rate_limit="2/minute"))
    token = backend.token("K1")
    first, second, _ = items_of(k1)
    assert [post(api, token, [item]).status_code for item in (first, second)] == [200, 200]
    by_lean = post(api, token, [first])
    by_route = post(api, token, [first], ROUTE_ONLY)
    assert answer(by_lean) == answer(by_route)
    assert by_lean.status_code == 429
    assert by_lean.json() == {"detail": "over the rate limit of 2/minute"}
    assert 1 <= int(by_lean.headers["Retry-After"]) <= 60
    assert lean_stores == [1, 1]


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(
    api: TestClient, backend: Backend, k1: Kiosk, monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = backend.token("K1")
    first, _, _ = items_of(k1)

    def unreachable(batch: wire.SubmissionBatch) -> wire.BatchResult:
        raise sa.exc.OperationalError("INSERT", {}, ConnectionError("server closed"))

    async def unreachable_async(self: AsyncPostgres, sql: str, parameters: Any) -> list[Any]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    # The route stores through the store's call; the lean path, on PostgreSQL, sends the
    # store's statement on its own async connection.
    monkeypatch.setattr(backend.store, "ingest", unreachable)
    monkeypatch.setattr(AsyncPostgres, "column", unreachable_async)
    by_lean = post(api, token, [first])
    by_route = post(api, token, [first], ROUTE_ONLY)
    assert answer(by_lean) == answer(by_route)
    assert (by_lean.status_code, by_lean.headers["Retry-After"]) == (503, "5")
    assert by_lean.json() == {"detail": "storage unavailable; retry later"}


def test_on_postgresql_a_new_batch_is_stored_without_a_thread_and_replays_read_in_one(
    postgresql: Backend, kiosks: Any, in_threads: list[str],
) -> None:
    api = TestClient(create_app(postgresql.store, rate_limit="10000/second"))
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 3)
    token = postgresql.token("K1")
    first, second, _ = items_of(kiosk)
    # GIVEN a batch of new submissions: stored by the async INSERT alone
    assert [r["outcome"] for r in post(api, token, [first]).json()["results"]] == ["accepted"]
    assert "ingest" not in in_threads
    assert "settle_postgresql" not in in_threads
    # WHEN a batch replays a stored item beside a new one
    replay = post(api, token, [first, second])
    # THEN the stored item's digest is read in a thread, as the store reads it
    assert [r["outcome"] for r in replay.json()["results"]] == ["accepted", "accepted"]
    assert in_threads.count("settle_postgresql") == 1
    assert postgresql.counts()["submissions"] == 2


def test_a_connection_the_database_dropped_is_a_503_once_then_a_fresh_one_stores(
    postgresql: Backend, kiosks: Any,
) -> None:
    api = TestClient(create_app(postgresql.store, rate_limit="10000/second"))
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 3)
    token = postgresql.token("K1")
    first, second, third = items_of(kiosk)
    with api:  # one event loop for all requests: the lean path's connection is kept
        assert post(api, token, [first]).status_code == 200
        # GIVEN the database ends every other session (as when it restarts)
        with psycopg.connect(postgresql.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        # WHEN the next batch comes: its kept connection is dead: 503, as the route says
        dropped = post(api, token, [second])
        assert (dropped.status_code, dropped.headers["Retry-After"]) == (503, "5")
        # THEN the one after it is stored on a fresh connection
        again = post(api, token, [second, third])
        assert [r["outcome"] for r in again.json()["results"]] == ["accepted", "accepted"]
    # (counted on a connection of its own: the engine's pooled ones were ended too)
    with psycopg.connect(postgresql.url) as reader:
        assert reader.execute("SELECT count(*) FROM submissions").fetchone() == (3,)


def test_the_async_connections_close_when_the_server_shuts_down(
    postgresql: Backend, kiosks: Any,
) -> None:
    api = TestClient(create_app(postgresql.store, rate_limit="10000/second"))
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 1)
    token = postgresql.token("K1")
    (first,) = items_of(kiosk)[:1]
    opened: list[psycopg.AsyncConnection[Any]] = []
    connect = psycopg.AsyncConnection.connect

    async def recording(*args: Any, **kwargs: Any) -> psycopg.AsyncConnection[Any]:
        connection = await connect(*args, **kwargs)
        opened.append(connection)
        return connection

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.AsyncConnection, "connect", recording)
        with api:
            assert post(api, token, [first]).status_code == 200
            assert [connection.closed for connection in opened] == [False]
    assert [connection.closed for connection in opened] == [True]
