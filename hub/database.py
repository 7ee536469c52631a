"""The hub's SQLite database: one file, WAL, one connection per thread, numbered migrations.

Console clicks and kiosk requests are served on a pool of threads: each thread opens its
own connection (:meth:`HubDatabase.connection`), as sqlite3 connections must not be shared.
Writes go through :meth:`HubDatabase.write`, which takes the write lock up front
(``BEGIN IMMEDIATE``) so that two counters pressing "call next" at once are served one
after the other and never call the same ticket.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.servicepoint.ticket_page import page_token

BUSY_TIMEOUT_SECONDS = 10.0


class HubDatabaseError(Exception):
    """The database cannot be opened, or was written by a newer release."""


_SCHEMA_1 = """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE services (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_en TEXT);
        CREATE TABLE counters (
            number INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            services TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'closed',
            officer TEXT,
            regular_since_priority INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE officers (
            login TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            pin_hash TEXT NOT NULL);
        CREATE TABLE kiosks (
            kiosk_id TEXT PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE);
        -- id is the hub's receipt order, the queue's order (never a device clock).
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            submission_uuid TEXT NOT NULL UNIQUE,
            body_sha256 TEXT NOT NULL,
            number TEXT NOT NULL,
            service TEXT NOT NULL,
            priority_group TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            service_day TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            state TEXT NOT NULL,
            counter INTEGER,
            officer TEXT,
            target_counter INTEGER,
            called_at TEXT,
            serving_at TEXT,
            finished_at TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE (service_day, number));
        CREATE INDEX tickets_day_state ON tickets(service_day, state);
        -- Every move of every ticket, time-stamped. uuid is the idempotency key towards
        -- the city (forwarded_at set when the city acknowledged it).
        CREATE TABLE ticket_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL UNIQUE,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            action TEXT NOT NULL,
            state TEXT NOT NULL,
            service TEXT NOT NULL,
            counter INTEGER,
            officer TEXT,
            at TEXT NOT NULL,
            forwarded_at TEXT);
        CREATE INDEX ticket_events_unforwarded ON ticket_events(seq) WHERE forwarded_at IS NULL;
        """


def _migrate_1(db: sqlite3.Connection) -> None:
    """Services, counters, officers, kiosks, tickets and their time-stamped events."""
    # One statement at a time: executescript() would commit the migration's transaction.
    for statement in _SCHEMA_1.split(";"):
        if statement.strip():
            db.execute(statement)


def _migrate_2(db: sqlite3.Connection) -> None:
    """Ratings: one per served ticket, with the counter and officer who served it."""
    db.execute(
        """CREATE TABLE ratings (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
            level TEXT NOT NULL,
            counter INTEGER,
            officer TEXT,
            at TEXT NOT NULL)""")
    db.execute("ALTER TABLE ticket_events ADD COLUMN rating TEXT")


def _migrate_3(db: sqlite3.Connection) -> None:
    """Each ticket's public page token (what its QR carries: the phone page, rating at a
    kiosk), derived from its submission UUID (kiosk.servicepoint.ticket_page)."""
    db.execute("ALTER TABLE tickets ADD COLUMN page_token TEXT")
    for row in db.execute("SELECT id, submission_uuid FROM tickets").fetchall():
        db.execute("UPDATE tickets SET page_token = ? WHERE id = ?",
                   [page_token(row[1]), row[0]])
    db.execute("CREATE UNIQUE INDEX tickets_page_token ON tickets(page_token)")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_1, _migrate_2, _migrate_3)
SCHEMA_VERSION = len(MIGRATIONS)


class HubDatabase:
    """The hub's database file; each thread gets its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._migrate()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS,
                                     isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                # A call shown on the TV is a promise: the commit must survive a power cut.
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error as error:
                raise HubDatabaseError(f"cannot open {self.path}: {error}") from None
            db.row_factory = sqlite3.Row
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the lock from its start; rolled back on error."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.write() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise HubDatabaseError(
                    f"{self.path} has schema {version}, newer than this release's "
                    f"{SCHEMA_VERSION}: run the newer release"
                )
            for migration in MIGRATIONS[version:]:
                migration(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close every thread's connection (at shutdown)."""
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()
