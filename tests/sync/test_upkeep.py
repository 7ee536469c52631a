"""Each worker's background upkeep (office/upkeep.py): the rate-limit exchange, the read of
what changed and the look for revoked tokens are done ahead of time, so an unchanged poll
never waits for them, and the limits and freshness promised still hold."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from office.app import create_app
from office.async_postgres import AsyncPostgres
from office.database import open_engine
from office.shared_ratelimit import SharedRateLimiter
from office.store import Store
from office.store.changes import ChangeHeads
from office.store.credentials import Credentials
from office.upkeep import IDLE_SECONDS, Renewable, Upkeep, worker_upkeep
from sync import wire
from tests.own_loop import run_async
from tests.postgres_cluster import free_port
from tests.sync.conftest import KEYS, Backend

CHANGES = wire.Endpoint.KIOSK_CHANGES.value
WALL = 1_000_040.0  # 40 s into a minute: no window ends during a test


class FakePart:
    """A renewable part that records its renewals (clock times) and can be made to fail."""

    def __init__(self, clock: list[float], every: float) -> None:
        self.clock = clock
        self.renew_seconds = every
        self.due_at = clock[0]
        self.renewals: list[float] = []
        self.failing: Exception | None = None
        self.renewed = threading.Event()

    def renew(self) -> None:
        if self.failing is not None:
            raise self.failing
        self.renewals.append(self.clock[0])
        self.due_at = self.clock[0] + self.renew_seconds
        self.renewed.set()


async def _inline(call: Callable[[], None]) -> None:
    call()


def _upkeep(parts: dict[str, Renewable], clock: list[float],
            activity: Callable[[], int] = lambda: 0) -> Upkeep:
    return Upkeep(parts, activity=activity, monotonic=lambda: clock[0], in_thread=_inline)


class Driver:
    """Runs upkeeps' rounds as their tasks would, on a fake clock."""

    def __init__(self, clock: list[float], *upkeeps: Upkeep, tick: float = 0.01) -> None:
        self.clock = clock
        self.tick = tick
        self.wake = {(upkeep, name): clock[0] for upkeep in upkeeps for name in upkeep.parts}

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` in ticks, running every round due."""
        end = self.clock[0] + seconds
        while self.clock[0] < end - 1e-9:
            self.clock[0] = round(self.clock[0] + self.tick, 6)
            for (upkeep, name), wake in self.wake.items():
                if wake <= self.clock[0] + 1e-6:  # (float sums of periods)
                    self.wake[upkeep, name] = self.clock[0] + run_async(upkeep.round(name))


def _worker(backend: Backend, clock: list[float], rate_limit: str) -> tuple[TestClient, Upkeep]:
    """One worker's API over ``backend``'s database, its parts on ``clock``, and its upkeep."""
    store = Store(backend.store.engine, KEYS)
    store.changes = ChangeHeads(store.engine, monotonic=lambda: clock[0])
    store.credentials = Credentials(store.engine, monotonic=lambda: clock[0])
    app = create_app(store, rate_limit=rate_limit)
    limiter = SharedRateLimiter(rate_limit, store.engine, wall_clock=lambda: WALL,
                                monotonic=lambda: clock[0])
    app.state.limiter = limiter
    return TestClient(app), worker_upkeep(limiter, store, monotonic=lambda: clock[0])


def _request_path_renewals(client: TestClient) -> list[str]:
    """What requests of ``client``'s app renew themselves from now on (the fallbacks)."""
    called: list[str] = []
    state: Any = client.app.state  # type: ignore[attr-defined]
    limiter, store = state.limiter, state.store
    for name, part, method in (("exchange", limiter, "sync"), ("read", store.changes, "refresh"),
                               ("revocations", store.credentials, "forget_revoked")):
        original = getattr(part, method)

        def record(name: str = name, original: Callable[[], None] = original) -> None:
            called.append(name)
            original()

        setattr(part, method, record)
    return called


def _auth(token: str, etag: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if etag is not None:
        headers["If-None-Match"] = etag
    return headers


def test_unchanged_polls_never_wait_for_an_exchange_while_the_upkeep_keeps_up(
    backend: Backend,
) -> None:
    # GIVEN a worker whose upkeep runs, and a kiosk that polled once
    clock = [100.0]
    api, upkeep = _worker(backend, clock, "1000/second")
    driver = Driver(clock, upkeep)
    token = backend.token("K1")
    driver.advance(0.01)
    etag = api.get(CHANGES, headers=_auth(token)).headers["ETag"]
    by_requests = _request_path_renewals(api)
    exchanges = len(_exchanges(backend))
    # WHEN it polls ten times a second for 5 s (past every part's period)
    codes = set()
    for _ in range(50):
        driver.advance(0.1)
        codes.add(api.get(CHANGES, headers=_auth(token, etag)).status_code)
    # THEN every poll was answered "nothing changed" and none renewed anything itself,
    # while the upkeep exchanged the counts (written to the shared table)
    driver.advance(0.25)
    assert codes == {304}
    assert by_requests == []
    assert exchanges == 0
    assert _exchanges(backend) == {("K1", 51)}


def _exchanges(backend: Backend) -> set[tuple[str, int]]:
    """The counts the workers have written (client, hits)."""
    with backend.store.engine.connect() as connection:
        return {(str(client), int(hits)) for client, hits in connection.execute(
            sa.text("SELECT client_id, hits FROM rate_counts"))}


def test_two_workers_hold_one_limit_through_their_upkeeps_alone(backend: Backend) -> None:
    # GIVEN two workers limiting each client to 3 requests a minute, their upkeeps running
    clock = [100.0]
    (first, first_upkeep), (second, second_upkeep) = (
        _worker(backend, clock, "3/minute") for _ in range(2))
    driver = Driver(clock, first_upkeep, second_upkeep)
    driver.advance(0.01)
    token = backend.token("K1")
    by_requests = _request_path_renewals(first) + _request_path_renewals(second)
    # WHEN K1 polls twice through the first, and a quarter of a second passes
    etag = first.get(CHANGES, headers=_auth(token)).headers["ETag"]
    assert first.get(CHANGES, headers=_auth(token, etag)).status_code == 304
    driver.advance(0.25)
    # THEN the second lets one more in, then answers 429 with Retry-After
    answers = [second.get(CHANGES, headers=_auth(token, etag)) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [304, 429]
    assert answers[1].headers["Retry-After"] == "40"
    # AND so does the first once both have exchanged again; no request exchanged anything
    driver.advance(0.5)
    assert first.get(CHANGES, headers=_auth(token, etag)).status_code == 429
    assert by_requests == []


def test_a_failing_renewal_is_logged_tried_again_and_the_other_parts_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN an exchange every 0.25 s that fails (the database is down), and a read every 2 s
    clock = [100.0]
    exchange, read = FakePart(clock, 0.25), FakePart(clock, 2.0)
    exchange.failing = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    activity = iter(range(1_000_000))
    upkeep = _upkeep({"exchange": exchange, "read": read}, clock, lambda: next(activity))
    driver = Driver(clock, upkeep)
    # WHEN 5 s pass
    with caplog.at_level(logging.INFO, logger="office.upkeep"):
        driver.advance(5.0)
        failed = [record.getMessage() for record in caplog.records]
        # AND the database comes back
        exchange.failing = None
        driver.advance(0.5)
    # THEN the failure was logged once (not at each of its 20 tries), the read went on
    # every 1.8 s, and the exchange works again at its next try, which is logged too
    assert len(failed) == 1
    assert failed[0].startswith("background exchange failed (1 time(s) in a row): "
                                "OperationalError: (builtins.Exception) connection refused;")
    assert read.renewals == pytest.approx([100.01, 101.81, 103.61, 105.41], abs=0.011)
    assert exchange.renewals[0] == pytest.approx(105.01, abs=0.011)
    assert caplog.records[-1].getMessage() == "background exchange works again after 20 failure(s)"


def test_a_part_still_failing_a_minute_later_is_logged_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = [100.0]
    exchange = FakePart(clock, 0.25)
    exchange.failing = OSError("disk I/O error")
    activity = iter(range(1_000_000))
    # (ticks of 1/64 s: the tries' times add up exactly)
    driver = Driver(clock, _upkeep({"exchange": exchange}, clock, lambda: next(activity)),
                    tick=1 / 64)
    with caplog.at_level(logging.WARNING, logger="office.upkeep"):
        driver.advance(61.0)
    # (240 tries in the first minute: one every 0.25 s)
    assert [record.getMessage().split(" time(s)")[0] for record in caplog.records] == [
        "background exchange failed (1", "background exchange failed (241"]


def test_an_idle_worker_pauses_its_upkeep_until_requests_come_again() -> None:
    # GIVEN a worker whose last request was at the start
    clock = [100.0]
    requests = [1]
    exchange = FakePart(clock, 0.25)
    driver = Driver(clock, _upkeep({"exchange": exchange}, clock, lambda: requests[0]))
    # WHEN 20 s pass without any request
    driver.advance(20.0)
    # THEN it exchanged during the first 10 s only
    assert max(exchange.renewals) < 100.0 + IDLE_SECONDS
    before = len(exchange.renewals)
    # WHEN a request comes
    requests[0] += 1
    driver.advance(1.0)
    # THEN it exchanges again, ahead of time (every 0.225 s, at most one round late)
    assert len(exchange.renewals) - before in {4, 5}


def test_the_upkeep_runs_while_the_app_serves(backend: Backend) -> None:
    # GIVEN an app whose upkeep renews a part that is due
    app = create_app(backend.store)
    clock = [100.0]
    part = FakePart(clock, 0.25)
    app.state.upkeep = _upkeep({"part": part}, clock, lambda: 1)
    # WHEN the app starts serving (its lifespan)
    with TestClient(app):
        # THEN the part is renewed without any request
        assert part.renewed.wait(timeout=30)
    assert part.renewals == [100.0]


def test_the_exchange_on_the_event_loop_is_the_threads_exchange(postgres: Any) -> None:
    # GIVEN two workers on PostgreSQL, the first exchanging in one statement from the event
    # loop (the upkeep's way), the second through the engine (a request's way)
    engine = open_engine(postgres.new_database())
    loop = AsyncPostgres(engine.url, size=1)
    wall = [WALL]
    first, second = (SharedRateLimiter("4/minute", engine, wall_clock=lambda: wall[0])
                     for _ in range(2))
    # WHEN K1 is counted twice by the first, K2 once by the second, and both exchange
    assert [first.retry_after("K1"), first.retry_after("K1"), second.retry_after("K2")] == [
        None, None, None]

    async def exchange() -> None:
        await first.renew_on(loop)
        second.renew()
        await first.renew_on(loop)
        await loop.close()

    run_async(exchange())
    # THEN each sees the other's counts: the second lets K1 in twice more, the first K2 thrice
    assert [second.retry_after("K1") for _ in range(3)] == [None, None, 40]
    assert [first.retry_after("K2") for _ in range(4)] == [None, None, None, 40]
    # AND two windows later the first's exchange sweeps the old counts
    wall[0] += 120
    first.retry_after("K3")
    run_async(_renew_on(first, loop))
    with engine.connect() as connection:
        left = connection.execute(sa.text(
            'SELECT DISTINCT "window" FROM rate_counts')).scalars().all()
    assert left == [int(wall[0] // 60)]
    engine.dispose()


async def _renew_on(limiter: SharedRateLimiter, loop: AsyncPostgres) -> None:
    await limiter.renew_on(loop)
    await loop.close()


def test_counts_an_exchange_could_not_write_are_written_by_the_next(postgres: Any) -> None:
    # GIVEN a worker that counted K1 twice, and a database that cannot be reached
    engine = open_engine(postgres.new_database())
    first, second = (SharedRateLimiter("3/minute", engine, wall_clock=lambda: WALL)
                     for _ in range(2))
    first.retry_after("K1")
    first.retry_after("K1")
    unreachable = AsyncPostgres(engine.url.set(port=free_port()), size=1)
    # WHEN its exchange fails, and the next one (with no new request) succeeds
    with pytest.raises(psycopg.OperationalError):
        run_async(first.renew_on(unreachable))
    run_async(_renew_on(first, AsyncPostgres(engine.url, size=1)))
    second.renew()
    # THEN the other worker knows both requests
    assert [second.retry_after("K1") for _ in range(2)] == [None, 40]
    engine.dispose()


def test_an_upkeep_that_ends_by_a_bug_says_so(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an upkeep whose own code fails (here its activity count)
    clock = [100.0]

    def broken() -> int:
        raise RuntimeError("a bug")

    upkeep = Upkeep({"part": FakePart(clock, 0.25)}, activity=lambda: 0,
                    monotonic=lambda: clock[0], in_thread=_inline)
    upkeep._activity = broken

    async def serve_a_while() -> None:
        async with upkeep.running():
            for _ in range(10):  # (a few turns of the loop: the task runs and ends)
                await asyncio.sleep(0)

    # WHEN it runs: THEN its end is logged as an error, not left silent
    with caplog.at_level(logging.ERROR, logger="office.upkeep"):
        run_async(serve_a_while())
    assert [record.getMessage() for record in caplog.records] == [
        "background upkeep stopped: RuntimeError('a bug'); requests renew what is due "
        "themselves"]
