"""A receipt printer spoken to through python-escpos, over any of its transports.

The transports (``escpos_usb``, ``escpos_serial``, ``escpos_network``) differ only in how
a python-escpos printer object is opened; everything else is here, once: each job is one
exchange (status, job bytes, status) on one connection, so a connection that broke during
the job shows in the status after it. A network connection is opened per exchange (many
printers drop idle sockets); USB and serial stay open until an error, after which the next
exchange opens them again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from devices.escpos_encode import render_job
from devices.escpos_status import read_status
from devices.fonts import FontFiles
from devices.printer_profile import PrinterProfile
from kiosk.printing import PrinterError, PrinterState, PrinterStatus, describe_error
from kiosk.receipt import Receipt

logger = logging.getLogger(__name__)

#: Bytes written per call: a 4 KB piece leaves a USB or network printer (20-30 KB/s of
#: printing) well within any timeout.
DEFAULT_CHUNK_BYTES = 4096

#: Opens the device and returns a connected python-escpos printer; raises when it cannot.
Opener = Callable[[], Any]


class EscposReceiptPrinter:
    """:class:`kiosk.printing.ReceiptPrinter` over a python-escpos transport."""

    def __init__(
        self,
        opener: Opener,
        profile: PrinterProfile,
        *,
        description: str,
        keep_open: bool,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        fonts: FontFiles | None = None,
    ) -> None:
        self._opener = opener
        self.profile = profile
        self._description = description
        self._keep_open = keep_open
        self._chunk_bytes = max(chunk_bytes, 1)
        self._fonts = fonts
        self._device: Any = None

    @property
    def description(self) -> str:
        """The transport and the profile, for people."""
        return f"{self._description} ({self.profile.describe()})"

    def status(self) -> PrinterStatus:
        """The printer's state now (UNREACHABLE when it cannot be opened)."""
        device = self._open()
        if isinstance(device, PrinterStatus):
            return device
        status = read_status(device)
        self._release(broken=status.state is PrinterState.UNKNOWN)
        return status

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Status, job, status on one connection; the status after is returned."""
        _, job = render_job(receipt, self.profile, self._fonts)
        device = self._open()
        if isinstance(device, PrinterStatus):
            return device
        before = read_status(device)
        if not before.state.can_print:
            self._release(broken=before.state is PrinterState.UNKNOWN)
            return before
        try:
            # In pieces, so each write finishes within the transport's timeout even on a
            # slow serial line or a printer that takes data only as fast as it prints.
            for start in range(0, len(job), self._chunk_bytes):
                device._raw(job[start : start + self._chunk_bytes])
        except Exception as error:
            self._release(broken=True)
            raise PrinterError(
                f"sending the {len(job)}-byte job to {self._description} failed: "
                f"{describe_error(error)}"
            ) from error
        after = read_status(device)
        self._release(broken=after.state is PrinterState.UNKNOWN)
        return after

    def close(self) -> None:
        """Close the connection, if one is open."""
        self._release(broken=True)

    # -- connection ----------------------------------------------------------------------

    def _open(self) -> Any:
        if self._device is not None:
            return self._device
        try:
            self._device = self._opener()
        except Exception as error:  # noqa: BLE001 - each transport fails in its own way
            logger.warning("cannot open %s: %s", self._description, describe_error(error))
            return PrinterStatus(
                PrinterState.UNREACHABLE,
                f"cannot open {self._description}: {describe_error(error)}",
            )
        return self._device

    def _release(self, *, broken: bool) -> None:
        if self._device is None or (self._keep_open and not broken):
            return
        device, self._device = self._device, None
        try:
            device.close()
        except Exception as error:  # noqa: BLE001 - closing a broken device may fail too
            logger.debug("closing %s: %s", self._description, describe_error(error))
