"""A USB scanner in serial (CDC ACM) mode: the recommended way to connect one.

In this mode the scanner is a serial port (``/dev/ttyACM0``) and sends the QR code's bytes
exactly as they are: an ID card's UTF-8 Vietnamese arrives intact, which keyboard mode
cannot promise (docs/scanning.md). Bytes that are not UTF-8 are kept as lone surrogates
(Python's ``surrogateescape``), so that the ID card parser names the problem instead of
the reader guessing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Self

from devices.line_assembly import LineAssembler
from kiosk.config import Config
from kiosk.reading import ReaderError


def code_text(code: bytes) -> str:
    """A scanned code's bytes as text: UTF-8, with any other bytes kept as surrogates."""
    return code.decode("utf-8", errors="surrogateescape")


class SerialScanner:
    """``scanner.driver = "serial"``: a scanner on a serial port (USB CDC, or a real one)."""

    def __init__(
        self,
        device: str,
        baudrate: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.baudrate = baudrate
        self._clock = clock
        self._port: Any = None
        self._lines = LineAssembler()

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The scanner the configuration asks for."""
        return cls(config.text("scanner.serial_device"), config.number("scanner.baudrate"))

    def describe(self) -> str:
        """The port."""
        return f"USB scanner (serial mode) on {self.device}"

    def known_limits(self) -> str | None:
        """None: serial mode delivers the bytes as sent."""
        return None

    def open(self) -> None:
        """Open the port for this program only (a second reader would steal codes)."""
        try:
            import serial  # noqa: PLC0415 - the driver loads its hardware library itself
        except ImportError as error:
            raise ReaderError(
                f"pyserial is not installed ({error}): pip install pyserial"
            ) from error
        try:
            self._port = serial.Serial(self.device, self.baudrate, timeout=0, exclusive=True)
        except (serial.SerialException, OSError) as error:
            raise ReaderError(self._open_problem(error)) from error
        self._lines = LineAssembler()

    def _open_problem(self, error: Exception) -> str:
        text = str(error)
        if "No such file" in text:
            return (
                f"no such device {self.device}: is the scanner plugged in and set to USB "
                "serial (CDC) mode, and is scanner.serial_device right?"
            )
        if "Permission denied" in text or "[Errno 13]" in text:
            return f"permission denied on {self.device}: add the kiosk user to the 'dialout' group"
        if "lock" in text.lower():
            return f"{self.device} is in use by another program"
        return f"cannot open {self.device}: {text}"

    def read(self, timeout: float) -> Sequence[str]:
        """Codes completed within about ``timeout`` seconds."""
        import serial  # noqa: PLC0415 - loaded by open() already

        if self._port is None:
            raise ReaderError("the port is not open")
        try:
            if self._port.timeout != timeout:
                # pyserial reconfigures the port (tcsetattr) on every change: only when needed.
                self._port.timeout = timeout
            data: bytes = self._port.read(1)
            if data:
                data += self._port.read(self._port.in_waiting)
        except (serial.SerialException, OSError) as error:
            raise ReaderError(f"reading {self.device} failed ({error}): unplugged?") from error
        now = self._clock()
        codes = self._lines.feed(data, now)
        last = self._lines.flush_if_quiet(now)
        if last is not None:
            codes.append(last)
        return [code_text(code) for code in codes]

    def close(self) -> None:
        """Close the port."""
        port, self._port = self._port, None
        if port is not None:
            port.close()
