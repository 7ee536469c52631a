"""Repeated faults are logged once a minute with a count; a new fault at once."""

from __future__ import annotations

import logging

import pytest

from devices.fake_reader import FakeCodeReader
from kiosk.log_limit import RepeatLimiter
from kiosk.reading import ScanService

log = logging.getLogger("tests.log_limit")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records]


def test_a_fault_every_2_seconds_for_3_minutes_makes_4_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = RepeatLimiter(log, interval=60, monotonic=clock)
    with caplog.at_level(logging.INFO, logger=log.name):
        logged = []
        for _ in range(91):  # t = 0, 2, ..., 180 s
            logged.append(limiter.log(logging.WARNING, "scanner: no such device"))
            clock.now += 2
    assert logged.count(True) == 4
    assert messages(caplog) == [
        ("WARNING", "scanner: no such device"),
        ("WARNING", "scanner: no such device (30 times in the last 60 s)"),
        ("WARNING", "scanner: no such device (30 times in the last 60 s)"),
        ("WARNING", "scanner: no such device (30 times in the last 60 s)"),
    ]


def test_a_different_fault_is_news_and_recovery_tells_the_last_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = RepeatLimiter(log, interval=60, monotonic=clock)
    with caplog.at_level(logging.INFO, logger=log.name):
        for message in ("unplugged", "unplugged", "unplugged", "permission denied"):
            limiter.log(logging.WARNING, message)
            clock.now += 2
        limiter.log(logging.WARNING, "permission denied")
        limiter.recovered()
        limiter.log(logging.WARNING, "permission denied")
    assert messages(caplog) == [
        ("WARNING", "unplugged"),
        ("INFO", "unplugged (2 more, not logged one by one)"),
        ("WARNING", "permission denied"),
        ("INFO", "permission denied (1 more, not logged one by one)"),
        ("WARNING", "permission denied"),
    ]


def test_an_unplugged_scanner_is_logged_once_until_a_minute_passes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a scanner whose device is gone, retried by the reading service
    clock = Clock()
    reader = FakeCodeReader(description="USB scanner on /dev/ttyACM0")
    reader.fail_open = "no such device /dev/ttyACM0"
    service = ScanService(reader, lambda _code: None, log_clock=clock)
    with caplog.at_level(logging.INFO, logger="kiosk.reading"):
        # WHEN it fails 30 times 2 s apart, then once more a minute after the first
        for _ in range(30):
            service.step()
            clock.now += 2
        service.step()
        # AND is plugged back
        reader.fail_open = None
        service.step()
    # THEN the journal has the first fault, one line with the count, and the recovery
    assert messages(caplog) == [
        ("WARNING", "code reader fault in open: no such device /dev/ttyACM0"),
        ("WARNING", "code reader fault in open: no such device /dev/ttyACM0 "
                    "(30 times in the last 60 s)"),
        ("INFO", "code reader ready: USB scanner on /dev/ttyACM0"),
    ]
