"""Opening the backend database: SQLite by default, PostgreSQL for a city-scale fleet.

One schema for both (:mod:`office.schema`), brought up to date by Alembic on open.
SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged submission survives a
power cut) and write transactions take the lock up front (``BEGIN IMMEDIATE``); on
PostgreSQL every commit is durable by default.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
#: PostgreSQL connections a worker keeps open, and how many more it may open at a peak:
#: at most POOL_SIZE + POOL_OVERFLOW per worker process (docs/sync.md, "Running at scale":
#: workers x 20 must stay under the server's max_connections, else put PgBouncer between).
POOL_SIZE = 10
POOL_OVERFLOW = 10


class DatabaseError(Exception):
    """The backend database cannot be opened or migrated, and why."""


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


def create_database_engine(url: str | sa.URL) -> Engine:
    """An engine for ``url`` (see :func:`database_url`), not yet migrated."""
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
    return sa.create_engine(parsed, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


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


def open_engine(url: str | sa.URL) -> Engine:
    """An engine for ``url``, its schema migrated."""
    engine = create_database_engine(url)
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
