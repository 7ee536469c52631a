"""Submissions and the outbox: what citizens hand in, kept until the backend has it.

A submission (queue ticket, application intake, feedback, rating) gets its UUID, its
receipt code and (for a ticket) its queue number in the same transaction that puts it in
the outbox, so there is never one without the other. The UUID is the idempotency key all
the way to the backend. Order is the database's own sequence, never the device clock (a Pi
without a clock battery may boot in 1970).

Personal data from the ID card is kept only where the submission needs it: an intake
keeps the card holder's identity, a ticket or feedback only the masked name, a rating
nothing. The identity is sealed for the backend (:mod:`kiosk.sealing`) before it is first
stored: the kiosk keeps the sealed blob and the masked display form, never the clear text,
so a stolen kiosk reveals nothing of past citizens. Once the backend has acknowledged a
submission, :meth:`Outbox.purge_personal_data` removes what is left after the retention
period.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import json
import re
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk import clock, receipt_code
from kiosk.idcard import CitizenCard
from kiosk.kinds import (
    KINDS,
    QueueTicketRequest,
    Request,
    SubmissionError,
    SubmissionKind,
    kind_of_request,
)
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.masking import mask_id_number, mask_name
from kiosk.sealing import Sealer
from kiosk.storage import UNTRUSTED_SERIES_DAY, Database, write_transaction

#: What an intake keeps of the ID card (sealed): who applied, nothing more.
PERSONAL_FIELDS = ("id_number", "full_name", "birth_date", "sex", "address")
#: Receipt codes drawn before giving up on a free one (29^7 codes: never reached).
RECEIPT_CODE_ATTEMPTS = 20


class OutboxState(enum.Enum):
    """Where a submission is on its way to the backend."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Submission:
    """A stored submission and its outbox state."""

    seq: int
    uuid: str
    kind: SubmissionKind
    receipt_code: str
    kiosk_id: str
    service_day: str
    created_at: str
    procedure_code: str | None
    ticket_number: str | None
    details: dict[str, Any]
    citizen_masked: str | None
    has_personal_data: bool
    state: OutboxState
    attempts: int
    last_error: str | None
    #: Made while the device clock was evidently wrong (kiosk.clock.trusted_today):
    #: ``service_day`` and ``created_at`` are that clock's reading, not a real date.
    clock_untrusted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The submission for listings (never the personal data itself)."""
        return {
            "uuid": self.uuid,
            "kind": self.kind.value,
            "receipt_code": self.receipt_code,
            "receipt_code_display": receipt_code.display(self.receipt_code),
            "kiosk_id": self.kiosk_id,
            "service_day": self.service_day,
            "created_at": self.created_at,
            "procedure_code": self.procedure_code,
            "ticket_number": self.ticket_number,
            "details": self.details,
            "citizen_masked": self.citizen_masked,
            "has_personal_data": self.has_personal_data,
            "state": self.state.value,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "clock_untrusted": self.clock_untrusted,
        }


def ticket_number(service: str, kiosk_prefix: str, priority: bool, number: int) -> str:
    """The printed queue number, e.g. ``A1-007``, or ``A1-U007`` for a priority ticket.

    The kiosk prefix keeps numbers from two kiosks at one service point apart while they
    are offline.
    """
    return f"{service}{kiosk_prefix}-{'U' if priority else ''}{number:03d}"


@dataclass(frozen=True)
class TicketParts:
    """What a printed queue number says: its service, series and number in the series."""

    service: str
    priority: bool
    number: int


_TICKET = re.compile(r"(?P<service>[A-Z])[1-9A-Z]-(?P<priority>U?)(?P<number>[0-9]{3,})")


def ticket_parts(ticket: str) -> TicketParts:
    """The parts of a number made by :func:`ticket_number` (ValueError for anything else)."""
    match = _TICKET.fullmatch(ticket)
    if match is None:
        raise ValueError(f"{ticket!r} is not a queue number")
    return TicketParts(
        match["service"], match["priority"] == "U", int(match["number"])
    )


@dataclass(frozen=True)
class PendingDelivery:
    """A submission waiting for the backend, with its sealed personal data (if any)."""

    submission: Submission
    citizen_sealed: bytes | None


class _CatalogRecords:
    """The catalog tables of the outbox's database, as a kind checks a request against
    them (:class:`kiosk.kinds.base.Records`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def has_service(self, code: str) -> bool:
        row = self.db.execute("SELECT 1 FROM services WHERE code = ?", [code]).fetchone()
        return row is not None

    def procedure(self, code: str) -> dict[str, Any]:
        row = self.db.execute("SELECT record FROM procedures WHERE code = ?", [code]).fetchone()
        if row is not None:
            record: dict[str, Any] = json.loads(row[0])
            return record
        # A former code (an old link or receipt): rare, so a scan of the records is enough.
        for candidate in self.db.query("SELECT record FROM procedures"):
            record = json.loads(candidate["record"])
            if code in record.get("former_codes", ()):
                return record
        raise SubmissionError(f"procedure {code!r} is not in the catalog")


def _masked(card: CitizenCard) -> str:
    return f"{mask_name(card.full_name)} {mask_id_number(card.id_number)}"


class Outbox:
    """Creates submissions and tracks their delivery, on one database connection.

    ``sealer`` seals the citizen's identity for the backend; without one (no backend
    public key provisioned) a submission that needs the identity is refused rather than
    stored in clear.
    """

    def __init__(
        self, db: Database, *, kiosk_id: str, queue_prefix: str, sealer: Sealer | None = None
    ) -> None:
        self.db = db
        self.kiosk_id = kiosk_id
        self.queue_prefix = queue_prefix
        self.sealer = sealer

    # -- creating -------------------------------------------------------------------------

    def create(
        self,
        request: Request,
        *,
        citizen: CitizenCard | None = None,
        now: dt.datetime | None = None,
    ) -> Submission:
        """Store ``request`` with a new UUID and receipt code, and queue it for the backend.

        Raises SubmissionError (nothing stored) when the request is not valid. Under an
        untrusted clock the submission is marked so and its queue number continues the
        untrusted series (:meth:`_next_ticket`).
        """
        moment = (now or clock.now()).astimezone(clock.HANOI)
        # Kept as the clock says even when it is wrong (people read it; the mark says so).
        service_day = moment.date().isoformat()
        trusted = clock.trusted_today(moment) is not None
        kind = kind_of_request(request).kind
        submission_uuid = str(uuid.uuid4())
        # Sealed before the write lock is taken: the clear text is never stored.
        sealed = self._sealed_personal_data(kind, citizen)
        with write_transaction(self.db):
            details, procedure_code = self._details(request)
            number = (
                self._next_ticket(service_day if trusted else None, request)
                if isinstance(request, QueueTicketRequest)
                else None
            )
            code = self._insert(
                {
                    "uuid": submission_uuid,
                    "kind": kind.value,
                    "kiosk_id": self.kiosk_id,
                    "service_day": service_day,
                    "created_at": moment.isoformat(timespec="seconds"),
                    "procedure_code": procedure_code,
                    "ticket_number": number,
                    "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
                    "citizen_sealed": sealed,
                    "citizen_masked": None if citizen is None else _masked(citizen),
                    "clock_untrusted": int(not trusted),
                }
            )
            self.db.execute(
                "INSERT INTO outbox (submission_uuid, state) VALUES (?, ?)",
                [submission_uuid, OutboxState.PENDING.value],
            )
        created = self.get(submission_uuid)
        assert created is not None and created.receipt_code == code
        return created

    def _insert(self, row: dict[str, Any]) -> str:
        for _ in range(RECEIPT_CODE_ATTEMPTS):
            code = receipt_code.new_code()
            try:
                with self.db.atomic():
                    self.db.table("submissions").insert({**row, "receipt_code": code})
            except sqlite3.IntegrityError:
                continue  # that code was taken today on this kiosk: draw another
            return code
        raise SubmissionError("no free receipt code found")  # pragma: no cover

    def _details(self, request: Request) -> tuple[dict[str, Any], str | None]:
        prepared = kind_of_request(request).prepare(request, _CatalogRecords(self.db))
        return prepared.details, prepared.procedure_code

    def _next_ticket(self, service_day: str | None, request: QueueTicketRequest) -> str:
        """The next number of the request's series on ``service_day`` (None: the clock is
        untrusted, the real day unknown).

        A number is never issued twice on one real day, whatever the clock did. Under an
        untrusted clock the untrusted series continues from the latest number issued (its
        own, or the last trusted day's: the Pi may have lost power mid-day and rebooted
        into 1970). A trusted day continues after the untrusted series, since those
        numbers may have been issued this very morning before NTP answered; that closes
        the untrusted series, so the day after starts at 1 again.
        """
        priority = request.priority is not PriorityGroup.NONE
        series = "priority" if priority else "normal"
        untrusted = self._last_number(UNTRUSTED_SERIES_DAY, request.service, series)
        if service_day is None:
            latest_trusted = self.db.execute(
                "SELECT last_number FROM queue_counters WHERE service_day != ? "
                "AND service = ? AND series = ? ORDER BY service_day DESC LIMIT 1",
                [UNTRUSTED_SERIES_DAY, request.service, series],
            ).fetchone()
            number = max(untrusted, 0 if latest_trusted is None else int(latest_trusted[0])) + 1
            self._set_last_number(UNTRUSTED_SERIES_DAY, request.service, series, number)
        else:
            number = max(self._last_number(service_day, request.service, series), untrusted) + 1
            self._set_last_number(service_day, request.service, series, number)
            self.db.execute(
                "DELETE FROM queue_counters WHERE service_day = ? AND service = ? "
                "AND series = ?",
                [UNTRUSTED_SERIES_DAY, request.service, series],
            )
        return ticket_number(request.service, self.queue_prefix, priority, number)

    def _last_number(self, service_day: str, service: str, series: str) -> int:
        row = self.db.execute(
            "SELECT last_number FROM queue_counters WHERE service_day = ? AND service = ? "
            "AND series = ?",
            [service_day, service, series],
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _set_last_number(self, service_day: str, service: str, series: str, number: int) -> None:
        self.db.execute(
            "INSERT INTO queue_counters (service_day, service, series, last_number) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (service_day, service, series) "
            "DO UPDATE SET last_number = excluded.last_number",
            [service_day, service, series, number],
        )

    def _sealed_personal_data(
        self, kind: SubmissionKind, citizen: CitizenCard | None
    ) -> bytes | None:
        if citizen is None or not KINDS[kind].keeps_identity:
            return None
        if self.sealer is None:
            raise SubmissionError(
                "no backend public key is set (sync.backend_public_key): the applicant's "
                "identity cannot be sealed, so it is not stored"
            )
        card = citizen.to_json()
        # The intake needs who applied; the issue date and old number are not needed.
        kept = {key: card[key] for key in PERSONAL_FIELDS}
        return self.sealer.seal(json.dumps(kept, ensure_ascii=False).encode("utf-8"))

    # -- reading --------------------------------------------------------------------------

    _SELECT = (
        "SELECT s.*, o.state, o.attempts, o.last_error FROM submissions s "
        "JOIN outbox o ON o.submission_uuid = s.uuid"
    )

    @staticmethod
    def _from_row(row: dict[str, Any]) -> Submission:
        return Submission(
            seq=row["seq"],
            uuid=row["uuid"],
            kind=SubmissionKind(row["kind"]),
            receipt_code=row["receipt_code"],
            kiosk_id=row["kiosk_id"],
            service_day=row["service_day"],
            created_at=row["created_at"],
            procedure_code=row["procedure_code"],
            ticket_number=row["ticket_number"],
            details=json.loads(row["details"]),
            citizen_masked=row["citizen_masked"],
            has_personal_data=row["citizen_sealed"] is not None or row["citizen"] is not None,
            state=OutboxState(row["state"]),
            attempts=row["attempts"],
            last_error=row["last_error"],
            clock_untrusted=bool(row["clock_untrusted"]),
        )

    def get(self, submission_uuid: str) -> Submission | None:
        """One submission by UUID."""
        rows = list(self.db.query(self._SELECT + " WHERE s.uuid = ?", [submission_uuid]))
        return self._from_row(rows[0]) if rows else None

    def find_by_receipt(self, code: str) -> list[Submission]:
        """Submissions with receipt ``code`` (canonical form), newest first."""
        return [
            self._from_row(row)
            for row in self.db.query(
                self._SELECT + " WHERE s.receipt_code = ? ORDER BY s.seq DESC", [code]
            )
        ]

    def list(
        self, *, state: OutboxState | None = None, limit: int | None = None
    ) -> list[Submission]:
        """Submissions in the order they were made, optionally only those in ``state``."""
        sql = self._SELECT
        params: list[Any] = []
        if state is not None:
            sql += " WHERE o.state = ?"
            params.append(state.value)
        sql += " ORDER BY s.seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._from_row(row) for row in self.db.query(sql, params)]

    def queue_tickets_after(self, seq: int, limit: int) -> builtins.list[Submission]:
        """Up to ``limit`` queue tickets made after sequence ``seq``, in the order they were
        issued (what the service point's hub is sent, whatever the city's outbox says)."""
        return [
            self._from_row(row)
            for row in self.db.query(
                self._SELECT + " WHERE s.kind = ? AND s.seq > ? ORDER BY s.seq LIMIT ?",
                [SubmissionKind.QUEUE_TICKET.value, seq, limit],
            )
        ]

    def sealed_personal_data(self, submission_uuid: str) -> bytes | None:
        """The personal data kept for a submission, sealed for the backend."""
        row = self.db.execute(
            "SELECT citizen_sealed FROM submissions WHERE uuid = ?", [submission_uuid]
        ).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def pending_deliveries(self, limit: int) -> builtins.list[PendingDelivery]:
        """Up to ``limit`` pending submissions, oldest first, as the sync agent sends them.

        Order is the database's sequence, never the device clock.
        """
        rows = self.db.query(
            self._SELECT + " WHERE o.state = ? ORDER BY s.seq LIMIT ?",
            [OutboxState.PENDING.value, limit],
        )
        return [
            PendingDelivery(
                self._from_row(row),
                None if row["citizen_sealed"] is None else bytes(row["citizen_sealed"]),
            )
            for row in rows
        ]

    def seal_legacy_personal_data(self, sealer: Sealer) -> int:
        """Seal personal data that schema 1 stored in clear; returns how many rows.

        Databases written before sealing existed keep the identity in the ``citizen``
        column. This seals it into ``citizen_sealed`` and clears the old value, with
        ``secure_delete`` so the freed bytes are overwritten, then checkpoints the WAL so
        no copy of the old page stays there either.
        """
        rows = self.db.execute(
            "SELECT uuid, citizen FROM submissions WHERE citizen IS NOT NULL"
        ).fetchall()
        if not rows:
            return 0
        self.db.execute("PRAGMA secure_delete=ON")
        with write_transaction(self.db):
            for submission_uuid, clear in rows:
                self.db.execute(
                    "UPDATE submissions SET citizen_sealed = ?, citizen = NULL WHERE uuid = ?",
                    [sealer.seal(str(clear).encode("utf-8")), submission_uuid],
                )
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(rows)

    # -- delivery -------------------------------------------------------------------------

    def mark_sent(self, uuids: Iterable[str], *, now: dt.datetime | None = None) -> int:
        """Record the backend's acknowledgement of ``uuids``; returns how many changed."""
        stamp = (now or clock.now()).astimezone(clock.HANOI).isoformat(timespec="seconds")
        changed = 0
        with write_transaction(self.db):
            for item in uuids:
                cursor = self.db.execute(
                    "UPDATE outbox SET state = ?, acknowledged_at = ?, last_error = NULL, "
                    "attempts = attempts + 1 WHERE submission_uuid = ? AND state != ?",
                    [OutboxState.SENT.value, stamp, item, OutboxState.SENT.value],
                )
                changed += cursor.rowcount
        return changed

    def mark_failed(self, submission_uuid: str, reason: str) -> None:
        """The backend refused this submission for good: keep it, with the reason."""
        with write_transaction(self.db):
            self.db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + 1 "
                "WHERE submission_uuid = ? AND state = ?",
                [OutboxState.FAILED.value, reason, submission_uuid, OutboxState.PENDING.value],
            )

    def record_attempt(self, uuids: Sequence[str], error: str) -> None:
        """A delivery try that failed for a passing reason: the items stay pending."""
        with write_transaction(self.db):
            for item in uuids:
                self.db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                    "WHERE submission_uuid = ? AND state = ?",
                    [error, item, OutboxState.PENDING.value],
                )

    def retry_failed(self) -> int:
        """Put every failed submission back in the queue (a technician's action)."""
        with write_transaction(self.db):
            cursor = self.db.execute(
                "UPDATE outbox SET state = ? WHERE state = ?",
                [OutboxState.PENDING.value, OutboxState.FAILED.value],
            )
        return cursor.rowcount

    def purge_personal_data(self, *, retention_days: int, now: dt.datetime | None = None) -> int:
        """Remove personal data of submissions acknowledged over ``retention_days`` ago.

        Returns how many submissions were purged. Unsent ones keep theirs: the backend has
        not got it yet.
        """
        cutoff = (now or clock.now()).astimezone(clock.HANOI) - dt.timedelta(days=retention_days)
        with write_transaction(self.db):
            cursor = self.db.execute(
                "UPDATE submissions SET citizen = NULL, citizen_sealed = NULL, "
                "citizen_masked = NULL WHERE (citizen IS NOT NULL OR citizen_sealed IS NOT "
                "NULL OR citizen_masked IS NOT NULL) AND uuid IN ("
                "SELECT submission_uuid FROM outbox WHERE state = ? AND acknowledged_at <= ?)",
                [OutboxState.SENT.value, cutoff.isoformat(timespec="seconds")],
            )
        return cursor.rowcount

    def counts(self) -> dict[str, int]:
        """How many submissions are in each outbox state."""
        counts = dict.fromkeys((state.value for state in OutboxState), 0)
        for state, count in self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
            counts[state] = count
        return counts
