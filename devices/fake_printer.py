"""A receipt printer that only remembers: for tests and for ``printer.driver = fake``.

It does the simplest real thing (keeps every receipt it was asked to print, in order) and
has switches that make it fail, so the unhappy paths of the print queue get tests:
``state`` is what it reports, ``state_after_job`` what it turns into after the next job
(paper runs out during it), ``fail_print`` and ``fail_status`` are raised from the calls.
"""

from __future__ import annotations

from kiosk.config import Config
from kiosk.printing import PrinterState, PrinterStatus
from kiosk.receipt import Receipt


class FakeReceiptPrinter:
    """:class:`kiosk.printing.ReceiptPrinter` that records receipts instead of printing."""

    def __init__(self, state: PrinterState = PrinterState.READY) -> None:
        self.state = state
        self.state_after_job: PrinterState | None = None
        self.fail_print: Exception | None = None
        self.fail_status: Exception | None = None
        #: Receipts that were "printed", in order.
        self.printed: list[Receipt] = []
        #: Every receipt it was asked to print, printed or not.
        self.attempts: list[Receipt] = []
        self.status_queries = 0
        self.closed = False

    @property
    def description(self) -> str:
        """Says it is a fake, so nobody takes it for a printer."""
        return "fake printer (prints nothing)"

    def status(self) -> PrinterStatus:
        """The ``state`` switch (or ``fail_status`` raised)."""
        self.status_queries += 1
        if self.fail_status is not None:
            raise self.fail_status
        return PrinterStatus(self.state, "fake")

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Keeps ``receipt`` when the state allows printing; the status after is returned."""
        self.attempts.append(receipt)
        before = self.status()
        if not before.state.can_print:
            return before
        if self.fail_print is not None:
            raise self.fail_print
        self.printed.append(receipt)
        if self.state_after_job is not None:
            self.state, self.state_after_job = self.state_after_job, None
        return self.status()

    def close(self) -> None:
        """Remembers that it was closed."""
        self.closed = True


def from_config(config: Config) -> FakeReceiptPrinter:
    """A ready fake printer (``printer.driver = fake``; the configuration has nothing for it)."""
    del config
    return FakeReceiptPrinter()
