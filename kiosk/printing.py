"""Printing slips: the printer's states, the printer role, and a print queue that loses nothing.

The core does not know ESC/POS. It declares what a receipt printer must do
(:class:`ReceiptPrinter`: say its state, print a receipt) and ``devices/`` implements it
per transport. Every call into a driver goes through :func:`call_driver`, which logs what
went wrong and degrades to a known state instead of letting a driver's exception reach the
UI.

A slip is a promise to a citizen, so :class:`PrintQueue` stores each job in the database
before the printer is touched. A job counts as printed only when the printer's status
read *after* it is good; otherwise it stays queued, is printed again when the printer is
back (:meth:`PrintQueue.retry_pending`), and the caller gets the reference to show on
screen. A queued job that waited longer than the expiry is not printed any more (its
citizen has left: a stale slip would only confuse the next one) but is kept, marked
expired, for the technician.
"""

from __future__ import annotations

import datetime as dt
import enum
import fcntl
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from kiosk import clock
from kiosk.config import Config
from kiosk.language import Language
from kiosk.receipt import Receipt
from kiosk.receipt_strings import text
from kiosk.storage import Database, write_transaction
from kiosk.sync_state import SyncFact, put_facts

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The longest any one exchange with a printer may block (the configured timeout is capped).
MAX_IO_TIMEOUT_SECONDS = 5.0


class PrinterState(enum.Enum):
    """What the printer said about itself (or why it could not say)."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    #: The printer says it is offline for another reason (e.g. its feed button is held).
    OFFLINE = "offline"
    #: The printer reports an error (cutter jammed, head too hot, unrecoverable fault).
    ERROR = "error"
    #: The printer could not be reached at all (not plugged in, switched off, wrong address).
    UNREACHABLE = "unreachable"
    #: Connected, but no usable answer to the status query: never taken for "paper out".
    UNKNOWN = "unknown"
    #: No printer is configured (``printer.driver = none``): slips stay on screen.
    DISABLED = "disabled"
    #: The configured driver could not be built (a library, a font or a setting is
    #: missing): a fault, never replaced by a fake.
    UNAVAILABLE = "unavailable"

    @property
    def can_print(self) -> bool:
        """Whether a job may be sent (and, read after a job, whether it counts as printed)."""
        return self in CAN_PRINT

    def message(self, language: Language) -> str:
        """A short sentence for the screen: "Máy in hết giấy"."""
        return text(f"printer.{self.value}", language)


#: States in which the printer takes jobs.
CAN_PRINT = frozenset({PrinterState.READY, PrinterState.PAPER_NEAR_END})
#: Printing works, but a technician should come soon.
WARNING_STATES = frozenset({PrinterState.PAPER_NEAR_END})
#: The printer cannot print until someone fixes something.
FAULT_STATES = frozenset(
    {
        PrinterState.PAPER_OUT,
        PrinterState.COVER_OPEN,
        PrinterState.OFFLINE,
        PrinterState.ERROR,
        PrinterState.UNREACHABLE,
        PrinterState.UNAVAILABLE,
    }
)
#: We do not know; treated as "cannot print" and never as a particular fault.
UNCERTAIN_STATES = frozenset({PrinterState.UNKNOWN})
#: The states of :class:`UnavailablePrinter`: there is no device to send a slip to.
NO_PRINTER_STATES = frozenset({PrinterState.DISABLED, PrinterState.UNAVAILABLE})


@dataclass(frozen=True)
class PrinterStatus:
    """A printer state and what exactly was seen ("no answer to DLE EOT 1 within 3 s")."""

    state: PrinterState
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The status for ``--json`` output and logs."""
        return {
            "state": self.state.value,
            "can_print": self.state.can_print,
            "detail": self.detail,
        }


class PrinterError(Exception):
    """A job could not be sent to the printer; the message says what failed."""


class PrinterLoadError(Exception):
    """The configured printer driver cannot be used; the message says what is missing.

    A visible fault (technician screen, ``kiosk doctor``): never replaced by a fake.
    """


class ReceiptPrinter(Protocol):
    """A receipt printer, as the core sees it. ``devices/`` has one per transport.

    Implementations bound every exchange with the device by a timeout (never more than
    :data:`MAX_IO_TIMEOUT_SECONDS` per read or write) so no call hangs.
    """

    @property
    def description(self) -> str:
        """What this printer is, for people: "network 10.0.0.5:9100, profile default, 576 dots"."""
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer for its state now.

        A printer that does not answer is :attr:`PrinterState.UNKNOWN`; one that cannot be
        reached is :attr:`PrinterState.UNREACHABLE`.
        """
        ...

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Print ``receipt`` in one exchange and return the status read after it.

        The printer's state is read first and nothing is sent unless it can print (that
        state is returned). The status after the job is read over the same connection as
        the job, so a connection that broke during the job shows as a bad state. Raises
        :class:`PrinterError` (or any other exception: the caller's handler catches all)
        when the job could not be sent.
        """
        ...

    def close(self) -> None:
        """Release the device (the printer may be used again afterwards)."""
        ...


def call_driver(
    action: str, call: Callable[[], _T], on_error: Callable[[Exception], _T]
) -> _T:
    """Run one call into a driver; on any exception log it and return ``on_error(error)``.

    The one place where a driver's failure is turned into a known state: a bug or an
    unexpected exception in a driver must never reach the UI thread or lose a job.
    """
    try:
        return call()
    except PrinterError as error:
        logger.warning("%s failed: %s", action, error)
        return on_error(error)
    except Exception as error:
        logger.exception("%s failed unexpectedly", action)
        return on_error(error)


def describe_error(error: Exception) -> str:
    """An exception as one line for people: its message, or its type if it has none."""
    message = str(error).strip().replace("\n", " ")
    return message or type(error).__name__


def guarded_status(printer: ReceiptPrinter) -> PrinterStatus:
    """The printer's status through :func:`call_driver` (UNKNOWN when the driver fails)."""
    return call_driver(
        f"status of {_describe(printer)}",
        printer.status,
        lambda error: PrinterStatus(
            PrinterState.UNKNOWN, f"status query failed: {describe_error(error)}"
        ),
    )


def _describe(printer: ReceiptPrinter) -> str:
    try:
        return printer.description
    except Exception:  # noqa: BLE001 - a broken driver must still be named in logs
        return type(printer).__name__


class UnavailablePrinter:
    """Stands in for a printer the kiosk does not have, so nobody holds a None.

    Either none is configured (``printer.driver = none``: :attr:`PrinterState.DISABLED`)
    or the configured driver could not be built (:attr:`PrinterState.UNAVAILABLE`, the
    detail says what is missing). Its state is known without asking any device, and every
    job is refused with it. A driver that cannot load is a fault to show (technician
    screen, ``kiosk doctor``), never replaced by a fake.
    """

    def __init__(self, state: PrinterState, detail: str, description: str) -> None:
        if state not in NO_PRINTER_STATES:
            raise ValueError(f"a printer stand-in is never {state.value}")
        self.state = state
        self.detail = detail
        self._description = description

    @classmethod
    def not_configured(cls) -> UnavailablePrinter:
        """The printer of ``printer.driver = none``: every slip stays on screen."""
        return cls(PrinterState.DISABLED, "printer.driver is none",
                   "no printer (printer.driver = none)")

    @classmethod
    def cannot_load(cls, driver: str, problem: str) -> UnavailablePrinter:
        """The configured ``driver``, which could not be built because of ``problem``."""
        return cls(PrinterState.UNAVAILABLE, problem, f"printer '{driver}' (cannot be used)")

    @property
    def description(self) -> str:
        """Says there is none, or which driver could not be built."""
        return self._description

    def status(self) -> PrinterStatus:
        """Always the stand-in's state, with why."""
        return PrinterStatus(self.state, self.detail)

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Prints nothing: the stand-in's state."""
        del receipt
        return self.status()

    def close(self) -> None:
        """Nothing to release."""


# -- configuration -------------------------------------------------------------------------


def io_timeout_seconds(config: Config) -> float:
    """The longest one exchange with the printer may block: ``printer.timeout_ms``, capped
    at :data:`MAX_IO_TIMEOUT_SECONDS`."""
    return min(config.number("printer.timeout_ms") / 1000, MAX_IO_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class PrinterSettings:
    """The printer settings the app and the command line need; each driver reads its own
    keys in its ``from_config``."""

    driver: str
    #: Where the file printer writes its jobs and previews (the demo shows them).
    output_dir: Path
    job_expiry: dt.timedelta

    @classmethod
    def from_config(cls, config: Config) -> PrinterSettings:
        """The settings of this kiosk (``printer.output_dir`` empty: data dir/printed)."""
        return cls(
            driver=config.text("printer.driver"),
            output_dir=printer_output_dir(config),
            job_expiry=dt.timedelta(minutes=config.number("printer.job_expiry_minutes")),
        )


def printer_output_dir(config: Config) -> Path:
    """The file printer's folder: ``printer.output_dir``, or data dir/printed when empty."""
    output = config.text("printer.output_dir")
    return Path(output) if output else config.data_dir / "printed"


# -- the print queue -----------------------------------------------------------------------


class JobState(enum.Enum):
    """Where a print job is."""

    QUEUED = "queued"
    PRINTED = "printed"
    #: Waited longer than the expiry: kept for the record, never printed any more.
    EXPIRED = "expired"


@dataclass(frozen=True)
class PrintJob:
    """One stored print job."""

    id: int
    created_at: str
    receipt: Receipt
    state: JobState
    attempts: int
    printer_state: PrinterState | None
    last_error: str | None
    printed_at: str | None
    submission_uuid: str | None

    def to_json(self) -> dict[str, Any]:
        """The job for listings (the receipt as its kind and reference only)."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "kind": self.receipt.kind.value,
            "reference": self.receipt.reference,
            "state": self.state.value,
            "attempts": self.attempts,
            "printer_state": None if self.printer_state is None else self.printer_state.value,
            "last_error": self.last_error,
            "printed_at": self.printed_at,
            "submission_uuid": self.submission_uuid,
        }


@dataclass(frozen=True)
class PrintOutcome:
    """What became of one attempt to print a job: what the UI needs to tell the citizen."""

    job_id: int
    printed: bool
    status: PrinterStatus
    reference: str | None
    error: str | None = None

    def message(self, language: Language) -> str:
        """What to tell the citizen when the slip did not come out (empty when it did)."""
        if self.printed:
            return ""
        if not self.reference:
            return self.status.state.message(language)
        return text("printer.not_printed", language, reference=self.reference)

    def to_json(self) -> dict[str, Any]:
        """The outcome for ``--json`` output."""
        return {
            "job_id": self.job_id,
            "printed": self.printed,
            "reference": self.reference,
            "error": self.error,
            **{f"printer_{key}": value for key, value in self.status.to_json().items()},
        }


class PrintJobs:
    """The stored print jobs, read-only (for listings: ``kiosk printer queue``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def jobs(self, *, state: JobState | None = None, limit: int | None = None) -> list[PrintJob]:
        """Stored jobs, oldest first, optionally only those in ``state``."""
        sql = "SELECT * FROM print_jobs"
        params: list[Any] = []
        if state is not None:
            sql += " WHERE state = ?"
            params.append(state.value)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_job_from_row(row) for row in self.db.query(sql, params)]

    def get(self, job_id: int) -> PrintJob | None:
        """One job by id."""
        rows = list(self.db.query("SELECT * FROM print_jobs WHERE id = ?", [job_id]))
        return _job_from_row(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        counts = dict.fromkeys((state.value for state in JobState), 0)
        for state, count in self.db.execute(
            "SELECT state, count(*) FROM print_jobs GROUP BY state"
        ):
            counts[state] = count
        return counts


def database_file(db: Database) -> Path | None:
    """The file behind ``db`` (None for an in-memory database)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


@contextmanager
def printer_lock(db: Database) -> Iterator[None]:
    """Hold the kiosk's printer lock: one print attempt at a time, across processes.

    The app's printing worker and ``kiosk printer retry`` (or a second app by mistake)
    share the print jobs; without the lock both could pick the same queued job and print
    it twice. An advisory ``flock`` on a file beside the database: released by the kernel
    when a holder dies, so a crash never leaves the printer locked. Waits while the other
    holder prints (bounded by the printer driver's timeouts).
    """
    path = database_file(db)
    if path is None:
        yield
        return
    with path.with_name(path.name + ".printer-lock").open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class PrintQueue(PrintJobs):
    """Durable print jobs on one database connection, sent to one printer.

    Use it from the thread that owns the connection (the UI's printing worker); printing
    blocks for as long as the printer takes, bounded by the driver's timeouts. Each attempt
    holds :func:`printer_lock` and first checks the job is still queued, so two queues on
    one database (two processes) never print a job twice.
    """

    def __init__(
        self,
        db: Database,
        printer: ReceiptPrinter,
        *,
        expiry: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        super().__init__(db)
        self.printer = printer
        self.expiry = expiry

    def status(self) -> PrinterStatus:
        """The printer's state now (never raises); recorded for the sync agent's heartbeat."""
        current = guarded_status(self.printer)
        self._record_state(current.state)
        return current

    def _record_state(self, state: PrinterState) -> None:
        # The sync agent is another process without the printer: it reads this fact.
        put_facts(self.db, {SyncFact.PRINTER_STATE: state.value,
                            SyncFact.PRINTER_STATE_AT: self._stamp(None)})

    def submit(
        self,
        receipt: Receipt,
        *,
        submission_uuid: str | None = None,
        now: dt.datetime | None = None,
    ) -> PrintOutcome:
        """Store ``receipt`` as a job, then try to print it once.

        The job is committed before the printer is touched, so a crash or power cut
        mid-print leaves it queued. When the outcome says not printed, show
        ``outcome.reference`` on screen: the job stays queued for :meth:`retry_pending`.
        """
        stamp = self._stamp(now)
        with write_transaction(self.db):
            cursor = self.db.execute(
                "INSERT INTO print_jobs (created_at, kind, reference, receipt, state, "
                "submission_uuid) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    stamp,
                    receipt.kind.value,
                    receipt.reference,
                    json.dumps(receipt.to_json(), ensure_ascii=False),
                    JobState.QUEUED.value,
                    submission_uuid,
                ],
            )
            job_id = cursor.lastrowid
        assert job_id is not None
        with printer_lock(self.db):
            outcome = self._attempt_if_queued(job_id, receipt, now)
        if outcome is None:
            # Another process's retry took it between the insert and the lock: report what
            # that attempt recorded.
            job = self.get(job_id)
            printed = job is not None and job.state is JobState.PRINTED
            state = (job.printer_state if job is not None else None) or PrinterState.UNKNOWN
            return PrintOutcome(job_id, printed, PrinterStatus(state, "printed by another "
                                "process" if printed else "handled by another process"),
                                receipt.reference, None if printed else "not printed")
        return outcome

    def retry_pending(self, *, now: dt.datetime | None = None) -> list[PrintOutcome]:
        """Print queued jobs, oldest first, if the printer can print now.

        Jobs older than the expiry are marked expired first. Stops at the first job that
        does not print (the printer went bad again); returns one outcome per attempt. The
        UI's printing worker calls this on a timer and whenever the printer comes back.
        """
        self.expire(now=now)
        queued = self.jobs(state=JobState.QUEUED)
        if not queued:
            return []
        current = self.status()
        if not current.state.can_print:
            logger.info("%d print job(s) wait: %s", len(queued), current.state.value)
            return []
        outcomes: list[PrintOutcome] = []
        for job in queued:
            with printer_lock(self.db):
                outcome = self._attempt_if_queued(job.id, job.receipt, now)
            if outcome is None:
                continue  # printed (or expired) by another process meanwhile
            outcomes.append(outcome)
            if not outcome.printed:
                break
        return outcomes

    def expire(self, *, now: dt.datetime | None = None) -> int:
        """Mark queued jobs older than the expiry as expired; returns how many."""
        moment = (now or clock.now()).astimezone(clock.HANOI)
        expired = 0
        for job in self.jobs(state=JobState.QUEUED):
            age = moment - dt.datetime.fromisoformat(job.created_at)
            # A clock that jumped backwards gives a negative age: not expired.
            if age > self.expiry:
                with write_transaction(self.db):
                    expired += self.db.execute(
                        "UPDATE print_jobs SET state = ? WHERE id = ? AND state = ?",
                        [JobState.EXPIRED.value, job.id, JobState.QUEUED.value],
                    ).rowcount
        if expired:
            logger.warning("%d print job(s) expired unprinted", expired)
        return expired

    # -- one attempt ---------------------------------------------------------------------

    def _attempt_if_queued(
        self, job_id: int, receipt: Receipt, now: dt.datetime | None
    ) -> PrintOutcome | None:
        """Print the job if it is still queued (call holding :func:`printer_lock`); None
        when another process printed or expired it meanwhile."""
        still = self.get(job_id)
        if still is None or still.state is not JobState.QUEUED:
            return None
        return self._attempt(job_id, receipt, now)

    def _attempt(self, job_id: int, receipt: Receipt, now: dt.datetime | None) -> PrintOutcome:
        failures: list[str] = []

        def failed(error: Exception) -> PrinterStatus:
            failures.append(describe_error(error))
            return self.status()

        answer: object = call_driver(
            f"print job {job_id} on {_describe(self.printer)}",
            lambda: self.printer.print_receipt(receipt),
            failed,
        )
        if isinstance(answer, PrinterStatus):
            after = answer
        else:  # a driver bug: never count it printed
            failures.append(f"driver returned {answer!r} instead of a status")
            after = PrinterStatus(PrinterState.UNKNOWN, failures[-1])
        error = failures[0] if failures else None
        printed = error is None and after.state.can_print
        if not printed and error is None:
            error = after.detail or after.state.value
        with write_transaction(self.db):
            self._record_state(after.state)
            self.db.execute(
                "UPDATE print_jobs SET attempts = attempts + 1, printer_state = ?, "
                "last_error = ?, state = ?, printed_at = ? WHERE id = ?",
                [
                    after.state.value,
                    None if printed else error,
                    (JobState.PRINTED if printed else JobState.QUEUED).value,
                    self._stamp(now) if printed else None,
                    job_id,
                ],
            )
        if not printed:
            logger.warning("print job %d not printed: %s", job_id, error)
        return PrintOutcome(job_id, printed, after, receipt.reference, None if printed else error)

    @staticmethod
    def _stamp(now: dt.datetime | None) -> str:
        return (now or clock.now()).astimezone(clock.HANOI).isoformat(timespec="seconds")


def _job_from_row(row: dict[str, Any]) -> PrintJob:
    return PrintJob(
        id=row["id"],
        created_at=row["created_at"],
        receipt=Receipt.from_json(json.loads(row["receipt"])),
        state=JobState(row["state"]),
        attempts=row["attempts"],
        printer_state=None if row["printer_state"] is None else PrinterState(row["printer_state"]),
        last_error=row["last_error"],
        printed_at=row["printed_at"],
        submission_uuid=row["submission_uuid"],
    )
