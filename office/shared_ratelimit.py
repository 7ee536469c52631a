"""The API's rate limit per client, shared by every worker process through the database.

Each worker counts its own requests per client in memory, in fixed windows of the limit's
period (``50/second``: one-second windows), and every :data:`SYNC_SECONDS` it writes
its counts of the current window (one row per client and worker in ``rate_counts``,
UNLOGGED on PostgreSQL) and reads the others' sums: in the background, a little ahead of
time (:mod:`office.upkeep`), so no request waits for it; a request finding the exchange
overdue (no upkeep running, or it failed) does it first, in a thread. A client is refused
(429) when its count in all workers together reaches the limit, so N workers no longer
multiply it by N; what the workers admit between two syncs of each other is the only
slack (at most the requests one client gets within :data:`SYNC_SECONDS`).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import limits
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from office import schema
from office.async_postgres import AsyncPostgres
from office.database import is_postgresql, read_snapshot, write_transaction
from office.ratelimit import RateLimitError

#: Seconds between two exchanges of counts with the other workers, per worker.
SYNC_SECONDS = 0.25


#: This worker's counts in ONE statement, a array per column: a statement per client
#: (executemany) cost a worker about 2.4 ms of CPU per exchange with 55 clients, four
#: exchanges a second: a sixth of its CPU when 6,642 kiosks poll every 30 s.
_UPSERT_POSTGRESQL = sa.text("""
    INSERT INTO rate_counts ("window", client_id, worker, hits)
    SELECT :window, item.client_id, :worker, item.hits
    FROM unnest(CAST(:client_ids AS text[]), CAST(:hits AS integer[]))
         AS item(client_id, hits)
    ON CONFLICT ("window", client_id, worker) DO UPDATE SET hits = excluded.hits""")


#: The whole exchange in one statement, for the event loop's async connection: this
#: worker's counts written, windows before the previous one swept (once per window), the
#: others' sums read. The read sees the table as it was before the statement (one
#: snapshot), which leaves out only this worker's own rows and the swept ones.
EXCHANGE_POSTGRESQL = """
    WITH written AS (
        INSERT INTO rate_counts ("window", client_id, worker, hits)
        SELECT %(window)s, item.client_id, %(worker)s, item.hits
        FROM unnest(CAST(%(client_ids)s AS text[]), CAST(%(hits)s AS integer[]))
             AS item(client_id, hits)
        ON CONFLICT ("window", client_id, worker) DO UPDATE SET hits = excluded.hits
        RETURNING 1
    ), swept AS (
        DELETE FROM rate_counts WHERE %(sweep)s AND "window" < CAST(%(window)s AS bigint) - 1
        RETURNING 1
    )
    SELECT client_id, sum(hits) FROM rate_counts
    WHERE "window" = CAST(%(window)s AS bigint) AND worker <> %(worker)s
    GROUP BY client_id"""


@dataclass
class _Exchange:
    """One exchange's part of this worker's state, taken when it starts."""

    window: int
    #: This worker's counts changed since the previous exchange, by client.
    hits: dict[str, int]
    #: Whether it sweeps the windows before the previous one.
    sweep: bool


class SharedRateLimiter:
    """Counts requests per client key against one limit such as ``"50/second"``, together
    with the other workers on the same database."""

    def __init__(self, limit: str, engine: Engine, *,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 sync_seconds: float = SYNC_SECONDS) -> None:
        try:
            item = limits.parse(limit)
        except ValueError as error:
            raise RateLimitError(f"rate limit {limit!r}: {error}") from None
        self.limit = limit
        self.amount = item.amount
        self.period = float(item.get_expiry())
        self.engine = engine
        self.worker = uuid.uuid4().hex
        self._wall_clock = wall_clock
        self._monotonic = monotonic
        self.sync_seconds = sync_seconds
        self._window = self._current_window()
        self._mine: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._others: dict[str, int] = {}
        self._swept: int | None = None
        self._next_sync = monotonic() + sync_seconds
        self._syncing = threading.Lock()
        #: Requests counted since the start (the background upkeep's sign of activity).
        self.counted = 0

    def _current_window(self) -> int:
        return int(self._wall_clock() // self.period)

    def _roll(self) -> None:
        window = self._current_window()
        if window != self._window:
            self._window, self._mine, self._dirty, self._others = window, {}, set(), {}

    def retry_after(self, key: str) -> int | None:
        """Count one request for ``key``: None if allowed, else seconds to wait (>= 1).

        Never blocks: the exchange with the other workers is :meth:`sync`."""
        self.counted += 1
        self._roll()
        mine = self._mine.get(key, 0)
        if mine + self._others.get(key, 0) >= self.amount:
            end = (self._window + 1) * self.period
            return max(1, math.ceil(end - self._wall_clock()))
        self._mine[key] = mine + 1
        self._dirty.add(key)
        return None

    def sync_due(self) -> bool:
        """Whether :meth:`sync` should run now (in a thread: it writes the database)."""
        return self._monotonic() >= self._next_sync

    @property
    def renew_seconds(self) -> float:
        """Seconds between two exchanges (:data:`SYNC_SECONDS`)."""
        return self.sync_seconds

    @property
    def due_at(self) -> float:
        """When (monotonic) the next exchange is due: a request coming later does it first."""
        return self._next_sync

    def sync(self) -> None:
        """The exchange (:meth:`renew`) if it is due: the request path's fallback when the
        worker's background upkeep (:mod:`office.upkeep`) has not done it in time."""
        if self.sync_due():
            self.renew()

    def renew(self) -> None:
        """Write this worker's counts of the current window, read the others', now; one
        thread does it while the others go on counting."""
        if not self._syncing.acquire(blocking=False):
            return
        try:
            exchange = self._begin()
            try:
                others = self._exchange(exchange)
            except BaseException:
                self._failed(exchange)
                raise
            self._end(exchange, others)
        finally:
            self._syncing.release()

    async def renew_on(self, postgres: AsyncPostgres) -> None:
        """:meth:`renew` on PostgreSQL in one statement sent from the event loop (the
        upkeep's way): no thread hand-off, one round trip instead of two transactions."""
        if not self._syncing.acquire(blocking=False):
            return
        try:
            exchange = self._begin()
            try:
                rows = await postgres.rows(EXCHANGE_POSTGRESQL, {
                    "window": exchange.window, "worker": self.worker,
                    "client_ids": list(exchange.hits), "hits": list(exchange.hits.values()),
                    "sweep": exchange.sweep})
            except BaseException:
                self._failed(exchange)
                raise
            self._end(exchange, {str(key): int(hits) for key, hits in rows})
        finally:
            self._syncing.release()

    def _begin(self) -> _Exchange:
        """What this exchange writes: the counts changed since the last one."""
        self._next_sync = self._monotonic() + self.sync_seconds
        self._roll()
        window, keys = self._window, self._dirty
        self._dirty = set()
        return _Exchange(window, {key: self._mine[key] for key in keys if key in self._mine},
                         sweep=self._swept != window)

    def _failed(self, exchange: _Exchange) -> None:
        """Written next time: the counts this exchange could not write."""
        if exchange.window == self._window:
            self._dirty |= exchange.hits.keys()

    def _end(self, exchange: _Exchange, others: dict[str, int]) -> None:
        if exchange.sweep:
            self._swept = exchange.window
        if exchange.window == self._window:
            self._others = others

    def _exchange(self, exchange: _Exchange) -> dict[str, int]:
        """The exchange through the engine (in a thread): the others' counts."""
        window = exchange.window
        table = schema.rate_counts
        if exchange.hits:
            with write_transaction(self.engine) as connection:
                if is_postgresql(self.engine):
                    connection.execute(_UPSERT_POSTGRESQL, {
                        "window": window, "worker": self.worker,
                        "client_ids": list(exchange.hits),
                        "hits": list(exchange.hits.values())})
                else:
                    insert = sqlite_insert(table)
                    connection.execute(insert.on_conflict_do_update(
                        index_elements=["window", "client_id", "worker"],
                        set_={"hits": insert.excluded.hits}), [
                            {"window": window, "client_id": key, "worker": self.worker,
                             "hits": hits} for key, hits in exchange.hits.items()])
                if exchange.sweep:
                    # Windows before the previous one count for nothing any more: swept
                    # once per window, not at every exchange (a round trip each).
                    connection.execute(table.delete().where(table.c.window < window - 1))
        else:
            exchange.sweep = False  # swept with the next write
        with read_snapshot(self.engine) as connection:
            return {str(key): int(hits) for key, hits in connection.execute(
                sa.select(table.c.client_id, sa.func.sum(table.c.hits))
                .where(table.c.window == window, table.c.worker != self.worker)
                .group_by(table.c.client_id))}
