"""A printer that writes each job to a folder: the exact ESC/POS bytes and a PNG preview.

For demo mode, tests and support ("what did the citizen get?"): ``NAME.escpos`` holds the
bytes a real printer would have received (``cat NAME.escpos > /dev/usb/lp0`` prints it)
and ``NAME.escpos.png`` the picture of the paper. It is "ready" while the folder can be
written, and "unreachable" when it cannot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from devices.escpos_encode import render_job
from devices.fonts import FontFiles
from devices.printer_profile import PrinterProfile, configured_profile
from devices.receipt_render import RenderedReceipt
from kiosk import clock
from kiosk.config import Config
from kiosk.printing import (
    PrinterState,
    PrinterStatus,
    describe_error,
    printer_output_dir,
)
from kiosk.receipt import Receipt

JOB_SUFFIX = ".escpos"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def write_job(path: Path, rendered: RenderedReceipt, job: bytes) -> tuple[Path, Path]:
    """Write ``job`` to ``path`` and the preview of ``rendered`` to ``path``.png."""
    preview = path.with_name(path.name + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(job)
    rendered.preview().save(preview, format="PNG")
    return path, preview


class FileReceiptPrinter:
    """:class:`kiosk.printing.ReceiptPrinter` that writes jobs and previews to a folder."""

    def __init__(
        self, output_dir: Path, profile: PrinterProfile, *, fonts: FontFiles | None = None
    ) -> None:
        self.output_dir = output_dir
        self.profile = profile
        self._fonts = fonts
        #: The job files written, oldest first (the previews are beside them).
        self.written: list[Path] = []

    @property
    def description(self) -> str:
        """Where the jobs go."""
        return f"file printer {self.output_dir} ({self.profile.describe()})"

    def status(self) -> PrinterStatus:
        """READY while the folder can be written; UNREACHABLE with the reason otherwise."""
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return PrinterStatus(
                PrinterState.UNREACHABLE, f"cannot create {self.output_dir}: {error.strerror}"
            )
        if not os.access(self.output_dir, os.W_OK | os.X_OK):
            return PrinterStatus(PrinterState.UNREACHABLE, f"cannot write to {self.output_dir}")
        return PrinterStatus(PrinterState.READY, f"writing to {self.output_dir}")

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Write the job and its preview; the status after is the folder's."""
        before = self.status()
        if not before.state.can_print:
            return before
        rendered, job = render_job(receipt, self.profile, self._fonts)
        path = self.output_dir / self._name(receipt)
        try:
            write_job(path, rendered, job)
        except OSError as error:
            return PrinterStatus(
                PrinterState.UNREACHABLE, f"cannot write {path}: {describe_error(error)}"
            )
        self.written.append(path)
        return self.status()

    def close(self) -> None:
        """Nothing to release."""

    def _name(self, receipt: Receipt) -> str:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S-%f")
        reference = _UNSAFE.sub("_", receipt.reference or "")
        stem = "-".join(part for part in (stamp, receipt.kind.value, reference) if part)
        return stem + JOB_SUFFIX


def from_config(config: Config) -> FileReceiptPrinter:
    """The file printer writing to ``printer.output_dir`` (empty: data dir/printed)."""
    return FileReceiptPrinter(printer_output_dir(config), configured_profile(config))
