"""The API's rate limit holds across worker processes: they add each other's counts up
through the database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from office.app import create_app
from office.shared_ratelimit import SharedRateLimiter
from office.store import Store
from sync import wire
from tests.sync.conftest import KEYS, Backend

STATUSES = wire.Endpoint.KIOSK_APPLICATION_STATUSES.value


def _workers(backend: Backend, limit: str, clock: list[float]) -> list[SharedRateLimiter]:
    return [SharedRateLimiter(limit, backend.store.engine, wall_clock=lambda: 1_000_040.0,
                              monotonic=lambda: clock[0]) for _ in range(2)]


def test_two_workers_share_one_limit_once_they_have_synced(backend: Backend) -> None:
    # GIVEN two workers limiting K1 to 4 requests a minute, and K1 sending 2 to the first
    clock = [0.0]
    first, second = _workers(backend, "4/minute", clock)
    assert [first.retry_after("K1"), first.retry_after("K1")] == [None, None]
    # WHEN both exchange their counts (every 0.25 s)
    clock[0] = 0.25
    first.sync()
    second.sync()
    # THEN the second worker lets 2 more in, not 4, and tells it to wait till the minute ends
    answers = [second.retry_after("K1") for _ in range(3)]
    assert answers == [None, None, 40]
    # AND the first worker, at its next exchange, refuses K1 too; another client is let in
    clock[0] = 0.5
    second.sync()
    first.sync()
    assert first.retry_after("K1") == 40
    assert first.retry_after("K2") is None


def test_each_worker_alone_would_have_let_twice_the_limit_in(backend: Backend) -> None:
    # (What the shared counts prevent: without an exchange each worker counts alone.)
    clock = [0.0]
    first, second = _workers(backend, "4/minute", clock)
    admitted = [worker.retry_after("K1") for worker in (first, second) for _ in range(4)]
    assert admitted == [None] * 8


def test_a_new_window_starts_from_zero_and_old_counts_are_dropped(backend: Backend) -> None:
    clock = [0.0]
    wall = [1_000_040.0]
    worker = SharedRateLimiter("2/minute", backend.store.engine, wall_clock=lambda: wall[0],
                               monotonic=lambda: clock[0])
    assert [worker.retry_after("K1") for _ in range(3)] == [None, None, 40]
    clock[0] = 1.0
    worker.sync()
    wall[0] += 120  # two windows later
    assert worker.retry_after("K1") is None
    clock[0] = 2.0
    worker.sync()
    with backend.store.engine.connect() as connection:
        windows = connection.exec_driver_sql(
            'SELECT DISTINCT "window" FROM rate_counts').scalars().all()
    assert windows == [int(wall[0] // 60)]


def test_the_api_of_two_workers_answers_429_at_the_shared_limit(backend: Backend) -> None:
    # GIVEN two workers' APIs over one database, limiting each client to 3 a minute
    apps = [create_app(Store(backend.store.engine, KEYS), rate_limit="3/minute")
            for _ in range(2)]
    clients = [TestClient(app) for app in apps]
    token = {"Authorization": f"Bearer {backend.token('K1')}"}
    # WHEN K1 makes 2 requests through the first, and the workers exchange counts
    assert [clients[0].get(STATUSES, headers=token).status_code for _ in range(2)] == [200] * 2
    for app in apps:
        app.state.limiter._next_sync = float("-inf")
        app.state.limiter.sync()
    # THEN the second lets one more in, then answers 429 with Retry-After
    second = [clients[1].get(STATUSES, headers=token) for _ in range(2)]
    assert [answer.status_code for answer in second] == [200, 429]
    assert 1 <= int(second[1].headers["Retry-After"]) <= 60
