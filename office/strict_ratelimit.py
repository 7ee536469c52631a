"""A strict rate limit per client, exact across every worker process: each request adds one
to a row in the database shared by all workers (``strict_rate_counts``) and is refused once
the window's count passes the limit.

For rare requests whose limit matters more than a round trip, such as the card look-up
(12 a minute per kiosk: a kiosk asking far more often is trying hashes). The API's general
limit (office/shared_ratelimit.py) counts in memory and exchanges counts every 0.25 s
instead, which lets through what one client sends within that time; this one lets nothing
through: the increment and its result are one statement on one row, so concurrent
requests in different workers queue on that row (PostgreSQL) or on the write lock (SQLite).

Windows are fixed (``12/minute``: each clock minute); a refused request counts too, which
changes nothing: the client is refused until the window ends either way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import limits
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from office import schema
from office.database import is_postgresql, write_transaction
from office.ratelimit import RateLimitError


class StrictRateLimiter:
    """Counts requests per client key against one limit such as ``"12/minute"`` in the
    database, under ``name`` (one name per limit sharing the table)."""

    def __init__(self, limit: str, engine: Engine, *, name: str,
                 wall_clock: Callable[[], float] = time.time) -> None:
        try:
            item = limits.parse(limit)
        except ValueError as error:
            raise RateLimitError(f"rate limit {limit!r}: {error}") from None
        self.limit = limit
        self.name = name
        self.amount = item.amount
        self.period = float(item.get_expiry())
        self.engine = engine
        self._wall_clock = wall_clock
        #: The window whose predecessors this process last deleted.
        self._swept_window: int | None = None

    def retry_after(self, key: str) -> int | None:
        """Count one request for ``key``: None if allowed, else seconds to wait (>= 1).

        Blocks on the database: call it from a thread, not the event loop."""
        now = self._wall_clock()
        window = int(now // self.period)
        table = schema.strict_rate_counts
        insert = (postgresql_insert if is_postgresql(self.engine) else sqlite_insert)(table)
        counted = insert.values(limiter=self.name, window=window, client_id=key, hits=1)
        statement = counted.on_conflict_do_update(
            index_elements=["limiter", "window", "client_id"],
            set_={"hits": table.c.hits + 1}).returning(table.c.hits)
        with write_transaction(self.engine) as connection:
            hits = int(connection.execute(statement).scalar_one())
        if window != self._swept_window:
            self._sweep(window)
        if hits <= self.amount:
            return None
        return max(1, math.ceil((window + 1) * self.period - now))

    def _sweep(self, window: int) -> None:
        """Delete this limit's earlier windows (they count for nothing any more), once per
        window and process, in a transaction of its own: two workers sweeping at once wait
        for each other's row locks, never a request's count."""
        table = schema.strict_rate_counts
        with write_transaction(self.engine) as connection:
            connection.execute(table.delete().where(
                (table.c.limiter == self.name) & (table.c.window < window)))
        self._swept_window = window
