"""The print queue: a slip counts as printed only when the printer says so afterwards."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pyzbar.pyzbar import decode

from devices.fake_printer import FakeReceiptPrinter
from devices.file_printer import FileReceiptPrinter
from devices.printer_profile import resolve_profile
from kiosk import receipt_code
from kiosk.catalog import load_catalog
from kiosk.clock import HANOI
from kiosk.kinds import IntakeRequest, slip_for_submission
from kiosk.printing import (
    CAN_PRINT,
    FAULT_STATES,
    UNCERTAIN_STATES,
    WARNING_STATES,
    JobState,
    PrinterError,
    PrinterState,
    PrinterStatus,
    PrintQueue,
    UnavailablePrinter,
    call_driver,
    printer_lock,
)
from kiosk.receipt import Receipt, SlipContext, SlipKind, Title
from kiosk.scanned import ScanKind, classify
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox
from office.keys import SealingKeys
from tests.escpos_stream import paper

MORNING = dt.datetime(2026, 12, 1, 8, 0, tzinfo=HANOI)
SLIP = Receipt(SlipKind.TEST, (Title("PHIẾU IN THỬ"),), "vi", "A1-007")
CARD_QR = ("001099012345|123456789|Nguyễn Văn An|15031999|Nam|"
           "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021")


def later(minutes: int) -> dt.datetime:
    return MORNING + dt.timedelta(minutes=minutes)


@pytest.fixture
def fake() -> FakeReceiptPrinter:
    return FakeReceiptPrinter()


@pytest.fixture
def queue(db: Database, fake: FakeReceiptPrinter) -> PrintQueue:
    return PrintQueue(db, fake, expiry=dt.timedelta(minutes=15))


def test_state_sets_split_every_state_once() -> None:
    groups = [CAN_PRINT - WARNING_STATES, WARNING_STATES, FAULT_STATES, UNCERTAIN_STATES,
              frozenset({PrinterState.DISABLED})]
    assert sorted(s.value for g in groups for s in g) == sorted(s.value for s in PrinterState)
    assert PrinterState.UNKNOWN not in FAULT_STATES  # silence is never "paper out"
    assert PrinterState.PAPER_NEAR_END.can_print and not PrinterState.UNKNOWN.can_print
    assert PrinterState.PAPER_OUT.message("vi") == "Máy in hết giấy"
    assert PrinterState.COVER_OPEN.message("en") == "Printer cover is open"


def test_a_slip_on_a_ready_printer_is_printed_and_recorded(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    outcome = queue.submit(SLIP, submission_uuid="u-1", now=MORNING)
    assert outcome.printed
    assert outcome.status == PrinterStatus(PrinterState.READY, "fake")
    assert outcome.message("vi") == ""
    assert fake.printed == [SLIP]
    job = queue.get(outcome.job_id)
    assert job is not None
    assert (job.state, job.attempts, job.printer_state, job.last_error) == (
        JobState.PRINTED, 1, PrinterState.READY, None)
    assert (job.printed_at, job.submission_uuid) == ("2026-12-01T08:00:00+07:00", "u-1")
    assert job.receipt == SLIP


def test_paper_running_out_during_the_job_keeps_it_queued_and_tells_the_citizen(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    # GIVEN a printer whose paper ends during the job
    fake.state_after_job = PrinterState.PAPER_OUT
    # WHEN a slip is printed
    outcome = queue.submit(SLIP, now=MORNING)
    # THEN it does not count as printed: it stays queued, and the UI has the code to show
    assert not outcome.printed
    assert outcome.status.state is PrinterState.PAPER_OUT
    assert outcome.message("vi") == (
        "Chưa in được phiếu. Vui lòng ghi lại hoặc chụp mã: A1-007")
    assert [job.state for job in queue.jobs()] == [JobState.QUEUED]
    assert queue.counts() == {"queued": 1, "printed": 0, "expired": 0}


@pytest.mark.parametrize("state", sorted(FAULT_STATES | UNCERTAIN_STATES, key=lambda s: s.value))
def test_a_printer_that_cannot_print_gets_nothing_and_the_job_waits(
    queue: PrintQueue, fake: FakeReceiptPrinter, state: PrinterState
) -> None:
    fake.state = state
    outcome = queue.submit(SLIP, now=MORNING)
    assert (outcome.printed, outcome.status.state, outcome.error) == (False, state, "fake")
    assert fake.printed == []
    assert queue.jobs(state=JobState.QUEUED)[0].printer_state is state


def test_queued_jobs_are_retried_oldest_first_when_the_printer_is_back(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    # GIVEN two slips that could not print while the cover was open
    fake.state = PrinterState.COVER_OPEN
    first = Receipt(SlipKind.TEST, (Title("1"),), "vi", "A1-001")
    second = Receipt(SlipKind.TEST, (Title("2"),), "vi", "A1-002")
    queue.submit(first, now=later(0))
    queue.submit(second, now=later(1))
    # WHEN retrying while still open, then after the cover is closed
    assert queue.retry_pending(now=later(2)) == []
    fake.state = PrinterState.READY
    outcomes = queue.retry_pending(now=later(3))
    # THEN both print, in the order they were made, nothing is left and nothing lost
    assert [outcome.printed for outcome in outcomes] == [True, True]
    assert fake.printed == [first, second]
    assert queue.counts() == {"queued": 0, "printed": 2, "expired": 0}
    assert [job.attempts for job in queue.jobs()] == [2, 2]
    assert queue.retry_pending(now=later(4)) == []


def test_a_retry_stops_at_the_first_job_that_fails_again(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    fake.state = PrinterState.OFFLINE
    for minute in range(3):
        queue.submit(SLIP, now=later(minute))
    fake.state = PrinterState.READY
    fake.state_after_job = PrinterState.PAPER_OUT
    outcomes = queue.retry_pending(now=later(5))
    assert [outcome.printed for outcome in outcomes] == [False]
    assert queue.counts() == {"queued": 3, "printed": 0, "expired": 0}


def test_a_slip_nobody_waits_for_any_more_expires_and_is_kept(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    fake.state = PrinterState.PAPER_OUT
    queue.submit(SLIP, now=later(0))
    queue.submit(SLIP, now=later(10))
    fake.state = PrinterState.READY
    outcomes = queue.retry_pending(now=later(20))  # the first waited 20 min > 15
    assert [outcome.printed for outcome in outcomes] == [True]
    assert [job.state for job in queue.jobs()] == [JobState.EXPIRED, JobState.PRINTED]
    assert len(fake.printed) == 1


def test_a_clock_that_jumped_back_expires_nothing(
    queue: PrintQueue, fake: FakeReceiptPrinter
) -> None:
    fake.state = PrinterState.PAPER_OUT
    queue.submit(SLIP, now=MORNING)
    assert queue.expire(now=dt.datetime(1970, 1, 1, tzinfo=HANOI)) == 0
    assert queue.counts()["queued"] == 1


def test_a_driver_that_raises_loses_no_job_and_the_error_is_recorded(
    queue: PrintQueue, fake: FakeReceiptPrinter, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a driver that fails while sending, then one with a bug in its status query
    fake.fail_print = PrinterError("sending the 4096-byte job failed: [Errno 32] Broken pipe")
    with caplog.at_level(logging.WARNING, logger="kiosk.printing"):
        outcome = queue.submit(SLIP, now=MORNING)
    assert not outcome.printed
    assert outcome.error == "sending the 4096-byte job failed: [Errno 32] Broken pipe"
    assert outcome.status.state is PrinterState.READY  # asked again after the failure
    assert "print job 1 on fake printer (prints nothing) failed" in caplog.text
    fake.fail_print = None
    fake.fail_status = ZeroDivisionError()
    outcome = queue.submit(SLIP, now=MORNING)
    assert not outcome.printed
    assert outcome.error == "ZeroDivisionError"
    assert outcome.status == PrinterStatus(PrinterState.UNKNOWN,
                                           "status query failed: ZeroDivisionError")
    assert queue.status().state is PrinterState.UNKNOWN
    # THEN both jobs are still there, queued, with what went wrong
    assert [(job.state, job.last_error) for job in queue.jobs()] == [
        (JobState.QUEUED, "sending the 4096-byte job failed: [Errno 32] Broken pipe"),
        (JobState.QUEUED, "ZeroDivisionError"),
    ]


def test_a_driver_returning_nonsense_never_counts_as_printed(db: Database) -> None:
    class Confused(FakeReceiptPrinter):
        def print_receipt(self, receipt: Receipt) -> PrinterStatus:
            return "ok"  # type: ignore[return-value]

    outcome = PrintQueue(db, Confused()).submit(SLIP, now=MORNING)
    assert not outcome.printed
    assert outcome.error == "driver returned 'ok' instead of a status"


def test_the_job_is_stored_before_the_printer_is_touched(db: Database, tmp_path: Path) -> None:
    # GIVEN a printer that "loses power" (the process dies) while printing
    class PowerCut(FakeReceiptPrinter):
        def print_receipt(self, receipt: Receipt) -> PrinterStatus:
            raise SystemExit("power cut")

    with pytest.raises(SystemExit):
        PrintQueue(db, PowerCut()).submit(SLIP, now=MORNING)
    # THEN after a restart the job is in the database, queued, and prints when retried
    reopened = open_database(tmp_path / "kiosk.sqlite3")
    fake = FakeReceiptPrinter()
    queue = PrintQueue(reopened, fake)
    assert [job.state for job in queue.jobs()] == [JobState.QUEUED]
    assert [outcome.printed for outcome in queue.retry_pending(now=later(1))] == [True]
    assert fake.printed == [SLIP]
    reopened.close()


def test_no_printer_configured_means_every_slip_stays_on_screen(db: Database) -> None:
    queue = PrintQueue(db, UnavailablePrinter.not_configured())
    outcome = queue.submit(SLIP, now=MORNING)
    assert (outcome.printed, outcome.status.state) == (False, PrinterState.DISABLED)
    assert outcome.message("en") == (
        "The slip could not be printed. Please note or photograph the code: A1-007")
    no_reference = Receipt(SlipKind.TEST, (), "vi", None)
    assert queue.submit(no_reference, now=MORNING).message("vi") == "Ki-ốt không có máy in"


def test_a_printer_that_could_not_be_built_refuses_every_slip_as_a_fault(
    db: Database,
) -> None:
    # GIVEN the stand-in for a network printer whose host is not set
    printer = UnavailablePrinter.cannot_load("network", "printer.host is empty")
    # THEN it says so without asking any device, and is a fault, not "no printer"
    assert printer.description == "printer 'network' (cannot be used)"
    assert printer.status() == PrinterStatus(PrinterState.UNAVAILABLE, "printer.host is empty")
    assert PrinterState.UNAVAILABLE in FAULT_STATES
    assert PrinterState.UNAVAILABLE.message("en") == "Printer cannot be used"
    # WHEN a slip is printed through the queue THEN it is refused with that state
    outcome = PrintQueue(db, printer).submit(SLIP, now=MORNING)
    assert (outcome.printed, outcome.status.state, outcome.error) == (
        False, PrinterState.UNAVAILABLE, "printer.host is empty")


def test_a_printer_stand_in_is_never_in_a_printing_state() -> None:
    with pytest.raises(ValueError, match="never ready"):
        UnavailablePrinter(PrinterState.READY, "", "a printer")


def test_call_driver_turns_any_exception_into_the_fallback() -> None:
    def broken() -> int:
        raise KeyError("x")

    assert call_driver("sum", broken, lambda error: -1) == -1
    assert call_driver("sum", lambda: 2, lambda error: -1) == 2


def test_a_scanned_card_ends_as_printed_bytes_and_a_preview_that_scans(
    catalog_db: Database, tmp_path: Path
) -> None:
    # GIVEN a citizen's ID card scanned at the kiosk
    scanned = classify(CARD_QR, today=dt.date(2026, 12, 1))
    assert scanned.kind is ScanKind.CITIZEN_ID and scanned.card is not None
    outbox = Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1",
                    sealer=SealedBoxSealer(SealingKeys.generate().public_key))
    # WHEN they hand in an application and the receipt goes to the file printer
    intake = outbox.create(IntakeRequest("1.001193", (0,)), citizen=scanned.card, now=MORNING)
    context = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1")
    slip = slip_for_submission(intake, context, load_catalog(catalog_db))
    printer = FileReceiptPrinter(tmp_path / "printed", resolve_profile("default", 384))
    outcome = PrintQueue(catalog_db, printer).submit(slip, submission_uuid=intake.uuid,
                                                     now=MORNING)
    # THEN it is printed: the bytes on disk print a slip whose QR gives the receipt code back
    assert outcome.printed
    [job_file] = printer.written
    job = job_file.read_bytes()
    assert job.startswith(b"\x1b@") and job.endswith(b"\x1dV\x00")
    printed = paper(job, 384)
    [symbol] = decode(printed.convert("L"))
    assert receipt_code.normalise(symbol.data.decode()) == intake.receipt_code
    preview = job_file.with_name(job_file.name + ".png")
    assert preview.is_file()
    assert outcome.reference == receipt_code.display(intake.receipt_code)
    assert job_file.name.endswith(f"-submission_receipt-{outcome.reference}.escpos")


def test_a_file_printer_whose_folder_cannot_be_written_is_unreachable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    printer = FileReceiptPrinter(blocker / "printed", resolve_profile("default", 384))
    status = printer.status()
    assert status.state is PrinterState.UNREACHABLE
    assert status.detail.startswith(f"cannot create {blocker / 'printed'}")
    assert printer.print_receipt(SLIP) == status
    assert printer.written == []


def test_the_core_printing_modules_import_without_any_imaging_or_printer_library() -> None:
    # Pillow, qrcode, python-escpos, pyusb and pyserial belong to devices/ only.
    probe = (
        "import importlib, importlib.abc, sys\n"
        "class Blocker(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in {'PIL', 'qrcode', 'escpos', 'usb', 'serial'}:\n"
        "            raise ImportError('the core must not import ' + name)\n"
        "sys.meta_path.insert(0, Blocker())\n"
        "for name in ('kiosk.receipt', 'kiosk.receipt_strings', 'kiosk.printing',\n"
        "             'motcua.cli.printer', 'motcua.cli.receipt', 'motcua.cli'):\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


class LoggingPrinter(FakeReceiptPrinter):
    """A printer shared by two processes: each slip's reference is appended to one file,
    slowly, as a real printer takes its time."""

    def __init__(self, log: Path) -> None:
        super().__init__()
        self.log = log

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        time.sleep(0.02)
        with self.log.open("a", encoding="utf-8") as stream:
            stream.write(f"{receipt.reference}\n")
        return super().print_receipt(receipt)


def _retry_in_a_child(path: Path, log: Path, start: Any) -> None:
    start.wait()
    db = open_database(path)
    try:
        PrintQueue(db, LoggingPrinter(log)).retry_pending(now=later(1))
    finally:
        db.close()


def test_two_processes_retrying_the_queue_print_each_slip_once(tmp_path: Path) -> None:
    # GIVEN eight slips queued while the printer was out of paper
    path = tmp_path / "kiosk.sqlite3"
    db = open_database(path)
    queue = PrintQueue(db, FakeReceiptPrinter(PrinterState.PAPER_OUT))
    references = [f"A1-{n:03d}" for n in range(1, 9)]
    for reference in references:
        queue.submit(Receipt(SlipKind.TEST, (Title("PHIẾU IN THỬ"),), "vi", reference),
                     now=MORNING)
    db.close()
    # WHEN the app's worker and `kiosk printer retry` both retry at the same moment
    log = tmp_path / "printed.log"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    children = [
        context.Process(target=_retry_in_a_child, args=(path, log, start)) for _ in range(2)
    ]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    # THEN each slip came out of the printer once, in order, and every job is printed
    assert log.read_text(encoding="utf-8").split() == references
    reopened = open_database(path)
    try:
        assert PrintQueue(reopened, FakeReceiptPrinter()).counts()["printed"] == 8
    finally:
        reopened.close()


def _print_what_is_queued_while_holding_the_lock(path: Path, log: Path, ready: Any) -> None:
    db = open_database(path)
    try:
        queue = PrintQueue(db, LoggingPrinter(log))
        with printer_lock(db):
            ready.set()
            deadline = time.monotonic() + 10
            while not queue.jobs(state=JobState.QUEUED) and time.monotonic() < deadline:
                time.sleep(0.01)
            for job in queue.jobs(state=JobState.QUEUED):
                queue._attempt_if_queued(job.id, job.receipt, None)  # the lock is held
    finally:
        db.close()


def test_a_slip_printed_by_another_process_before_the_lock_is_not_printed_again(
    tmp_path: Path,
) -> None:
    # GIVEN another process (`kiosk printer retry`) holding the printer
    path = tmp_path / "kiosk.sqlite3"
    open_database(path).close()
    log = tmp_path / "printed.log"
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    other = context.Process(target=_print_what_is_queued_while_holding_the_lock,
                            args=(path, log, ready))
    other.start()
    assert ready.wait(10)
    # WHEN the app stores a slip and waits for the printer, and the other process prints it
    db = open_database(path)
    try:
        outcome = PrintQueue(db, LoggingPrinter(log)).submit(
            Receipt(SlipKind.TEST, (Title("PHIẾU IN THỬ"),), "vi", "A1-042"), now=MORNING)
    finally:
        db.close()
    other.join(30)
    # THEN it came out once, and the app knows it was printed
    assert other.exitcode == 0
    assert log.read_text(encoding="utf-8").split() == ["A1-042"]
    assert (outcome.printed, outcome.reference) == (True, "A1-042")
