"""What the sync agent remembers between runs, in the kiosk database.

The agent and ``kiosk sync status`` are different processes, so the agent's facts (when
it last delivered, the last error it met, the ETags and cursors of what it pulled) live in
the ``sync_state`` table, not in memory. Times are recorded as the device clock shows them
and, when known, as the backend's clock showed them: they are for people to read; nothing
is ordered or deduplicated by them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from kiosk.storage import Database, write_transaction


class SyncFact(enum.Enum):
    """The facts the agent keeps."""

    LAST_SUCCESS_AT = "last_success_at"
    LAST_SUCCESS_SERVER_TIME = "last_success_server_time"
    LAST_ERROR = "last_error"
    LAST_ERROR_AT = "last_error_at"
    CATALOG_ETAG = "catalog_etag"
    OVERLAY_ETAG = "overlay_etag"
    DIRECTORY_ETAG = "directory_etag"
    DIRECTORY_VERSION = "directory_version"
    STATUS_CURSOR = "status_cursor"
    LAST_HEARTBEAT_AT = "last_heartbeat_at"
    #: Written by the printing side (the UI process owns the printer), read for heartbeats.
    PRINTER_STATE = "printer_state"
    PRINTER_STATE_AT = "printer_state_at"
    #: The sealing public key the backend published at the last heartbeat (to tell a
    #: technician when it differs from ``sync.backend_public_key``; never used to seal).
    BACKEND_PUBLISHED_KEY = "backend_published_key"
    #: The service point's hub (sync/hub_link.py): the last ticket it has (the kiosk's
    #: sequence), and its own last success and error.
    HUB_TICKET_SEQ = "hub_ticket_seq"
    HUB_LAST_SUCCESS_AT = "hub_last_success_at"
    HUB_LAST_ERROR = "hub_last_error"
    HUB_LAST_ERROR_AT = "hub_last_error_at"
    #: The backend's last answer to "what changed" (GET /v1/kiosk/changes, its JSON) and
    #: its ETag, kept once everything it named was pulled.
    CHANGES = "changes"
    CHANGES_ETAG = "changes_etag"


def read_facts(db: Database) -> dict[SyncFact, str]:
    """Every fact recorded so far."""
    known = {fact.value: fact for fact in SyncFact}
    return {
        known[key]: value
        for key, value in db.execute("SELECT key, value FROM sync_state")
        if key in known
    }


def read_fact(db: Database, fact: SyncFact) -> str | None:
    """One fact, or None when it was never recorded."""
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [fact.value]).fetchone()
    return None if row is None else str(row[0])


def put_facts(db: Database, facts: Mapping[SyncFact, str | None]) -> None:
    """Record ``facts`` (None forgets one); joins an open write transaction if there is one."""
    if db.conn.in_transaction:
        _put(db, facts)
        return
    with write_transaction(db):
        _put(db, facts)


def _put(db: Database, facts: Mapping[SyncFact, str | None]) -> None:
    for fact, value in facts.items():
        if value is None:
            db.execute("DELETE FROM sync_state WHERE key = ?", [fact.value])
        else:
            db.execute(
                "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [fact.value, value],
            )
