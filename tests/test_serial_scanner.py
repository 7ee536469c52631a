"""The serial-mode (USB CDC) scanner, against a pseudo-terminal acting as the scanner.

The test holds the pty's master end and writes what a scanner sends; the driver opens
the other end as its serial port. Data is fictional.
"""

from __future__ import annotations

import datetime as dt
import os
import tty
from collections.abc import Iterator

import pytest

from devices.line_assembly import MAX_CODE_BYTES, LineAssembler
from devices.serial_scanner import SerialScanner, code_text
from kiosk.reading import ReaderError, ReaderState, ScanService
from kiosk.scanned import ScanKind, ScannedCode
from tests.qr_images import CARD

#: Long enough that a loaded CI machine still delivers the pty's bytes within one read.
READ_TIMEOUT = 2.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Pty:
    """A pseudo-terminal pair: ``write`` plays the scanner, ``device`` is its port."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        # Raw from the start, like a USB CDC port: bytes written before the driver opens
        # the port are neither echoed nor held back as an unfinished line.
        tty.setraw(self.slave)
        self.device = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scanner(pty: Pty, clock: FakeClock) -> Iterator[SerialScanner]:
    device = SerialScanner(pty.device, 9600, clock=clock)
    device.open()
    yield device
    device.close()


def read_until(scanner: SerialScanner, count: int, clock: FakeClock) -> list[str]:
    """Read until ``count`` codes arrived (each read waits for the pty's next bytes)."""
    codes: list[str] = []
    for _ in range(20):
        codes += scanner.read(READ_TIMEOUT)
        clock.now += 0.01
        if len(codes) >= count:
            break
    return codes


def test_an_id_card_arrives_byte_exact(pty: Pty, scanner: SerialScanner, clock: FakeClock) -> None:
    # GIVEN a scanner that sends a card's UTF-8 bytes and CR LF
    pty.write(CARD.encode("utf-8") + b"\r\n")
    # WHEN the driver reads, THEN it gets the exact text, without the suffix
    assert read_until(scanner, 1, clock) == [CARD]


def test_utf8_split_across_usb_packets_is_reassembled(
    pty: Pty, scanner: SerialScanner, clock: FakeClock
) -> None:
    # GIVEN "Nguyễn" whose 3-byte "ễ" is split between two writes
    data = "Nguyễn Văn An\r".encode()
    pty.write(data[:6])
    first = scanner.read(READ_TIMEOUT)
    pty.write(data[6:])
    # WHEN the rest arrives, THEN the text is whole
    assert first == []
    assert read_until(scanner, 1, clock) == ["Nguyễn Văn An"]


def test_a_code_without_a_suffix_ends_when_the_scanner_goes_quiet(
    pty: Pty, scanner: SerialScanner, clock: FakeClock
) -> None:
    # GIVEN a scanner set to send no suffix
    pty.write(b"MOTCUA:R:K7QM3XP5")
    # WHEN it has been quiet for more than 0.1 s (on the injected clock)
    first = scanner.read(READ_TIMEOUT)
    clock.now += 0.15
    second = scanner.read(0)
    # THEN the code is complete then, and not before
    assert (first, second) == ([], ["MOTCUA:R:K7QM3XP5"])


def test_bytes_that_are_not_utf8_reach_the_parser_as_surrogates(
    pty: Pty, scanner: SerialScanner, clock: FakeClock
) -> None:
    # GIVEN a scanner misconfigured to send Windows-1258 bytes for "Nữ"
    pty.write(CARD.replace("Nam", "N\xf1").encode("utf-8").replace(b"\xc3\xb1", b"\xf1") + b"\n")
    # WHEN it is read and classified
    (raw,) = read_until(scanner, 1, clock)
    from kiosk.scanned import classify

    scanned = classify(raw, today=dt.date(2026, 11, 27))
    # THEN the ID card parser names the problem instead of accepting garbage
    assert scanned.kind is ScanKind.OTHER
    assert scanned.problem == (
        "the payload contains U+DCF1, a lone surrogate (bytes that were not valid UTF-8), "
        "which no ID card QR code holds"
    )


def test_two_codes_in_one_burst_are_two_codes(
    pty: Pty, scanner: SerialScanner, clock: FakeClock
) -> None:
    pty.write(b"K7QM3XP5\r\nhttps://example.org/x\r\n")
    assert read_until(scanner, 2, clock) == ["K7QM3XP5", "https://example.org/x"]


def service_on(scanner: SerialScanner, clock: FakeClock) -> tuple[ScanService, list[ScannedCode]]:
    """A service on ``scanner``, opened (pyserial discards what arrived before the open)."""
    reported: list[ScannedCode] = []
    service = ScanService(
        scanner, reported.append, read_timeout=0.05, clock=clock,
        today=lambda: dt.date(2026, 11, 27),
    )
    assert service.step() is True
    return service, reported


def step_until_reported(service: ScanService, reported: list[ScannedCode]) -> None:
    """Turns of the worker until a code arrived (each waits at most 0.05 s for bytes)."""
    for _ in range(200):
        service.step()
        if reported:
            return


def test_an_unplugged_scanner_fails_the_reader_with_a_reason(pty: Pty, clock: FakeClock) -> None:
    # GIVEN a service that has read a code from the scanner
    service, reported = service_on(SerialScanner(pty.device, 9600, clock=clock), clock)
    pty.write(b"K7QM3XP5\r")
    step_until_reported(service, reported)
    # WHEN the scanner is unplugged (the pty's other end goes away)
    pty.unplug()
    # THEN the next turn fails the reader, naming the port
    assert service.step() is False
    status = service.status()
    assert status.state is ReaderState.FAILED
    assert status.fault is not None
    assert status.fault.startswith(f"USB scanner (serial mode) on {pty.device}: reading ")
    assert status.fault.endswith("unplugged?")
    assert [code.raw for code in reported] == ["K7QM3XP5"]


def test_a_missing_port_says_what_to_check() -> None:
    scanner = SerialScanner("/dev/ttyACM-missing", 9600)
    with pytest.raises(ReaderError) as raised:
        scanner.open()
    assert str(raised.value) == (
        "no such device /dev/ttyACM-missing: is the scanner plugged in and set to USB "
        "serial (CDC) mode, and is scanner.serial_device right?"
    )


def test_the_port_is_held_exclusively(pty: Pty, scanner: SerialScanner) -> None:
    # GIVEN the port open by the kiosk, WHEN a second reader tries it, THEN it is refused
    second = SerialScanner(pty.device, 9600)
    with pytest.raises(ReaderError, match="is in use by another program"):
        second.open()


def test_close_releases_the_port(pty: Pty) -> None:
    first = SerialScanner(pty.device, 9600)
    first.open()
    first.close()
    second = SerialScanner(pty.device, 9600)
    second.open()  # would be refused if the first still held the lock
    second.close()
    first.close()  # twice is harmless


# --- the pure parts --------------------------------------------------------------------------


def test_line_assembler_cr_lf_and_empty_lines() -> None:
    lines = LineAssembler()
    assert lines.feed(b"ab\r\n\r\ncd\nef", now=1.0) == [b"ab", b"cd"]
    assert lines.flush_if_quiet(1.05) is None
    assert lines.flush_if_quiet(1.1) == b"ef"
    assert lines.flush_if_quiet(5.0) is None


def test_line_assembler_cuts_runaway_input() -> None:
    lines = LineAssembler()
    codes = lines.feed(b"x" * (MAX_CODE_BYTES + 10), now=0.0)
    assert [len(code) for code in codes] == [MAX_CODE_BYTES]
    assert lines.flush_if_quiet(1.0) == b"x" * 10


def test_code_text() -> None:
    assert code_text("Nữ".encode()) == "Nữ"
    assert code_text(b"N\xfb") == "N\udcfb"


def test_a_card_read_through_the_service_keeps_its_vietnamese(
    pty: Pty, clock: FakeClock
) -> None:
    # GIVEN a service on the serial scanner
    service, reported = service_on(SerialScanner(pty.device, 9600, clock=clock), clock)
    # WHEN a card is scanned
    pty.write(CARD.encode() + b"\r\n")
    step_until_reported(service, reported)
    service.stop()
    # THEN the screen gets a citizen ID with the name intact
    assert [code.kind for code in reported] == [ScanKind.CITIZEN_ID]
    assert reported[0].card is not None
    assert reported[0].card.full_name == "Nguyễn Văn An"
