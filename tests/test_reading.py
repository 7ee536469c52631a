"""The code reader service: de-duplication, classification, faults and the worker thread.

The reader is the recording fake of devices/fake_reader.py; turns of the worker loop are
driven with ``step()`` and the de-duplication clock is injected, so nothing here depends
on timing. People and numbers are fictional.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence

import pytest

from devices.fake_reader import FakeCodeReader
from kiosk.idcard import parse_id_qr
from kiosk.reading import (
    FAULT_STATES,
    ReaderError,
    ReaderState,
    RepeatFilter,
    ScanService,
)
from kiosk.scanned import ScanKind, ScannedCode
from tests.qr_images import CARD

TODAY = dt.date(2026, 11, 27)
#: How long a test waits for the worker thread at most; it normally answers at once.
WORKER_WAIT = 10.0


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_service(
    reader: FakeCodeReader, *, clock: FakeClock | None = None, repeat_seconds: float = 3.0
) -> tuple[ScanService, list[ScannedCode]]:
    reported: list[ScannedCode] = []
    service = ScanService(
        reader,
        reported.append,
        repeat_seconds=repeat_seconds,
        clock=clock or FakeClock(),
        today=lambda: TODAY,
        read_timeout=0,
    )
    return service, reported


# --- RepeatFilter -------------------------------------------------------------------------


def test_a_code_seen_again_within_the_window_is_reported_once() -> None:
    # GIVEN a filter with a 3-second window
    clock = FakeClock()
    repeats = RepeatFilter(3.0, clock=clock)
    # WHEN the same code is seen now, 1 s later and 3 s after that (4 s after the first)
    first = repeats.is_new("K7QM3XP5")
    clock.now += 1.0
    second = repeats.is_new("K7QM3XP5")
    clock.now += 3.0
    third = repeats.is_new("K7QM3XP5")
    # THEN only the first counts: each sighting restarts the window
    assert (first, second, third) == (True, False, False)


def test_a_code_shown_again_after_the_window_is_new() -> None:
    # GIVEN a code seen once
    clock = FakeClock()
    repeats = RepeatFilter(3.0, clock=clock)
    assert repeats.is_new("K7QM3XP5")
    # WHEN it is seen again 3.5 s later
    clock.now += 3.5
    # THEN it is new again
    assert repeats.is_new("K7QM3XP5") is True


def test_surrounding_whitespace_does_not_make_a_code_new() -> None:
    # GIVEN a code read once with the scanner's CR/LF
    repeats = RepeatFilter(3.0, clock=FakeClock())
    assert repeats.is_new("K7QM3XP5\r\n")
    # WHEN it is read again without it, THEN it is a repeat
    assert repeats.is_new("K7QM3XP5") is False


def test_two_codes_in_view_are_each_reported_once() -> None:
    # GIVEN a camera that sees a card and a receipt in every frame
    clock = FakeClock()
    repeats = RepeatFilter(3.0, clock=clock)
    seen = []
    # WHEN five frames show both, 0.1 s apart
    for _ in range(5):
        seen += [repeats.is_new("CARD"), repeats.is_new("RECEIPT")]
        clock.now += 0.1
    # THEN each was new once, in the first frame
    assert seen == [True, True] + [False] * 8


# --- ScanService, one turn at a time ------------------------------------------------------


def test_codes_are_classified_and_reported_with_their_raw_text() -> None:
    # GIVEN a service over a reader that read an ID card, a receipt code and a web address
    reader = FakeCodeReader()
    service, reported = make_service(reader)
    reader.feed(CARD + "\r\n", "MOTCUA:R:K7QM3XP5", "https://dichvucong.gov.vn/p/home")
    # WHEN the worker takes one turn
    assert service.step() is True
    # THEN each is reported, classified, with the raw text as read
    assert [(code.kind, code.raw) for code in reported] == [
        (ScanKind.CITIZEN_ID, CARD + "\r\n"),
        (ScanKind.RECEIPT_CODE, "MOTCUA:R:K7QM3XP5"),
        (ScanKind.URL, "https://dichvucong.gov.vn/p/home"),
    ]
    assert reported[0].card == parse_id_qr(CARD, today=TODAY)
    assert reported[1].receipt_code == "K7QM3XP5"
    assert service.state is ReaderState.READING


def test_a_repeated_scan_is_reported_once_until_the_window_passes() -> None:
    # GIVEN a reading service with a 3-second window
    clock = FakeClock()
    reader = FakeCodeReader()
    service, reported = make_service(reader, clock=clock)
    # WHEN a receipt is scanned twice within a second, then again 5 s later
    reader.feed("K7QM3XP5")
    service.step()
    clock.now += 0.5
    reader.feed("K7QM-3XP5".replace("-", ""))
    service.step()
    clock.now += 5.0
    reader.feed("K7QM3XP5")
    service.step()
    # THEN it was reported twice: at first and after the window
    assert [code.raw for code in reported] == ["K7QM3XP5", "K7QM3XP5"]


def test_empty_reads_report_nothing() -> None:
    # GIVEN a scanner that sent a bare CR/LF and spaces
    reader = FakeCodeReader()
    service, reported = make_service(reader)
    reader.feed("\r\n", "   ")
    # WHEN the worker takes a turn, THEN nothing is reported
    service.step()
    assert reported == []


def test_a_device_that_cannot_open_is_failed_with_the_reason_and_retried() -> None:
    # GIVEN a reader whose device is missing
    reader = FakeCodeReader(description="USB scanner (serial mode) on /dev/ttyACM0")
    reader.fail_open = "no such device /dev/ttyACM0"
    service, reported = make_service(reader)
    # WHEN the worker takes a turn
    assert service.step() is False
    # THEN the reader is FAILED with a message naming the device and the reason
    status = service.status()
    assert status.state is ReaderState.FAILED
    assert status.fault == "USB scanner (serial mode) on /dev/ttyACM0: no such device /dev/ttyACM0"
    # AND WHEN the device is plugged back and a code scanned
    reader.fail_open = None
    reader.feed("K7QM3XP5")
    assert service.step() is True
    # THEN it reads again and the fault is gone
    assert service.status().state is ReaderState.READING
    assert service.status().fault is None
    assert [code.raw for code in reported] == ["K7QM3XP5"]


def test_a_device_failing_while_reading_is_closed_and_failed() -> None:
    # GIVEN a reading service
    reader = FakeCodeReader(description="fake scanner")
    service, _ = make_service(reader)
    service.step()
    assert reader.is_open
    # WHEN the device fails in a read (unplugged)
    reader.fail_read = "reading failed: unplugged?"
    assert service.step() is False
    # THEN it is closed, and FAILED with the reason
    assert reader.is_open is False
    assert service.state is ReaderState.FAILED
    assert service.status().fault == "fake scanner: reading failed: unplugged?"
    # AND a retry that still fails keeps it FAILED (not STARTING) and re-opens it each time
    opens_before = reader.opens
    service.step()
    assert service.state is ReaderState.FAILED
    assert reader.opens == opens_before + 1


class ExplodingReader(FakeCodeReader):
    """A driver with a bug: its read raises something that is not a ReaderError."""

    def read(self, timeout: float) -> Sequence[str]:
        raise ZeroDivisionError("division by zero")


def test_an_unexpected_driver_exception_becomes_a_failed_state(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a driver whose read has a bug
    service, _ = make_service(ExplodingReader(description="buggy reader"))
    # WHEN the worker takes a turn
    with caplog.at_level(logging.ERROR, logger="kiosk.reading"):
        assert service.step() is False
    # THEN the kiosk goes on, the reader is FAILED, and the bug is logged with its traceback
    assert service.state is ReaderState.FAILED
    assert service.status().fault == (
        "buggy reader: read failed: ZeroDivisionError: division by zero"
    )
    assert any(record.exc_info for record in caplog.records)


def test_a_failing_callback_does_not_stop_the_reader() -> None:
    # GIVEN a screen callback that raises on its first call
    reader = FakeCodeReader()
    calls: list[str] = []

    def on_code(code: ScannedCode) -> None:
        calls.append(code.raw)
        if len(calls) == 1:
            raise RuntimeError("screen bug")

    service = ScanService(reader, on_code, clock=FakeClock(), today=lambda: TODAY, read_timeout=0)
    reader.feed("K7QM3XP5", "https://example.org/a")
    # WHEN the worker takes a turn
    assert service.step() is True
    # THEN both codes reached the callback and the reader is still READING
    assert calls == ["K7QM3XP5", "https://example.org/a"]
    assert service.state is ReaderState.READING


def test_log_lines_never_contain_the_scanned_text(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a citizen's ID card read by the service
    reader = FakeCodeReader()
    service, _ = make_service(reader)
    reader.feed(CARD)
    # WHEN it is reported
    with caplog.at_level(logging.DEBUG):
        service.step()
    # THEN the log says what kind of code it was, and nothing of its content
    text = caplog.text
    assert "read a citizen_id code (90 characters)" in text
    for personal in ("001099012345", "Nguyễn", "15031999", "Phố Huế"):
        assert personal not in text


def test_stop_releases_the_device() -> None:
    # GIVEN a reading service
    reader = FakeCodeReader()
    service, _ = make_service(reader)
    service.step()
    # WHEN it is stopped
    state = service.stop()
    # THEN the device is closed and the state is STOPPED
    assert state is ReaderState.STOPPED
    assert reader.is_open is False
    assert service.status().fault is None


def test_a_device_that_will_not_close_is_unknown_after_stop() -> None:
    # GIVEN a reading service whose device fails to close
    reader = FakeCodeReader(description="fake scanner")
    service, _ = make_service(reader)
    service.step()
    reader.fail_close = "close failed: busy"
    # WHEN it is stopped
    state = service.stop()
    # THEN the state is UNKNOWN: the device may still be held
    assert state is ReaderState.UNKNOWN
    assert service.status().fault == (
        "fake scanner: close failed: busy; the device may still be held"
    )


def test_named_state_sets() -> None:
    assert {ReaderState.FAILED, ReaderState.UNKNOWN} == FAULT_STATES


# --- ScanService with its worker thread ----------------------------------------------------


def test_the_worker_thread_reports_codes_and_stop_releases_the_device() -> None:
    # GIVEN a started service whose callback signals each code
    reader = FakeCodeReader()
    arrived = threading.Event()
    reported: list[str] = []

    def on_code(code: ScannedCode) -> None:
        reported.append(code.raw)
        arrived.set()

    service = ScanService(reader, on_code, today=lambda: TODAY, read_timeout=0.05)
    service.start()
    # WHEN a code is scanned
    reader.feed("K7QM3XP5")
    assert arrived.wait(WORKER_WAIT)
    # THEN it arrives on the callback, and stopping closes the device
    assert reported == ["K7QM3XP5"]
    assert service.stop() is ReaderState.STOPPED
    assert reader.is_open is False
    assert reader.closes >= 1


class StuckReader(FakeCodeReader):
    """A driver stuck inside read() until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(description="stuck reader")
        self.inside = threading.Event()
        self.release = threading.Event()

    def read(self, timeout: float) -> Sequence[str]:
        self.inside.set()
        self.release.wait(WORKER_WAIT)
        return ()


def test_a_worker_that_does_not_answer_makes_the_state_unknown() -> None:
    # GIVEN a started service whose driver is stuck in a read
    reader = StuckReader()
    service = ScanService(reader, lambda code: None, today=lambda: TODAY)
    service.start()
    assert reader.inside.wait(WORKER_WAIT)
    # WHEN it is stopped with a short timeout
    state = service.stop(timeout=0.01)
    # THEN the state is UNKNOWN, saying the device may still be held
    assert state is ReaderState.UNKNOWN
    assert service.status().fault == (
        "stuck reader: did not stop within 0.01 s; the device may still be held "
        "(restart the kiosk app if it stays so)"
    )
    # (let the worker finish, then it stops cleanly)
    reader.release.set()
    assert service.stop() is ReaderState.STOPPED


def test_reader_error_is_an_exception_with_the_message() -> None:
    assert str(ReaderError("no such device")) == "no such device"


def test_the_repeat_filter_keeps_no_scanned_text_in_memory() -> None:
    # GIVEN an ID card scanned WHEN the filter remembers it THEN only a digest is kept
    from kiosk.reading import RepeatFilter

    card = "001099012345||Nguyễn Văn An|15031999|Nam|Hà Nội|20042021"
    remembered = RepeatFilter(window_seconds=3.0, clock=lambda: 100.0)
    assert remembered.is_new(card) is True
    assert remembered.is_new(card + "\r\n") is False
    kept = repr(vars(remembered))
    assert "Nguy" not in kept and "001099012345" not in kept
