"""Application statuses published by the back office, kept for the status look-up screen.

The sync agent pulls status events from the backend's feed (a cursor the backend assigns,
so ordering never depends on the device clock) and applies each page atomically together
with the new cursor: a crash re-applies a page, never skips one. A citizen looks up a
status with the receipt code printed on their slip.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk import receipt_code
from kiosk.storage import Database, write_transaction
from kiosk.sync_state import SyncFact, put_facts, read_fact


class ApplicationStatus(enum.Enum):
    """Where an application stands at the commune's office."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    NEEDS_DOCUMENTS = "needs_documents"
    READY_FOR_PICKUP = "ready_for_pickup"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class StatusRecord:
    """The latest status of one application."""

    submission_uuid: str
    receipt_code: str
    status: ApplicationStatus
    note: str | None
    updated_at: str
    feed_cursor: int


def status_cursor(db: Database) -> int:
    """The feed cursor after the last applied status event (0: none yet)."""
    value = read_fact(db, SyncFact.STATUS_CURSOR)
    return 0 if value is None else int(value)


def apply_statuses(db: Database, records: Sequence[StatusRecord], cursor: int) -> int:
    """Apply one page of status events and the cursor after it, all or nothing.

    A later event for the same application replaces the earlier one; an event older than
    the one kept (a page applied twice) changes nothing. Returns how many changed.
    """
    changed = 0
    with write_transaction(db):
        for record in records:
            result = db.execute(
                "INSERT INTO application_statuses (submission_uuid, receipt_code, status, "
                "note, updated_at, feed_cursor) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (submission_uuid) DO UPDATE SET status = excluded.status, "
                "note = excluded.note, updated_at = excluded.updated_at, "
                "feed_cursor = excluded.feed_cursor "
                "WHERE excluded.feed_cursor > application_statuses.feed_cursor",
                [record.submission_uuid, record.receipt_code, record.status.value,
                 record.note, record.updated_at, record.feed_cursor],
            )
            changed += result.rowcount
        if cursor > status_cursor(db):
            put_facts(db, {SyncFact.STATUS_CURSOR: str(cursor)})
    return changed


def lookup_status(db: Database, receipt_code: str) -> list[StatusRecord]:
    """Statuses of applications with ``receipt_code`` (canonical form), latest first."""
    return [
        StatusRecord(
            submission_uuid=row[0], receipt_code=row[1], status=ApplicationStatus(row[2]),
            note=row[3], updated_at=row[4], feed_cursor=row[5],
        )
        for row in db.execute(
            "SELECT submission_uuid, receipt_code, status, note, updated_at, feed_cursor "
            "FROM application_statuses WHERE receipt_code = ? ORDER BY feed_cursor DESC",
            [receipt_code],
        )
    ]


# -- asking the office about a code this kiosk does not know ------------------------------


#: An official dossier code (mã hồ sơ) of the city's case system: letters, digits, '.',
#: '/' and '-', at most 60 (sync.wire.DOSSIER_CODE_PATTERN says the same).
DOSSIER_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9./-]{0,58}[A-Za-z0-9])?")


def is_dossier_code(text: str) -> bool:
    """Whether ``text`` may be an official dossier code rather than a mistyped receipt
    code: it fits :data:`DOSSIER_CODE` and is not 8 symbols once separators are dropped
    (a receipt code with a typo stays a typo, caught by its check symbol)."""
    return (DOSSIER_CODE.fullmatch(text) is not None
            and len(re.sub(r"[\s\-_.]+", "", text)) != receipt_code.CODE_LENGTH)


class OfficeUnreachableError(Exception):
    """The office could not be asked just now (no network, backend down, refused)."""


@dataclass(frozen=True)
class OfficeRecord:
    """One application with the code asked about, as the office knows it (no personal data)."""

    submission_uuid: str
    receipt_code: str
    kind: str
    procedure_code: str | None
    received_at: str
    #: None: the office has it but published no status yet.
    status: ApplicationStatus | None
    note: str | None
    updated_at: str | None

    def status_record(self) -> StatusRecord | None:
        """Its latest status as the look-up screen shows statuses (None without one)."""
        if self.status is None or self.updated_at is None:
            return None
        return StatusRecord(self.submission_uuid, self.receipt_code, self.status, self.note,
                            self.updated_at, feed_cursor=0)


class OfficeLookup(Protocol):
    """Asks the office about a receipt code: so a citizen can check at any kiosk, not only
    the one that printed the code (its own statuses reach a kiosk through the feed)."""

    def look_up(self, receipt_code: str) -> list[OfficeRecord]:
        """Applications with ``receipt_code`` (canonical), newest first; empty when the
        office knows none. Any other text that fits :data:`DOSSIER_CODE` is an official
        dossier code (mã hồ sơ): the intake the office linked to it. Raises
        OfficeUnreachableError when it cannot be asked now."""
        ...

    def close(self) -> None:
        """Release what it holds open (connections)."""
        ...
