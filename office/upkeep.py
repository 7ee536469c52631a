"""Each worker's background upkeep: the database exchanges its memory needs, done ahead of time.

A worker keeps three things in memory that it must renew from the database every so often:
the rate-limit counts it shares with the other workers
(:class:`office.shared_ratelimit.SharedRateLimiter`, every 0.25 s), what changed for kiosks
(:class:`office.store.changes.ChangeHeads`, 2 s) and the tokens revoked meanwhile
(:class:`office.store.credentials.Credentials`, 2 s). Each request that found one of them
due used to do it first, through FastAPI's route and a thread: with a country's kiosks
polling, five times a second per worker, and every poll arriving while the read was under
way took that slow path too. :class:`Upkeep` renews each one in a thread of its own task a
little before it falls due (:data:`LEAD_SHARE` of its period), so a request never finds
it due while the upkeep keeps up. When it does not (not started, a database error, a
renewal slower than the lead) the request path still does the work itself when due, exactly
as before: the promises (the limit's slack, "a change shows within 2 s", "a revoked token
stops working within 2 s") hold either way.

A renewal that fails is logged (the first of a run of failures, then once a minute while
they last, and the recovery) and tried again after its period; it never ends the task.
A worker that has had no request for :data:`IDLE_SECONDS` stops renewing until the next
one (its first request renews what is due itself), so an idle server does not query its
database several times a second.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Protocol

from office.async_postgres import AsyncPostgres
from office.database import is_postgresql
from office.shared_ratelimit import SharedRateLimiter
from office.store import Store

log = logging.getLogger("office.upkeep")

#: The rate-limit exchange's name in the log.
EXCHANGE = "rate-limit exchange"

#: How far ahead of its due time a part is renewed, as a share of its period: room for the
#: thread hand-off and a busy event loop, at the price of renewing 10 % more often.
LEAD_SHARE = 0.1
#: Seconds without any request after which the upkeep pauses.
IDLE_SECONDS = 10.0
#: Seconds between two warnings about a part that keeps failing.
WARN_EVERY_SECONDS = 60.0

class Renewable(Protocol):
    """Something a worker keeps in memory and renews from the database."""

    @property
    def renew_seconds(self) -> float:
        """Seconds between two renewals."""

    @property
    def due_at(self) -> float:
        """When (monotonic) it is due: a request coming later renews it itself first."""

    def renew(self) -> None:
        """Renew it now (blocking: it reads or writes the database)."""


async def _to_thread(call: Callable[[], None]) -> None:
    await asyncio.to_thread(call)


class Upkeep:
    """Renews ``parts`` (named for the log) ahead of time, one task each, while requests
    come (``activity`` counts them)."""

    def __init__(self, parts: Mapping[str, Renewable], *, activity: Callable[[], int],
                 on_loop: Mapping[str, Callable[[], Awaitable[None]]] | None = None,
                 on_stop: Callable[[], Awaitable[None]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 in_thread: Callable[[Callable[[], None]], Awaitable[None]] = _to_thread
                 ) -> None:
        self.parts = dict(parts)
        #: Renewals done on the event loop rather than by ``renew`` in a thread, by name.
        self._on_loop = dict(on_loop or {})
        #: Called when the upkeep stops (closing its connections).
        self._on_stop = on_stop
        self._activity = activity
        self._monotonic = monotonic
        self._sleep = sleep
        #: Runs a blocking call off the event loop (``asyncio.to_thread``; tests inline).
        self._in_thread = in_thread
        self._seen = activity()
        self._active_at = monotonic()
        self._retry_at: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._warned_at: dict[str, float] = {}

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The upkeep running on this event loop for the ``with`` block (the app's
        lifespan: each worker process runs its own)."""
        task = asyncio.get_running_loop().create_task(self.run())
        task.add_done_callback(_report_end)
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):  # (an error: logged already)
                await task
            if self._on_stop is not None:
                await self._on_stop()

    async def run(self) -> None:
        """Keep every part renewed until cancelled."""
        await asyncio.gather(*(self._keep(name) for name in self.parts))

    async def _keep(self, name: str) -> None:
        while True:
            await self._sleep(await self.round(name))

    def idle(self) -> bool:
        """Whether no request has come for :data:`IDLE_SECONDS`."""
        now, seen = self._monotonic(), self._activity()
        if seen != self._seen:
            self._seen, self._active_at = seen, now
        return now - self._active_at >= IDLE_SECONDS

    async def round(self, name: str) -> float:
        """Renew part ``name`` if its time has come; the seconds until its next round."""
        part = self.parts[name]
        lead = part.renew_seconds * LEAD_SHARE
        now = self._monotonic()
        if self.idle():
            return part.renew_seconds
        if now < self._retry_at.get(name, now) or now < part.due_at - lead:
            return max(self._retry_at.get(name, now), part.due_at - lead) - now
        on_loop = self._on_loop.get(name)
        try:
            await (on_loop() if on_loop is not None else self._in_thread(part.renew))
        except Exception as error:  # noqa: BLE001 - logged, tried again: never ends the task
            self._failed(name, part, error)
            return part.renew_seconds
        self._recovered(name)
        # At least the lead: a renewal that found another thread at it leaves due_at as
        # it was, and must not be asked again at once.
        return max(lead, part.due_at - lead - self._monotonic())

    def _failed(self, name: str, part: Renewable, error: Exception) -> None:
        now = self._monotonic()
        self._retry_at[name] = now + part.renew_seconds
        failures = self._failures[name] = self._failures.get(name, 0) + 1
        if failures == 1 or now - self._warned_at[name] >= WARN_EVERY_SECONDS:
            self._warned_at[name] = now
            # The first line only: SQLAlchemy's message goes on with the statement.
            first = str(error).strip().split("\n", 1)[0][:200]
            log.warning("background %s failed (%d time(s) in a row): %s: %s; tried again "
                        "every %.2f s, and requests do it themselves meanwhile", name,
                        failures, type(error).__name__, first, part.renew_seconds)

    def _recovered(self, name: str) -> None:
        self._retry_at.pop(name, None)
        failures = self._failures.pop(name, 0)
        if failures:
            log.info("background %s works again after %d failure(s)", name, failures)


def _report_end(task: asyncio.Task[None]) -> None:
    """Logs an upkeep that ended otherwise than by being stopped (a bug: every renewal's
    error is caught), so a worker left renewing on the request path is not silent."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background upkeep stopped: %r; requests renew what is due themselves",
                  task.exception())


def worker_upkeep(limiter: SharedRateLimiter, store: Store, *,
                  monotonic: Callable[[], float] = time.monotonic) -> Upkeep:
    """A worker's upkeep of ``limiter`` and ``store``'s memories. On PostgreSQL the
    exchange, the most frequent, is one statement on an async connection of its own (no
    thread hand-off: :meth:`SharedRateLimiter.renew_on`); the reads go to a thread."""
    on_loop: dict[str, Callable[[], Awaitable[None]]] = {}
    on_stop = None
    if is_postgresql(store.engine):
        postgres = AsyncPostgres(store.engine.url, size=1, pool="upkeep")
        on_loop[EXCHANGE] = functools.partial(limiter.renew_on, postgres)
        on_stop = postgres.close
    return Upkeep({EXCHANGE: limiter, "read of what changed": store.changes,
                   "look for revoked tokens": store.credentials},
                  activity=lambda: limiter.counted, on_loop=on_loop, on_stop=on_stop,
                  monotonic=monotonic)
