"""Serial receipt printers (RS-232 or USB-serial adapters) through python-escpos ``Serial``.

Needs pyserial. The connection stays open between jobs. Reads time out after
``printer.timeout_ms``; writes too (pyserial's ``write_timeout``, which python-escpos does
not set), and jobs go out in pieces small enough to pass the line within that time: at
9600 baud a 30 KB slip takes half a minute, so set the printer to 115200 where it can.
"""

from __future__ import annotations

from typing import Any

from escpos.printer import Serial  # type: ignore[import-untyped]

from devices.escpos_printer import EscposReceiptPrinter
from devices.printer_profile import configured_profile
from kiosk.config import Config
from kiosk.printing import PrinterLoadError, io_timeout_seconds

try:
    import serial  # type: ignore[import-untyped,unused-ignore]  # noqa: F401 - python-escpos needs it
except ImportError as missing:
    raise PrinterLoadError(
        f"the serial printer driver needs pyserial ({missing}): "
        "pip install pyserial (scripts/setup installs it)"
    ) from missing

#: Share of the timeout one piece of a job may take on the line (the rest is slack).
_LINE_SHARE = 0.5
_MIN_CHUNK = 64


def chunk_bytes(baudrate: int, timeout_seconds: float) -> int:
    """Bytes that pass a ``baudrate`` line in half of ``timeout_seconds`` (10 bits a byte)."""
    return max(_MIN_CHUNK, int(baudrate / 10 * timeout_seconds * _LINE_SHARE))


class PromptSerial(Serial):  # type: ignore[misc]  # python-escpos is untyped
    """python-escpos's Serial, reading a status answer as soon as it arrives.

    Its own read asks pyserial for 16 bytes, which waits out the whole timeout for the one
    byte a status answer has: six status queries a job would cost six timeouts.
    """

    def _read(self) -> bytes:
        first: bytes = self.device.read(1)
        return first + self.device.read(self.device.in_waiting) if first else first


def from_config(config: Config) -> EscposReceiptPrinter:
    """The serial printer on ``printer.serial_device`` at ``printer.baudrate``."""
    profile = configured_profile(config)
    device_file = config.text("printer.serial_device")
    baudrate = config.number("printer.baudrate")
    timeout = io_timeout_seconds(config)

    def open_serial() -> Any:
        printer = PromptSerial(devfile=device_file, baudrate=baudrate, timeout=timeout)
        printer.open()  # raises DeviceNotFoundError naming the device and the reason
        printer.device.write_timeout = timeout
        return printer

    return EscposReceiptPrinter(
        open_serial,
        profile,
        description=f"serial printer {device_file} at {baudrate} baud",
        keep_open=True,
        chunk_bytes=chunk_bytes(baudrate, timeout),
    )
