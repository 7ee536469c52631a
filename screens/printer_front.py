"""The printer as the kiosk app shows it: slips printed through the durable print queue
on the print worker, the note shown while the printer has trouble, the demo's previews.

A part of :class:`screens.app.KioskApp` (a mixin, as Kivy's behaviours are): the .kv files
bind ``app.printer_note`` and ``app.printed_previews``, the screens call
``kiosk.print_slip``, ``kiosk.print_test_slip`` and ``kiosk.printer_snapshot``. Answers come
back through the app's one bridge (:class:`kiosk.worker_bridge.WorkerBridge`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from kivy.properties import ListProperty, StringProperty

from kiosk.printing import PrinterState, PrinterStatus, UnavailablePrinter
from kiosk.worker_bridge import AnswerFor
from screens.base import N_
from screens.workers import open_print_worker

if TYPE_CHECKING:
    from kiosk.background import Worker
    from kiosk.config import Config
    from kiosk.parts import KioskDevices
    from kiosk.printing import PrintOutcome, PrintQueue, ReceiptPrinter
    from kiosk.receipt import Receipt
    from kiosk.session import Session
    from kiosk.worker_bridge import WorkerBridge

#: Seconds between print-queue checks (retry queued slips, read the printer's state).
PRINTER_CHECK_SECONDS = 30.0


class PrinterFront:
    """The printer's side of :class:`~screens.app.KioskApp` (see the module docstring)."""

    #: Printer trouble to mention before a citizen asks for a slip ("" when fine).
    printer_note = StringProperty("")
    #: Preview images of slips printed in demo mode, newest first (for the demo drawer).
    printed_previews = ListProperty([])

    if TYPE_CHECKING:  # what the app holds, used here
        kiosk_config: Config
        session: Session
        bridge: WorkerBridge
        demo: bool
        print_worker: Worker[PrintQueue] | None
        devices: KioskDevices | None

    def _start_print_worker(self, printer: ReceiptPrinter) -> None:
        self.print_worker = open_print_worker(self.kiosk_config, printer)
        self.check_printer()

    def print_slip(
        self,
        receipt: Receipt,
        on_done: Callable[[PrintOutcome | None], None],
        *,
        submission_uuid: str | None = None,
    ) -> None:
        """Print ``receipt`` through the durable print queue; ``on_done`` gets the outcome.

        None means there is no printer. The outcome of a session already wiped is still
        recorded by the queue but not shown.
        """
        if self.print_worker is None:
            on_done(None)
            return
        self.bridge.submit(
            self.print_worker,
            lambda queue: queue.submit(receipt, submission_uuid=submission_uuid),
            on_done,
            answer_for=AnswerFor.CITIZEN,
            on_any_answer=self._note_printed,
        )

    def check_printer(self) -> None:
        """Retry queued slips and read the printer's state (on the print worker)."""
        if self.print_worker is None:
            return

        def check(queue: PrintQueue) -> PrinterState:
            queue.retry_pending()
            return queue.status().state

        self.bridge.submit(
            self.print_worker, check,
            lambda state: self._note_printer(state, can_print=state.can_print),
            answer_for=AnswerFor.KIOSK,
        )  # fmt: skip

    def _note_printer(self, state: PrinterState, *, can_print: bool) -> None:
        """Say on the welcome screen why slips may not come out (nothing when they do)."""
        self.printer_note = "" if can_print else _PRINTER_NOTES.get(state, _PRINTER_TROUBLE)

    def _note_printed(self, outcome: PrintOutcome) -> None:
        """What any print says about the printer, whoever asked for it."""
        self._note_printer(outcome.status.state, can_print=outcome.printed)
        self._refresh_previews()

    def _refresh_previews(self) -> None:
        if not self.demo:
            return
        from kiosk.printing import PrinterSettings  # noqa: PLC0415

        folder = PrinterSettings.from_config(self.kiosk_config).output_dir
        if folder.is_dir():
            previews = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime, reverse=True)
            self.printed_previews = [str(path) for path in previews[:6]]

    def print_test_slip(self, on_done: Callable[[PrintOutcome | PrinterStatus], None]) -> None:
        """A technician's test slip through the print queue.

        Without a print worker ``on_done`` gets a status instead, saying why: the stand-in's
        (no printer configured, or it could not be built).
        """
        if self.print_worker is None:
            printer = None if self.devices is None else self.devices.printer
            on_done(printer.status() if isinstance(printer, UnavailablePrinter) else
                    PrinterStatus(PrinterState.UNKNOWN, "the print worker is not running"))
            return
        from kiosk.receipt import SlipContext, printer_test_slip  # noqa: PLC0415

        context = SlipContext.from_config(self.kiosk_config, self.session.language)

        def print_test(queue: PrintQueue) -> PrintOutcome:
            return queue.submit(printer_test_slip(context, printer=queue.printer.description))

        self.bridge.submit(
            self.print_worker, print_test, on_done,
            answer_for=AnswerFor.TECHNICIAN, on_any_answer=self._note_printed,
        )  # fmt: skip

    def printer_snapshot(
        self, on_done: Callable[[tuple[str, PrinterStatus] | None], None]
    ) -> None:
        """The held printer's description and status, asked on the print worker.

        None when the app holds no printer (the diagnosis then checks it as ``kiosk
        doctor`` does).
        """
        if self.print_worker is None:
            on_done(None)
            return

        def ask(queue: PrintQueue) -> tuple[str, PrinterStatus]:
            return queue.printer.description, queue.status()

        self.bridge.submit(self.print_worker, ask, on_done, answer_for=AnswerFor.TECHNICIAN)


_PRINTER_TROUBLE = N_("The printer has a problem: codes are shown on screen to note down.")
#: The welcome screen's note for a printer in each state it says more about than
#: :data:`_PRINTER_TROUBLE` (English message ids).
_PRINTER_NOTES: Mapping[PrinterState, str] = MappingProxyType({
    PrinterState.PAPER_OUT:
        N_("The printer is out of paper: codes are shown on screen to note down."),
    PrinterState.COVER_OPEN:
        N_("The printer cover is open: codes are shown on screen to note down."),
    PrinterState.DISABLED: N_("This kiosk has no printer: codes are shown on screen."),
})
