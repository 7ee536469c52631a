"""The app's worker threads: each opened on its own resources, answers on the UI thread.

The desk worker answers the screens' questions and stores submissions (its own SQLite
connection); the print worker owns the print queue (another connection) and the printer;
the technician worker runs the PIN check, the diagnosis, a sync round and settings while a
technician is at the kiosk. Each hands its answers to :func:`on_ui_thread`, which runs them
with ``Clock.schedule_once`` before the next frame. Which answers are still wanted when
they arrive is :class:`kiosk.worker_bridge.WorkerBridge`'s business.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kivy.clock import Clock

from kiosk.background import Worker
from kiosk.config import Config
from kiosk.parts import KioskParts

if TYPE_CHECKING:
    from kiosk.desk import ServiceDesk
    from kiosk.printing import PrintQueue, ReceiptPrinter
    from kiosk.technician import TechnicianDesk


def open_desk_worker(config: Config, parts: KioskParts) -> Worker[ServiceDesk]:
    """The desk worker, started."""
    from kiosk.desk import ServiceDesk  # noqa: PLC0415

    # On the worker's thread: the HTTP library loads there, not on the UI thread.
    worker = Worker(
        "desk", lambda: parts.open_desk(config), deliver=on_ui_thread,
        close_resources=ServiceDesk.close,
    )  # fmt: skip
    worker.start()
    return worker


def open_print_worker(config: Config, printer: ReceiptPrinter) -> Worker[PrintQueue]:
    """The print worker holding ``printer``, started."""
    from kiosk.printing import PrinterSettings, PrintQueue  # noqa: PLC0415
    from kiosk.storage import open_database  # noqa: PLC0415

    expiry = PrinterSettings.from_config(config).job_expiry

    def open_queue() -> PrintQueue:
        return PrintQueue(open_database(config.database_path), printer, expiry=expiry)

    def close_queue(queue: PrintQueue) -> None:
        queue.printer.close()
        queue.db.close()

    worker = Worker("printer", open_queue, deliver=on_ui_thread, close_resources=close_queue)
    worker.start()
    return worker


def open_technician_worker(
    config: Config, wall_clock: Callable[[], float]
) -> Worker[TechnicianDesk]:
    """The technician worker (opened at the PIN pad), started."""
    from kiosk.technician import open_technician_desk  # noqa: PLC0415

    worker = Worker(
        "technician",
        lambda: open_technician_desk(config, clock=wall_clock),
        deliver=on_ui_thread,
        close_resources=lambda desk: desk.close(),
    )
    worker.start()
    return worker


_deliveries_lock = threading.Lock()
_deliveries_waiting = 0


def on_ui_thread(callback: Callable[[], None]) -> None:
    """The workers' ``deliver``: run ``callback`` on the UI thread before the next frame."""
    global _deliveries_waiting  # noqa: PLW0603 - one count for the whole process
    with _deliveries_lock:
        _deliveries_waiting += 1

    def run(_dt: float) -> None:
        global _deliveries_waiting  # noqa: PLW0603
        with _deliveries_lock:
            _deliveries_waiting -= 1
        callback()

    Clock.schedule_once(run, 0)


def deliveries_waiting() -> int:
    """Workers' answers not yet handed to the UI thread (tests wait until there are none).

    Counted before a worker calls itself idle, so "every worker idle and nothing waiting"
    means a chain of jobs (print worker -> UI -> technician worker) has run to its end.
    """
    with _deliveries_lock:
        return _deliveries_waiting
