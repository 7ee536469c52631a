"""The network printer driver against a scripted printer on a loopback TCP port.

Every scenario must end in its state within 2 s (the driver's timeout here is 0.3 s), with
the job still in the queue whenever it was not printed. The 2 s is a deadline against a
hang, not a speed measurement: speed goals live in bench/.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from devices.escpos_encode import render_job
from devices.escpos_network import from_config as build
from devices.printer_profile import resolve_profile
from kiosk.clock import HANOI
from kiosk.config import Config, load_config
from kiosk.printing import (
    JobState,
    PrinterLoadError,
    PrinterState,
    PrintJob,
    PrintJobs,
    PrintOutcome,
    PrintQueue,
)
from kiosk.receipt import Line, QrCode, Receipt, SlipKind
from kiosk.storage import open_database
from tests import fake_tcp_printer as script
from tests.fake_tcp_printer import ScriptedTcpPrinter

T = TypeVar("T")
MORNING = dt.datetime(2026, 12, 1, 8, 0, tzinfo=HANOI)
STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
DEADLINE_SECONDS = 2.0
SLIP = Receipt(
    SlipKind.TEST,
    (*(Line(f"Dòng {n}: Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết") for n in range(12)),
     QrCode("MOTCUA:R:TESTQRK7")),
    "vi",
    "A1-007",
)


def settings(port: int, tmp_path: Path, host: str = "127.0.0.1") -> Config:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    return replace(config, values={
        **config.values, "printer.driver": "network", "printer.profile": "default",
        "printer.width_dots": 384, "printer.host": host, "printer.port": port,
        "printer.timeout_ms": 300,
    })


def within_deadline(action: Callable[[], T]) -> T:
    """``action()``'s result; fails if it has not returned within the deadline."""
    results: list[T] = []
    worker = threading.Thread(target=lambda: results.append(action()), daemon=True)
    worker.start()
    worker.join(DEADLINE_SECONDS)
    assert not worker.is_alive(), f"still waiting after {DEADLINE_SECONDS} s"
    assert results, "the action raised (see the thread's traceback above)"
    return results[0]


def on_print_worker(database: Path, port: int, tmp_path: Path,
                    action: Callable[[PrintQueue], T]) -> T:
    """``action`` on a print queue run by a worker thread with its own connection.

    As in the UI: one thread prints, and it owns its SQLite connection.
    """
    def work() -> T:
        db = open_database(database)
        try:
            return action(PrintQueue(db, build(settings(port, tmp_path))))
        finally:
            db.close()

    return within_deadline(work)


def the_job() -> bytes:
    return render_job(SLIP, resolve_profile("default", 384))[1]


def jobs_in(database: Path) -> list[PrintJob]:
    db = open_database(database)
    try:
        return PrintJobs(db).jobs()
    finally:
        db.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "kiosk.sqlite3"


def submit(database: Path, printer: ScriptedTcpPrinter, tmp_path: Path) -> PrintOutcome:
    return on_print_worker(database, printer.port, tmp_path,
                           lambda queue: queue.submit(SLIP, now=MORNING))


@pytest.mark.parametrize(
    ("answers", "state"),
    [(script.READY, PrinterState.READY), (script.PAPER_NEAR_END, PrinterState.PAPER_NEAR_END)],
)
def test_a_printer_that_can_print_gets_the_whole_job_between_two_status_queries(
    database: Path, tmp_path: Path, answers: dict[int, int], state: PrinterState
) -> None:
    with ScriptedTcpPrinter(answers) as printer:
        outcome = submit(database, printer, tmp_path)
        received = printer.received(1)
    assert (outcome.printed, outcome.status.state) == (True, state)
    assert received == [STATUS_QUERIES + the_job() + STATUS_QUERIES]
    assert [job.state for job in jobs_in(database)] == [JobState.PRINTED]


@pytest.mark.parametrize(
    ("answers", "state", "detail"),
    [
        (script.PAPER_OUT, PrinterState.PAPER_OUT, "status 0x1a 0x32 0x72"),
        (script.COVER_OPEN, PrinterState.COVER_OPEN, "status 0x1a 0x16 0x12"),
        (script.OFFLINE, PrinterState.OFFLINE, "status 0x1a 0x12 0x12"),
        (None, PrinterState.UNKNOWN, "no answer to DLE EOT 1 in time"),
    ],
)
def test_a_printer_that_cannot_print_gets_only_status_queries_and_the_job_waits(
    database: Path, tmp_path: Path, answers: dict[int, int] | None, state: PrinterState,
    detail: str,
) -> None:
    # GIVEN a printer out of paper, with its cover open, offline, or silent
    with ScriptedTcpPrinter(answers) as printer:
        # WHEN a slip is submitted
        outcome = submit(database, printer, tmp_path)
        received = printer.received(1)
    # THEN within the deadline it is in the right state, not printed, and still queued
    assert (outcome.printed, outcome.status.state, outcome.status.detail) == (
        False, state, detail)
    assert received == [STATUS_QUERIES if answers else b"\x10\x04\x01"]
    jobs = jobs_in(database)
    assert [(job.state, job.printer_state) for job in jobs] == [(JobState.QUEUED, state)]


def test_a_connection_dropped_mid_job_loses_nothing_and_prints_whole_when_back(
    database: Path, tmp_path: Path
) -> None:
    job = the_job()
    # GIVEN a printer that resets the connection after 3 KB of the job
    with ScriptedTcpPrinter(script.READY, drop_after=len(STATUS_QUERIES) + 3000) as printer:
        # WHEN a slip is submitted
        outcome = submit(database, printer, tmp_path)
        # THEN it does not count as printed, and the job is still queued
        assert not outcome.printed
        assert outcome.error is not None
        assert [job.state for job in jobs_in(database)] == [JobState.QUEUED]
        # WHEN the printer is back and the queue is retried
        retried = on_print_worker(database, printer.port, tmp_path,
                                  lambda queue: queue.retry_pending(now=MORNING))
        received = printer.received(3)
    # THEN the slip prints, whole, on a fresh connection; nothing was lost
    assert [o.printed for o in retried] == [True]
    assert [(job.state, job.attempts) for job in jobs_in(database)] == [(JobState.PRINTED, 2)]
    assert len(received[0]) < len(STATUS_QUERIES + job)  # the dropped one was cut short
    assert received[-1] == STATUS_QUERIES + job + STATUS_QUERIES


def test_a_printer_that_is_switched_off_is_unreachable(database: Path, tmp_path: Path) -> None:
    # GIVEN a port nobody listens on (bound, then closed)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    outcome = on_print_worker(database, port, tmp_path,
                              lambda queue: queue.submit(SLIP, now=MORNING))
    assert (outcome.printed, outcome.status.state) == (False, PrinterState.UNREACHABLE)
    assert outcome.status.detail.startswith(f"cannot open network printer 127.0.0.1:{port}:")
    assert [job.state for job in jobs_in(database)] == [JobState.QUEUED]


def test_status_alone_reports_each_state(tmp_path: Path) -> None:
    for answers, state in [(script.READY, PrinterState.READY),
                           (script.PAPER_OUT, PrinterState.PAPER_OUT),
                           (None, PrinterState.UNKNOWN)]:
        with ScriptedTcpPrinter(answers) as printer:
            status = within_deadline(build(settings(printer.port, tmp_path)).status)
        assert status.state is state


def test_a_network_printer_without_a_host_is_a_load_fault(tmp_path: Path) -> None:
    with pytest.raises(PrinterLoadError, match=r"printer\.host is empty"):
        build(settings(9100, tmp_path, host=""))
