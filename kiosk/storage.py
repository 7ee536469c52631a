"""The kiosk's SQLite database: opening, pragmas, schema migrations, transactions.

The UI and the sync agent are separate processes sharing one database file, so it runs in
WAL mode (readers never block the writer) with ``synchronous=FULL``: a printed slip is a
promise, and a commit must survive a power cut. Each thread or process opens its own
connection with :func:`open_database`; connections are never shared between threads.

Writes that must be atomic go through :func:`write_transaction`, which takes the write
lock up front (``BEGIN IMMEDIATE``) so two processes never deadlock upgrading a read lock;
sqlite-utils calls made inside it nest as savepoints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

__all__ = [
    "SCHEMA_VERSION",
    "UNTRUSTED_SERIES_DAY",
    "Database",
    "NewerSchemaError",
    "StorageError",
    "open_database",
    "write_transaction",
]

#: Seconds a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 10.0


class StorageError(Exception):
    """The database cannot be opened or is from a newer release."""


class NewerSchemaError(StorageError):
    """The database was written by a newer release: not damaged, and not to be replaced."""


def _migrate_1(db: Database) -> None:
    """The first schema: catalog, directory, submissions, outbox, queue counters."""
    db.execute(
        """CREATE TABLE catalog_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            format TEXT NOT NULL,
            version INTEGER NOT NULL,
            published TEXT,
            imported_at TEXT NOT NULL,
            source_sha256 TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE services (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_en TEXT,
            counter TEXT)"""
    )
    db.execute(
        """CREATE TABLE procedures (
            code TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            field TEXT NOT NULL,
            service TEXT REFERENCES services(code),
            record TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE communes (
            code INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('phuong', 'xa')),
            short_name TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            area_km2 REAL,
            address TEXT,
            hotline TEXT,
            head TEXT,
            phone TEXT,
            opening_hours TEXT,
            published_version INTEGER)"""
    )
    # seq orders submissions without trusting the device clock; uuid is the idempotency
    # key all the way to the backend.
    db.execute(
        """CREATE TABLE submissions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            receipt_code TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            service_day TEXT NOT NULL,
            created_at TEXT NOT NULL,
            procedure_code TEXT,
            ticket_number TEXT,
            details TEXT NOT NULL,
            citizen TEXT,
            citizen_masked TEXT,
            UNIQUE (kiosk_id, service_day, receipt_code))"""
    )
    db.execute(
        """CREATE TABLE outbox (
            submission_uuid TEXT PRIMARY KEY
                REFERENCES submissions(uuid) ON DELETE RESTRICT,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            acknowledged_at TEXT)"""
    )
    db.execute("CREATE INDEX outbox_state ON outbox(state)")
    db.execute(
        """CREATE TABLE queue_counters (
            service_day TEXT NOT NULL,
            service TEXT NOT NULL,
            series TEXT NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (service_day, service, series))"""
    )


def _migrate_2(db: Database) -> None:
    """Sync: sealed personal data, the agent's state, application statuses pulled.

    ``citizen_sealed`` holds the citizen's data sealed for the backend (kiosk.sealing);
    the clear-text ``citizen`` column of schema 1 is no longer written, and rows left in
    it are sealed by :meth:`kiosk.submissions.Outbox.seal_legacy_personal_data`.
    """
    db.execute("ALTER TABLE submissions ADD COLUMN citizen_sealed BLOB")
    # One row per fact the sync agent keeps between runs (cursors, ETags, last success,
    # last error): small, read by `kiosk sync status` from another process.
    db.execute(
        """CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL)"""
    )
    # The latest status of each application as published by the back office; the feed
    # cursor is the backend's, so ordering never depends on the device clock.
    db.execute(
        """CREATE TABLE application_statuses (
            submission_uuid TEXT PRIMARY KEY,
            receipt_code TEXT NOT NULL,
            status TEXT NOT NULL,
            note TEXT,
            updated_at TEXT NOT NULL,
            feed_cursor INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX application_statuses_receipt ON application_statuses(receipt_code)")


def _migrate_3(db: Database) -> None:
    """Printing: the durable print queue (kiosk.printing.PrintQueue).

    A job is stored before the printer is touched and stays ``queued`` until the status
    read after it is good; ``receipt`` is the slip's document (kiosk.receipt) as JSON.
    """
    db.execute(
        """CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            reference TEXT,
            receipt TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'printed', 'expired')),
            attempts INTEGER NOT NULL DEFAULT 0,
            printer_state TEXT,
            last_error TEXT,
            printed_at TEXT,
            submission_uuid TEXT)"""
    )
    db.execute("CREATE INDEX print_jobs_state ON print_jobs(state, id)")

def _migrate_4(db: Database) -> None:
    """The queue as the back office last published it (kiosk.queue_state).

    One row per service of one publication; ``*_issued_at_receipt`` are this kiosk's queue
    counters when it arrived, so tickets issued since can be added to its count.
    """
    db.execute(
        """CREATE TABLE queue_state (
            service TEXT PRIMARY KEY,
            unit_code INTEGER NOT NULL,
            published_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            service_day TEXT NOT NULL,
            waiting INTEGER NOT NULL,
            priority_waiting INTEGER NOT NULL,
            counters_open INTEGER NOT NULL,
            average_service_seconds INTEGER,
            normal_issued_at_receipt INTEGER NOT NULL,
            priority_issued_at_receipt INTEGER NOT NULL)"""
    )


#: Where ``queue_counters`` keeps the series issued under an untrusted clock (the real
#: day being unknown); :mod:`kiosk.submissions` numbers from it.
UNTRUSTED_SERIES_DAY = "untrusted"
#: The release floor (kiosk.clock.RELEASE_FLOOR) when schema 5 shipped: earlier rows were
#: dated by a wrong clock. A literal, so that this migration never changes meaning.
_SCHEMA_5_FLOOR = "2026-11-01"


def _migrate_5(db: Database) -> None:
    """The untrusted clock: submissions made while the device clock was evidently wrong.

    ``clock_untrusted`` marks them: their ``service_day`` and ``created_at`` are what the
    wrong clock said, kept for people, never sent as a date. Queue numbers issued under
    such a clock count in one series (``service_day`` = :data:`UNTRUSTED_SERIES_DAY`) that
    the next trusted day continues, so no number is issued twice. Rows that earlier
    releases dated before the floor (a Pi booted in 1970) are marked, and their counters
    become that series.
    """
    db.execute(
        "ALTER TABLE submissions ADD COLUMN clock_untrusted INTEGER NOT NULL DEFAULT 0"
    )
    db.execute(
        "UPDATE submissions SET clock_untrusted = 1 WHERE service_day < ?", [_SCHEMA_5_FLOOR]
    )
    db.execute(
        "INSERT INTO queue_counters (service_day, service, series, last_number) "
        "SELECT ?, service, series, max(last_number) FROM queue_counters "
        "WHERE service_day < ? GROUP BY service, series",
        [UNTRUSTED_SERIES_DAY, _SCHEMA_5_FLOOR],
    )
    db.execute("DELETE FROM queue_counters WHERE service_day < ?", [_SCHEMA_5_FLOOR])


def _migrate_6(db: Database) -> None:
    """Catalog format 2: the catalog's life events and fields' English names.

    ``extras`` is JSON (``{"life_events": [...], "fields": [...]}``); procedures keep one
    JSON record each, now in format 2 (a version 1 catalog already stored is read as
    version 2 when loaded, so nothing is rewritten here).
    """
    db.execute("ALTER TABLE catalog_meta ADD COLUMN extras TEXT")


def _migrate_overlay(db: Database) -> None:
    """Hà Nội's overlay on the catalog (kiosk.catalog_overlay): one row, the checked file.

    Kept apart from the catalog's tables so that a new catalog leaves it in place; ``body``
    is the overlay as ``motcua-catalog-overlay/1`` JSON, applied when the catalog is loaded.
    Self-contained (it creates its one table and touches nothing else), so it can take any
    place after _migrate_6 in the table below.
    """
    db.execute(
        """CREATE TABLE catalog_overlay (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL,
            published TEXT,
            imported_at TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            body TEXT NOT NULL)"""
    )


def _migrate_map_link(db: Database) -> None:
    """A service point's own map link, published by the city (kiosk.directory).

    Self-contained (one column on ``communes``), so it can take any place after _migrate_1.
    """
    db.execute("ALTER TABLE communes ADD COLUMN map_link TEXT")


#: Forward migrations; entry i brings the schema from version i to i + 1. Never edit one
#: that has shipped: add the next.
MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    _migrate_1, _migrate_2, _migrate_3, _migrate_4, _migrate_5, _migrate_6,
    _migrate_overlay, _migrate_map_link,
)
SCHEMA_VERSION = len(MIGRATIONS)


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One atomic write: everything inside commits together or not at all."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def _schema_version(db: Database) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return 0 if row is None else int(row[0])


def _migrate(db: Database, path: Path) -> None:
    with write_transaction(db):
        current = _schema_version(db)
        if current > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"the database {path} has schema version {current}, newer than this "
                f"release understands ({SCHEMA_VERSION}): it was written by a newer "
                "motcua-kiosk; install that release again, and keep the file (it may "
                "hold unsent submissions)"
            )
        for migration in MIGRATIONS[current:]:
            migration(db)
        if current < SCHEMA_VERSION:
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])


def open_database(path: Path) -> Database:
    """A new connection to the database at ``path``, created and migrated as needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (write_transaction, atomic()),
        # never opened behind our back by the sqlite3 module.
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise StorageError(
            f"cannot open the database {path}: {error} "
            "(set KIOSK_DATA_DIR to a writable directory, or use --demo)"
        ) from error
    db = Database(conn)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(db, path)
    except sqlite3.Error as error:
        conn.close()
        raise StorageError(
            f"cannot use the database {path}: {error} (keep the file: kiosk doctor "
            "says what to do)"
        ) from error
    except NewerSchemaError:
        conn.close()
        raise
    return db
