"""The UI thread never waits on I/O: no frame over 100 ms while a slip prints or a search runs.

The printer and the search are made slow on purpose (0.5 s and 0.3 s, like a USB printer
blocking on a long slip or a search on a huge catalog): if either ran on the UI thread,
one frame would take that long. The probe times every frame the app runs while the work
is under way, the first one included.

Each frame's time is split in two: the UI thread's own work (clock callbacks, touches,
layout: where any I/O done on the UI thread would show) and the time the OpenGL driver
took to draw it. Here the driver is Mesa's software rasteriser (llvmpipe) on a shared
2-core machine: it draws 1080x1920 on the CPU, a frame or more behind, and a texture upload
waits for it to catch up; that is measured and printed, but only the UI thread's own work
is held to the 100 ms limit, since a kiosk's GPU does the drawing.

Time the UI thread spent ready to run but waiting for a core (other processes on a busy
2-core machine) is not its own work either: Linux counts it per thread in
``/proc/self/task/<tid>/schedstat`` (the run-queue delay), and it is taken out. Time spent
blocked (a sleep, a read, a lock: what an I/O on the UI thread would cost) is not a
run-queue delay, so it still counts.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devices.fake_printer import FakeReceiptPrinter
from kiosk.catalog import Procedure
from kiosk.desk import ServiceDesk, open_desk_database
from kiosk.printing import PrinterStatus
from kiosk.receipt import Receipt
from screens.done import SlipState
from tests.ui.conftest import Kiosk, start_kiosk

MAX_FRAME_SECONDS = 0.100
PRINT_SECONDS = 0.5
SEARCH_SECONDS = 0.3
ATTEMPTS = 3


@dataclass
class FrameTimes:
    """The frames of one phase: each one's own work on the UI thread and its drawing."""

    own: list[float] = field(default_factory=list)
    drawing: list[float] = field(default_factory=list)

    @property
    def worst_own(self) -> float:
        return max(self.own)

    @property
    def worst_whole(self) -> float:
        return max(own + drawing for own, drawing in zip(self.own, self.drawing, strict=True))


def run_queue_seconds() -> float:
    """Seconds this thread has spent runnable but waiting for a core (0 without schedstat)."""
    try:
        stat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat").read_text()
        return int(stat.split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class DrawTimer:
    """Wraps the window's ``on_draw`` and ``on_flip`` to add up the time spent in them."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.seconds = 0.0
        #: Of ``seconds``, the part spent waiting for a core.
        self.waited = 0.0
        for event in ("on_draw", "on_flip"):
            setattr(window, event, self._timed(getattr(window, event)))

    def _timed(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started, waited = time.perf_counter(), run_queue_seconds()
            try:
                return handler(*args)
            finally:
                self.seconds += time.perf_counter() - started
                self.waited += run_queue_seconds() - waited

        return timed

    def remove(self) -> None:
        for event in ("on_draw", "on_flip"):
            delattr(self.window, event)

    def take(self) -> tuple[float, float]:
        """The drawing time since the last call, and how much of it was a wait for a core."""
        taken = (self.seconds, self.waited)
        self.seconds = self.waited = 0.0
        return taken


class SlowPrinter(FakeReceiptPrinter):
    """A printer that takes half a second per slip, as a real one may."""

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        time.sleep(PRINT_SECONDS)
        return super().print_receipt(receipt)


def frames_until(
    kiosk: Kiosk, timer: DrawTimer, done: Callable[[], bool], timeout: float = 10.0
) -> FrameTimes:
    """Run frames until ``done()``, timing each one (the first included)."""
    times = FrameTimes()
    deadline = time.monotonic() + timeout
    timer.take()
    while not done():
        assert time.monotonic() < deadline, "the work did not finish"
        started, waited = time.perf_counter(), run_queue_seconds()
        kiosk.driver.frames(1)
        took, waited = time.perf_counter() - started, run_queue_seconds() - waited
        drawing, drawing_waited = timer.take()
        # The frame's own work: neither drawing nor waiting for a core outside it.
        times.own.append(took - drawing - (waited - drawing_waited))
        times.drawing.append(drawing)
    return times


def measure_once(
    kiosk: Kiosk, timer: DrawTimer, printer: SlowPrinter, attempt: int
) -> tuple[FrameTimes, FrameTimes]:
    """One print and one search from the welcome screen: the frames of each."""
    driver = kiosk.driver
    # GIVEN the queue screen with a service chosen
    driver.tap_id("choice_queue")
    driver.tap(kiosk.screen.ids.service_box.children[-1])
    # WHEN the citizen confirms and the slip prints
    started = time.perf_counter()
    driver.tap(driver.find("confirm_button"), settle=False)
    printing = frames_until(kiosk, timer, lambda: kiosk.screen.state is SlipState.PRINTED)
    print_took = time.perf_counter() - started
    # ... and then searches
    driver.tap_id("home_button")
    driver.tap_id("choice_procedures")
    screen = kiosk.screen
    screen.do_reset()  # a new citizen's search, not the last try's results
    assert screen.ids.results.keys[:1] != ["1.001193"]
    started = time.perf_counter()
    for key in "khai sinh":
        screen.ids.keyboard.press("space" if key == " " else key)
    searching = frames_until(kiosk, timer, lambda: screen.ids.results.keys[:1] == ["1.001193"])
    search_took = time.perf_counter() - started
    driver.tap_id("home_button")
    # THEN the work took its time (it really was slow)
    assert len(printer.printed) == attempt
    assert print_took >= PRINT_SECONDS
    assert search_took >= SEARCH_SECONDS
    return printing, searching


@pytest.fixture
def slow_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every search takes SEARCH_SECONDS longer, wherever it runs."""
    original_search = ServiceDesk.search

    def slow(self: ServiceDesk, query: str, limit: int = 12) -> list[Procedure]:
        time.sleep(SEARCH_SECONDS)
        return original_search(self, query, limit)

    monkeypatch.setattr(ServiceDesk, "search", slow)


def run_tries(tmp_path: Path) -> list[tuple[FrameTimes, FrameTimes]]:
    """Three print-and-search tries on a fresh kiosk with a slow printer."""
    printer = SlowPrinter()
    kiosk = start_kiosk(tmp_path, printer=printer)
    timer = DrawTimer(kiosk.driver.window)
    # What earlier tests in this process left on the heap is not the kiosk's: freeze it, so
    # that a collection of it does not show up as a slow frame (a kiosk's heap is small).
    gc.collect()
    gc.freeze()
    try:
        return [measure_once(kiosk, timer, printer, attempt) for attempt in range(1, ATTEMPTS + 1)]
    finally:
        gc.unfreeze()
        timer.remove()
        kiosk.driver.close()


def report(tries: list[tuple[FrameTimes, FrameTimes]]) -> str:
    return "; ".join(
        f"try {number}: print {printing.worst_own * 1000:.0f} ms own / "
        f"{printing.worst_whole * 1000:.0f} ms with drawing, search "
        f"{searching.worst_own * 1000:.0f} / {searching.worst_whole * 1000:.0f} ms"
        for number, (printing, searching) in enumerate(tries, start=1)
    )


def test_no_frame_over_100ms_of_ui_work_during_a_print_and_a_search(
    tmp_path: Path, slow_search: None
) -> None:
    tries = run_tries(tmp_path)
    print(report(tries))  # the figures, drawing included, for the record (pytest -s)
    # A shared 2-core machine sometimes stalls a thread for reasons of its own; printing or
    # searching on the UI thread would stall every try by 0.3-0.5 s. So the best of three
    # tries must stay under 100 ms, in the print and in the search.
    worst = min(max(printing.worst_own, searching.worst_own) for printing, searching in tries)
    threads = [thread.name for thread in threading.enumerate()]
    assert worst < MAX_FRAME_SECONDS, (report(tries), threads)


def test_the_probe_sees_a_search_run_on_the_ui_thread(
    tmp_path: Path, slow_search: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a kiosk whose desk work is wrongly done on the UI thread, not on its worker
    desks: dict[int, ServiceDesk] = {}

    def ask_desk_on_ui_thread(
        self: Any, job: Callable[[ServiceDesk], Any], on_done: Callable[[Any], None], **_: Any
    ) -> None:
        if id(self) not in desks:
            config = self.kiosk_config
            desks[id(self)] = ServiceDesk(open_desk_database(config), config)
        on_done(job(desks[id(self)]))

    monkeypatch.setattr("screens.app.KioskApp.ask_desk", ask_desk_on_ui_thread)
    # WHEN the same print and search run THEN the probe reports the search's 0.3 s
    try:
        tries = run_tries(tmp_path)
    finally:
        for desk in desks.values():
            desk.db.close()
    assert all(searching.worst_own >= SEARCH_SECONDS for _printing, searching in tries)
