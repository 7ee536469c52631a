"""Opening the backend database: SQLite by default, PostgreSQL for a city-scale fleet.

One schema for both (:mod:`office.schema`), brought up to date by Alembic on open.
SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged submission survives a
power cut) and write transactions take the lock up front (``BEGIN IMMEDIATE``); on
PostgreSQL every commit is durable by default.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
#: Seconds a SQLite connection waits for another writer.
SQLITE_BUSY_SECONDS = 30.0
_WRITE = "motcua_write"
#: PostgreSQL connections a worker keeps open (its pool's size P): it may open P more at a
#: peak, and up to P async ones for the kiosks' batches (office/async_postgres.py), so at
#: most 3 x P per worker process (docs/sync.md, "Running at scale": workers x 3 x P must
#: stay under the server's max_connections, else put PgBouncer between).
POOL_SIZE = 10
#: The environment variable that sets P for every worker (``kiosk backend serve
#: --db-pool`` sets it too); PostgreSQL only: a SQLite file has one writer at a time.
POOL_VARIABLE = "MOTCUA_BACKEND_DB_POOL"
#: The largest P accepted (a typo's 1000 would exhaust any server's connections).
MAX_POOL_SIZE = 100
#: How the backend's connections name themselves to PostgreSQL (``application_name``, seen
#: in ``pg_stat_activity``): this, the worker's process id, and which pool.
APPLICATION_NAME = "motcua-backend"


class DatabaseError(Exception):
    """The backend database cannot be opened or migrated, and why."""


def pool_size(environment: Mapping[str, str] = os.environ) -> int:
    """P, a worker's pool size: :data:`POOL_VARIABLE` when set, else :data:`POOL_SIZE`.

    Raises :class:`DatabaseError` when the variable is not a whole number from 1 to
    :data:`MAX_POOL_SIZE`."""
    text = environment.get(POOL_VARIABLE, "").strip()
    if not text:
        return POOL_SIZE
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_POOL_SIZE:
        raise DatabaseError(f"{POOL_VARIABLE}={text!r}: a pool size from 1 to {MAX_POOL_SIZE}")
    return int(text)


def application_name(pool: str) -> str:
    """The name a connection of ``pool`` gives PostgreSQL from this process, so
    ``pg_stat_activity`` shows each worker's connections by pool."""
    return f"{APPLICATION_NAME} {os.getpid()} {pool}"


def database_url(text: str) -> sa.URL:
    """A SQLAlchemy URL from what an operator typed.

    ``postgresql://user@host/db`` uses psycopg 3; ``sqlite:///path`` or a bare file path
    is a SQLite file.
    """
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).resolve()))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError as error:
        raise DatabaseError(f"not a database URL: {text!r} ({error})") from None
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseError(f"{text!r}: only sqlite and postgresql databases are supported")
    return url


def _sqlite_events(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by us (below), never implicitly by the sqlite3 module.
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       f"busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock before reading what it will decide on, so two writers
        # never deadlock upgrading a read lock.
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_database_engine(url: str | sa.URL, pool: int | None = None) -> Engine:
    """An engine for ``url`` (see :func:`database_url`), not yet migrated; on PostgreSQL
    its pool keeps ``pool`` connections (default: :func:`pool_size`) and opens as many more
    at a peak."""
    parsed = database_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database, "a SQLite database needs a file"
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
            pool_size=8,
            max_overflow=8,
        )
        _sqlite_events(engine)
        return engine
    # No pre-ping: it cost every request a round trip. A connection that died (the
    # database restarted) fails its request with OperationalError, which the API answers
    # 503 + Retry-After (kiosks retry); SQLAlchemy then drops the whole pool's connections,
    # so the retry gets a fresh one.
    size = pool_size() if pool is None else pool
    engine = sa.create_engine(parsed, pool_size=size, max_overflow=size)
    if "application_name" not in parsed.query:
        @sa.event.listens_for(engine, "do_connect")
        def _named(_dialect: Any, _record: Any, _args: Any, parameters: dict[str, Any]) -> None:
            # At each connect, not at creation: the process id of the worker that connects.
            parameters["application_name"] = application_name("pool")
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect() as plain:
            connection = plain.execution_options(**{_WRITE: True})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseError(f"cannot migrate the backend database: {error}") from error


def open_engine(url: str | sa.URL, pool: int | None = None) -> Engine:
    """An engine for ``url``, its schema migrated (``pool``: see
    :func:`create_database_engine`)."""
    engine = create_database_engine(url, pool)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def is_postgresql(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One atomic write: commits at the end, rolls back on any error."""
    with engine.connect() as plain:
        connection = plain.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


@contextlib.contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """Reads that see one consistent snapshot."""
    with engine.connect() as connection, connection.begin():
        yield connection
