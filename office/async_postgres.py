"""A few PostgreSQL connections on the worker's event loop, for statements sent without a thread.

The API's lean ingest (office/lean_ingest.py) sends its one INSERT from the event loop:
handing a blocking call to a thread and back cost a worker about as much CPU as the call
itself (py-spy, docs/sync.md "Running at scale"). These connections are psycopg 3's own
async ones, in autocommit (each statement its own transaction, as the store's ingest
sends it), as many per worker as the engine's pool keeps (P, :func:`office.database.pool_size`),
beside that pool. They name themselves ``motcua-backend PID lean`` to PostgreSQL (the
engine's are ``... pool``), so ``pg_stat_activity`` counts each worker's by pool.

A connection whose statement failed (the database restarted, the request was cancelled
midway) is closed, never reused; the next statement opens a fresh one. The connections
belong to the event loop that opened them: used from another loop (a test client runs a
loop per request) the idle ones are closed and new ones opened.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from office.database import POOL_SIZE, application_name


def conninfo(url: sa.URL) -> str:
    """libpq's connection string for a SQLAlchemy PostgreSQL URL (``postgresql+psycopg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncPostgres:
    """Up to ``size`` async connections to one database, opened when first needed."""

    def __init__(self, url: sa.URL, size: int = POOL_SIZE, pool: str = "lean") -> None:
        self._conninfo = conninfo(url)
        #: The name of these connections' pool, as PostgreSQL is told it.
        self._pool = pool
        # The operator's own name, when the URL gives one, is kept.
        self._named = "application_name" in url.query
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: list[psycopg.AsyncConnection[Any]] = []

    @classmethod
    def beside(cls, engine: Engine) -> AsyncPostgres:
        """Connections to ``engine``'s database, as many as its pool keeps."""
        pool = engine.pool
        return cls(engine.url, pool.size() if isinstance(pool, sa.pool.QueuePool) else POOL_SIZE)

    @property
    def size(self) -> int:
        """The most connections open at once."""
        return self._size

    async def column(self, sql: str, parameters: dict[str, Any]) -> list[Any]:
        """The first column of what ``sql`` returns, run in its own transaction.

        Raises psycopg's errors (``psycopg.OperationalError`` when the database cannot be
        reached)."""
        return [row[0] for row in await self.rows(sql, parameters)]

    async def rows(self, sql: str, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        """What ``sql`` returns, run in its own transaction (errors as :meth:`column`)."""
        self._bind()
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                cursor = await connection.execute(sql, parameters)
                rows = await cursor.fetchall()
            except BaseException:
                await connection.close()  # in an unknown state: never reused
                raise
            self._idle.append(connection)
        return rows

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self._named:
            return await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        return await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, application_name=application_name(self._pool))

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        for connection in self._idle:
            # Its loop has ended (closing one needs no await: libpq's own finish).
            connection.pgconn.finish()
        self._idle = []
        self._slots = asyncio.Semaphore(self._size)
        self._loop = loop

    async def close(self) -> None:
        """Close the idle connections (those in use close when their statement ends)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
