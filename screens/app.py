"""The kiosk app: the composition root of the citizen's screens.

It builds the devices the configuration names, opens the workers that own the database
connections, starts the code reader and the idle timer, and holds the few actions every
screen shares (go to a screen, back, language, text size, contrast, start over). The
screens themselves live in their own modules; what they do is done by the core.

Threads: the UI thread only draws and reacts. The desk worker answers the screens'
questions and stores submissions (its own SQLite connection); the print worker owns the
print queue (another connection) and the printer; the code reader has its own thread.
Each result comes back with ``Clock.schedule_once`` and is dropped when the session it was
for has been wiped in the meantime.

Technician mode (hold the top bar's right corner on the welcome screen for 5 s, or scan a
technician card; then the PIN) has a worker of its own, started at the PIN pad and
stopped when the technician leaves: the PIN check, the diagnosis, a sync round and
settings run there. While it is on, scanned codes go to the technician screen, never to
the citizen's handling.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk.background import Worker
from kiosk.config import Config, Value
from kiosk.language import check_language
from kiosk.logs import RecentLogs, install_recent_logs
from kiosk.parts import KioskDevices, KioskParts
from kiosk.printing import PrinterState, PrinterStatus, UnavailablePrinter
from kiosk.scanned import ScanKind, ScannedCode
from kiosk.session import IdleAction, Preferences, Session
from screens.base import N_, KioskScreen
from screens.i18n import translator
from screens.memory import give_back_memory, release_label_surfaces
from screens.theme import theme

if TYPE_CHECKING:
    from kiosk.desk import ServiceDesk
    from kiosk.printing import PrintOutcome, PrintQueue, ReceiptPrinter
    from kiosk.reading import ScanService
    from kiosk.receipt import Receipt
    from kiosk.technician import TechnicianDesk
    from screens.demo_drawer import DemoDrawer
    from screens.idle_prompt import IdlePrompt

log = logging.getLogger(__name__)

T = TypeVar("T")

#: name -> "module:Class" of every screen; a screen is built the first time it is needed.
SCREENS: dict[str, str] = {
    "welcome": "screens.welcome:WelcomeScreen",
    "procedures": "screens.procedures:ProceduresScreen",
    "procedure": "screens.procedure_detail:ProcedureDetailScreen",
    "queue": "screens.queue_ticket:QueueTicketScreen",
    "intake": "screens.intake:IntakeScreen",
    "status": "screens.status:StatusScreen",
    "feedback": "screens.feedback:FeedbackScreen",
    "rating": "screens.rating:RatingScreen",
    "directory": "screens.directory:DirectoryScreen",
    "commune": "screens.commune:CommuneScreen",
    "done": "screens.done:DoneScreen",
}
#: Technician mode's screens: built when a technician first comes, not at start.
TECHNICIAN_SCREENS: dict[str, str] = {
    "technician_pin": "screens.technician_pin:TechnicianPinScreen",
    "technician": "screens.technician:TechnicianScreen",
    "technician_settings": "screens.technician_settings:TechnicianSettingsScreen",
    "technician_setting": "screens.technician_setting:TechnicianSettingScreen",
    "technician_logs": "screens.technician_logs:TechnicianLogsScreen",
}

#: Seconds a passing message (an unknown code was scanned...) stays on screen.
BANNER_SECONDS = 8.0
#: Seconds between print-queue checks (retry queued slips, read the printer's state).
PRINTER_CHECK_SECONDS = 30.0


class KioskApp(App):
    """The citizen's kiosk (see the module docstring)."""

    #: Wider than tall: screens put their parts side by side.
    landscape = BooleanProperty(False)
    #: Masked name and ID number of the identified citizen ("" when nobody scanned).
    citizen_label = StringProperty("")
    #: A passing message (English message id) and its values, shown above the bottom bar.
    banner = StringProperty("")
    banner_args = DictProperty({})
    #: The current screen's title (English message id) and whether Back goes anywhere.
    screen_title = StringProperty("")
    can_go_back = BooleanProperty(False)
    #: Back is offered on this screen (the top bar shows Home whenever can_go_back).
    can_go_back_here = BooleanProperty(False)
    #: Printer trouble to mention before a citizen asks for a slip ("" when fine).
    printer_note = StringProperty("")
    service_point_name = StringProperty("")
    hotline = StringProperty("")
    demo = BooleanProperty(False)
    #: Preview images of slips printed in demo mode, newest first (for the demo drawer).
    printed_previews = ListProperty([])
    #: The queue number taken in this session (offered when rating), "" when none.
    last_ticket = StringProperty("")
    #: A technician has entered the PIN and not left yet.
    technician_active = BooleanProperty(False)

    def __init__(
        self,
        kiosk_config: Config,
        *,
        parts: KioskParts,
        devices: KioskDevices | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        start_devices: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Labels keep only their texture, not a second copy of their pixels (screens/memory.py).
        release_label_surfaces()
        self.kiosk_config = kiosk_config
        #: The concrete parts (devices, desk, checks, sync round) the composition root built.
        self.parts = parts
        self.devices = devices
        self._start_devices = start_devices
        #: Monotonic seconds (idle timer, the technician corner's hold); tests move it.
        self.clock = clock
        #: Wall-clock seconds for the technician PIN's delays, which outlive a restart.
        self.wall_clock = wall_clock
        #: The last log lines, for the technician screen.
        self.recent_logs: RecentLogs = install_recent_logs()
        self.session = Session(
            idle_seconds=kiosk_config.number("ui.idle_seconds"),
            warning_seconds=kiosk_config.number("ui.idle_warning_seconds"),
            defaults=Preferences(
                language=check_language(kiosk_config.text("ui.language")),
                large_text=kiosk_config.flag("ui.large_text"),
                high_contrast=kiosk_config.flag("ui.high_contrast"),
            ),
            clock=clock,
        )
        self.service_point_name = kiosk_config.text("kiosk.service_point_name")
        self.hotline = kiosk_config.text("kiosk.hotline")
        self.demo = kiosk_config.demo
        self.title = "motcua-kiosk"
        self.manager: ScreenManager | None = None
        self.desk_worker: Worker[ServiceDesk] | None = None
        self.print_worker: Worker[PrintQueue] | None = None
        self.scan_service: ScanService | None = None
        self.idle_prompt: IdlePrompt | None = None
        self.demo_drawer: DemoDrawer | None = None
        self.technician_worker: Worker[TechnicianDesk] | None = None
        self._technician_generation = 0
        #: Settings a technician wrote in this run: they apply after a restart.
        self.pending_settings: dict[str, Value] = {}
        self._history: list[str] = []
        self._banner_event: Any = None
        self._started = False
        self._timers: list[Any] = []
        self._unbuilt: list[str] = []
        self.first_frame_at: float | None = None

    # -- building ---------------------------------------------------------------------------

    def build(self) -> Widget:
        """The root: top bar, the screens, the message banner, the bottom bar."""
        self._apply_preferences()
        load_kv("widgets")
        load_kv("root")
        root = Factory.KioskRoot()
        root.ids.technician_corner.clock = self.clock
        self.manager = root.ids.manager
        self.manager.transition = NoTransition()
        self._screen("welcome")
        self.manager.current = "welcome"
        self.screen_title = ""
        Window.bind(size=self._on_window_size, on_touch_down=self._on_touch_down)
        self._on_window_size(Window, Window.size)
        Window.bind(on_flip=self._on_first_flip)
        return root

    def _on_first_flip(self, *_args: object) -> None:
        Window.unbind(on_flip=self._on_first_flip)
        self.first_frame_at = time.perf_counter()
        # systemd (Type=notify) learns the kiosk is up; the watchdog is pinged from the
        # main loop, so a frozen UI is restarted.
        from kiosk.sd_notify import Notifier  # noqa: PLC0415

        notifier = Notifier()
        notifier.ready("first frame drawn")
        interval = notifier.ping_interval()
        if interval is not None:
            self._timers.append(Clock.schedule_interval(lambda _dt: notifier.watchdog(), interval))
        # The first frame is up: now load what the rest of the kiosk needs.
        Clock.schedule_once(lambda _dt: self.start_services(), 0)

    def _screen(self, name: str) -> KioskScreen:
        assert self.manager is not None
        if self.manager.has_screen(name):
            screen: KioskScreen = self.manager.get_screen(name)
            return screen
        module_name, class_name = {**SCREENS, **TECHNICIAN_SCREENS}[name].split(":")
        load_kv(module_name.rsplit(".", 1)[1])
        module = importlib.import_module(module_name)
        screen = getattr(module, class_name)(name=name)
        self.manager.add_widget(screen)
        return screen

    def build_all_screens(self) -> None:
        """Build every screen now (the tour and tests; the kiosk builds them as needed)."""
        for name in SCREENS:
            self._screen(name)

    def start_services(self) -> None:
        """Open the workers, build and start the devices, start the timers (once)."""
        if self._started:
            return
        self._started = True
        from kiosk.desk import ServiceDesk  # noqa: PLC0415

        config = self.kiosk_config
        parts = self.parts
        # On the worker's thread: the HTTP library loads there, not on the UI thread.
        self.desk_worker = Worker(
            "desk", lambda: parts.open_desk(config), deliver=_on_ui_thread,
            close_resources=ServiceDesk.close,
        )
        self.desk_worker.start()
        if self.devices is None:
            self.devices = parts.build_devices(config)
        printer = self.devices.printer
        if isinstance(printer, UnavailablePrinter):
            # No device to ask and none to print queued slips on later: no print worker,
            # slips stay on screen (print_slip answers None).
            self._note_printer(printer.state, can_print=False)
        else:
            # After the desk has opened (and on a new kiosk created and migrated) the
            # database: two connections switching a new file to WAL at once would collide.
            self.desk_worker.submit(lambda _desk: None, lambda _: self._start_print_worker(printer))
        if self.devices.reader is not None and self._start_devices:
            from kiosk.reading import ScanService  # noqa: PLC0415

            self.scan_service = ScanService(
                self.devices.reader,
                self.on_scanned_from_reader,
                repeat_seconds=float(config.number("scanner.repeat_seconds")),
            )
            self.scan_service.start()
        # Build the other screens now, one per frame, so that no touch waits for one.
        manager = self.manager
        self._unbuilt = [name for name in SCREENS if manager and not manager.has_screen(name)]
        Clock.schedule_once(self._build_next_screen, 0)
        self._timers.append(Clock.schedule_interval(lambda _dt: self.check_idle(), 1.0))
        self._timers.append(
            Clock.schedule_interval(lambda _dt: self.check_printer(), PRINTER_CHECK_SECONDS)
        )

    @property
    def workers(self) -> list[Worker[Any]]:
        """The background workers running now (tests and tours wait for them)."""
        running = (self.desk_worker, self.print_worker, self.technician_worker)
        return [worker for worker in running if worker is not None]

    @property
    def screens_pending(self) -> bool:
        """Whether screens are still being built in the background (tests wait for it)."""
        return bool(self._unbuilt)

    def _build_next_screen(self, _dt: float) -> None:
        if self._unbuilt and self.manager is not None:
            self._screen(self._unbuilt.pop(0))
            Clock.schedule_once(self._build_next_screen, 0)

    def _start_print_worker(self, printer: ReceiptPrinter) -> None:
        from kiosk.printing import PrinterSettings, PrintQueue  # noqa: PLC0415
        from kiosk.storage import open_database  # noqa: PLC0415

        config = self.kiosk_config
        expiry = PrinterSettings.from_config(config).job_expiry

        def open_queue() -> PrintQueue:
            return PrintQueue(open_database(config.database_path), printer, expiry=expiry)

        def close_queue(queue: PrintQueue) -> None:
            queue.printer.close()
            queue.db.close()

        self.print_worker = Worker(
            "printer", open_queue, deliver=_on_ui_thread, close_resources=close_queue
        )
        self.print_worker.start()
        self.check_printer()

    def on_stop(self) -> None:
        """Release the devices and close the database connections."""
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the reader and the workers (also called by tests and the tour)."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._banner_event is not None:
            self._banner_event.cancel()
        if self.scan_service is not None:
            self.scan_service.stop()
            self.scan_service = None
        for worker in (self.desk_worker, self.print_worker, self.technician_worker):
            if worker is not None:
                worker.stop()
        self.desk_worker = None
        self.print_worker = None
        self.technician_worker = None
        Window.unbind(size=self._on_window_size, on_touch_down=self._on_touch_down)

    # -- background work --------------------------------------------------------------------

    def ask_desk(
        self,
        job: Callable[[ServiceDesk], T],
        on_done: Callable[[T], None],
        *,
        on_error: Callable[[Exception], None] | None = None,
        key: str | None = None,
    ) -> None:
        """Run ``job`` on the desk worker; ``on_done`` gets the answer on the UI thread.

        An answer that arrives after the session was wiped is dropped: it was for the
        citizen who left.
        """
        if self.desk_worker is None:
            log.debug("no desk worker (not started yet, or stopped): request dropped")
            return
        generation = self.session.generation

        def done(result: T) -> None:
            if generation == self.session.generation:
                on_done(result)

        def failed(error: Exception) -> None:
            if generation != self.session.generation:
                return
            if on_error is not None:
                on_error(error)
            else:
                self.show_banner(N_("Sorry, something went wrong. Please try again."))

        self.desk_worker.submit(job, done, failed, key=key)

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
        generation = self.session.generation

        def done(outcome: PrintOutcome) -> None:
            self._note_printer(outcome.status.state, can_print=outcome.printed)
            self._refresh_previews()
            if generation == self.session.generation:
                on_done(outcome)

        self.print_worker.submit(
            lambda queue: queue.submit(receipt, submission_uuid=submission_uuid), done
        )

    def check_printer(self) -> None:
        """Retry queued slips and read the printer's state (on the print worker)."""
        if self.print_worker is None:
            return

        def check(queue: PrintQueue) -> PrinterState:
            queue.retry_pending()
            return queue.status().state

        self.print_worker.submit(
            check, lambda state: self._note_printer(state, can_print=state.can_print)
        )

    def _note_printer(self, state: PrinterState, *, can_print: bool) -> None:
        """Say on the welcome screen why slips may not come out (nothing when they do)."""
        self.printer_note = "" if can_print else _PRINTER_NOTES.get(state, _PRINTER_TROUBLE)

    def _refresh_previews(self) -> None:
        if not self.demo:
            return
        from kiosk.printing import PrinterSettings  # noqa: PLC0415

        folder = PrinterSettings.from_config(self.kiosk_config).output_dir
        if folder.is_dir():
            previews = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime, reverse=True)
            self.printed_previews = [str(path) for path in previews[:6]]

    # -- navigation -------------------------------------------------------------------------

    def do_go(self, name: str, **params: Any) -> None:
        """Show screen ``name`` (after handing it ``params``); Back returns here."""
        assert self.manager is not None
        screen = self._screen(name)
        screen.show(**params)
        current = self.manager.current
        if current != name:
            if name == "welcome":
                self._history.clear()
            else:
                self._history.append(current)
        self._switch(name)

    def do_back(self) -> None:
        """Back to the screen before this one."""
        target = self._history.pop() if self._history else "welcome"
        self._switch(target)

    def do_home(self) -> None:
        """Back to the six choices, the citizen still here (their ID card kept).

        From technician mode it is "leave technician mode": everything is wiped, so the
        technician's language or text size never greets the next citizen.
        """
        if self._on_technician_screen():
            self.do_leave_technician_mode()
            return
        self._history.clear()
        self._switch("welcome")

    def _switch(self, name: str) -> None:
        assert self.manager is not None
        if name not in TECHNICIAN_SCREENS and self.technician_worker is not None:
            # Home, the idle wipe, "start over": any way out of technician mode ends it.
            self._end_technician_mode()
        self.manager.current = name
        screen = self._screen(name)
        self.screen_title = "" if name == "welcome" else screen.title
        self.can_go_back = name != "welcome"
        self.can_go_back_here = self.can_go_back and screen.allows_back

    @property
    def current_screen(self) -> KioskScreen:
        """The screen on show."""
        assert self.manager is not None
        return self._screen(self.manager.current)

    # -- the citizen's preferences ------------------------------------------------------------

    def do_set_language(self, language: str) -> None:
        """Switch every screen to ``language`` ("vi" or "en")."""
        self.session.set_language(language)
        translator.switch(language)

    def do_toggle_large_text(self) -> None:
        """Larger text on or off."""
        theme.large_text = self.session.toggle_large_text()

    def do_toggle_contrast(self) -> None:
        """High contrast on or off."""
        theme.high_contrast = self.session.toggle_high_contrast()

    def _apply_preferences(self) -> None:
        translator.switch(self.session.language)
        theme.reset(large_text=self.session.large_text, high_contrast=self.session.high_contrast)

    # -- scanning ---------------------------------------------------------------------------

    def on_scanned_from_reader(self, scanned: ScannedCode) -> None:
        """The reader's callback (on its thread): hand the scan to the UI thread."""
        Clock.schedule_once(lambda _dt: self.on_scanned(scanned), 0)

    def on_scanned(self, scanned: ScannedCode) -> None:
        """A code was scanned, whatever screen is showing."""
        if self._on_technician_screen():
            # A technician tests the reader: nothing scanned now is a citizen's business.
            if self.technician_active:
                technician_screen: Any = self._screen("technician")
                technician_screen.on_code_scanned(scanned)
            return
        if scanned.kind is ScanKind.TECHNICIAN_CARD:
            log.info("technician card scanned: asking for the PIN")
            self.do_open_technician_entry()
            return
        if scanned.kind is ScanKind.CITIZEN_ID and scanned.card is not None:
            current = self.session.citizen
            if current is not None and current.id_number != scanned.card.id_number:
                # Another card: the last citizen may have walked away. Never mix two.
                self.do_start_over()
            self.session.identify(scanned.card)
            self.citizen_label = self.session.masked_citizen or ""
            self.show_banner(N_("Your ID card was read. Welcome!"))
            return
        self.session.on_activity()
        if scanned.kind is ScanKind.RECEIPT_CODE and scanned.receipt_code is not None:
            self.do_go("status", code=scanned.receipt_code)
        elif scanned.kind is ScanKind.URL:
            self.show_banner(
                N_(
                    "This QR code is a web address. The kiosk does not open web "
                    "pages; please use your phone."
                )
            )
        elif scanned.problem is not None:
            self.show_banner(
                N_(
                    "The ID card could not be read. Please hold the QR code on the "
                    "back of the card still, about a hand's width from the scanner."
                )
            )
        else:
            self.show_banner(N_("This code is not an ID card or a receipt from this kiosk."))

    def show_banner(self, message: str, **values: Any) -> None:
        """Show a passing message (an English message id) for a few seconds."""
        self.banner_args = values
        self.banner = message
        if self._banner_event is not None:
            self._banner_event.cancel()
        self._banner_event = Clock.schedule_once(lambda _dt: self.clear_banner(), BANNER_SECONDS)

    def clear_banner(self) -> None:
        """Hide the passing message."""
        self.banner = ""
        self.banner_args = {}

    # -- idle and wiping ----------------------------------------------------------------------

    def _on_touch_down(self, _window: object, _touch: object) -> bool:
        self.session.on_activity()
        if self.idle_prompt is not None and self.idle_prompt.is_open:
            self.idle_prompt.close()
        return False

    def check_idle(self) -> None:
        """Ask the session's idle timer what to do (every second)."""
        action = self.session.poll()
        if action is IdleAction.SHOW_WARNING:
            self._show_idle_prompt()
        elif action is IdleAction.WIPE:
            self.wipe_screens()
        elif self.idle_prompt is not None and self.idle_prompt.is_open:
            self.idle_prompt.seconds_left = self.session.warning_seconds_left()

    def _show_idle_prompt(self) -> None:
        if self.idle_prompt is None:
            load_kv("idle_prompt")
            from screens.idle_prompt import IdlePrompt  # noqa: PLC0415

            self.idle_prompt = IdlePrompt()
        self.idle_prompt.seconds_left = self.session.warning_seconds_left()
        self.idle_prompt.open(animation=False)

    def do_keep_going(self) -> None:
        """ "Yes, I need more time"."""
        self.session.on_activity()
        if self.idle_prompt is not None:
            self.idle_prompt.close()

    def do_start_over(self) -> None:
        """ "Not you? Start over" or "I am finished": forget the citizen now."""
        self.session.start_over()
        self.wipe_screens()

    def wipe_screens(self) -> None:
        """Forget the citizen everywhere: screens, bars, messages, caches; back to welcome.

        The session itself was wiped already (by the idle timer or :meth:`do_start_over`).
        """
        if self.idle_prompt is not None:
            self.idle_prompt.close()
        assert self.manager is not None
        for screen in self.manager.screens:
            screen.do_reset()
        self._history.clear()
        self._switch("welcome")
        self.citizen_label = ""
        self.last_ticket = ""
        self.clear_banner()
        self._apply_preferences()
        if self.desk_worker is not None:
            self.desk_worker.submit(lambda desk: desk.forget_queries())
        # The citizen is gone and the welcome screen up: in the next frame, free what the
        # journey left and hand it back to the system (screens/memory.py).
        Clock.schedule_once(lambda _dt: give_back_memory(), 0)

    # -- technician mode ----------------------------------------------------------------------

    def _on_technician_screen(self) -> bool:
        return self.manager is not None and self.manager.current in TECHNICIAN_SCREENS

    def do_open_technician_entry(self) -> None:
        """The hidden entry was used (long press, technician card): ask for the PIN."""
        if self._on_technician_screen():
            return
        log.info("technician entry opened")
        if self.technician_worker is None:
            from kiosk.technician import open_technician_desk  # noqa: PLC0415

            config, wall_clock = self.kiosk_config, self.wall_clock
            self.technician_worker = Worker(
                "technician",
                lambda: open_technician_desk(config, clock=wall_clock),
                deliver=_on_ui_thread,
                close_resources=lambda desk: desk.close(),
            )
            self.technician_worker.start()
        if self.idle_prompt is not None:
            self.idle_prompt.close()
        self.do_go("technician_pin")

    def ask_technician(
        self,
        job: Callable[[TechnicianDesk], T],
        on_done: Callable[[T], None],
        *,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``job`` on the technician worker; its answer is dropped once the
        technician has left (a new technician would otherwise see it)."""
        if self.technician_worker is None:
            log.debug("no technician worker: request dropped")
            return
        generation = self._technician_generation

        def done(result: T) -> None:
            if generation == self._technician_generation:
                on_done(result)

        def failed(error: Exception) -> None:
            if generation == self._technician_generation and on_error is not None:
                on_error(error)

        self.technician_worker.submit(job, done, failed)

    def enter_technician_mode(self) -> None:
        """The PIN was accepted: the technician screen, Back no longer leads to the PIN."""
        self.technician_active = True
        self._history = ["welcome"]
        self._screen("technician").show()
        self._switch("technician")

    def do_leave_technician_mode(self) -> None:
        """The technician is done: wipe everything and show the welcome screen."""
        log.info("technician mode left")
        self.do_start_over()

    def _end_technician_mode(self) -> None:
        worker, self.technician_worker = self.technician_worker, None
        self._technician_generation += 1
        self.technician_active = False
        assert self.manager is not None
        for name in TECHNICIAN_SCREENS:
            if self.manager.has_screen(name):
                self.manager.get_screen(name).do_reset()
        if worker is not None:
            # Not joined: a sync round may still be waiting on the network, and the UI
            # thread never waits. The worker closes its connection when that job ends.
            worker.stop(timeout=0)

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
        generation = self._technician_generation

        def print_test(queue: PrintQueue) -> PrintOutcome:
            return queue.submit(printer_test_slip(context, printer=queue.printer.description))

        def done(outcome: PrintOutcome) -> None:
            self._note_printer(outcome.status.state, can_print=outcome.printed)
            self._refresh_previews()
            if generation == self._technician_generation:
                on_done(outcome)

        self.print_worker.submit(print_test, done)

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

        self.print_worker.submit(ask, on_done)

    def do_restart_app(self) -> bool:
        """Stop the app cleanly so systemd starts it again; False when nothing would.

        Under systemd (``Restart=always``) a clean exit is followed by a new start within
        seconds. Run by hand (demo, a window) nothing would start it again, so it is not
        stopped: the technician is told to restart it.
        """
        from kiosk.sd_notify import Notifier  # noqa: PLC0415

        notifier = Notifier()
        if not notifier.enabled:
            log.info("restart asked, but no supervisor would start the app again: kept running")
            return False
        log.warning("restarting the kiosk app at a technician's request")
        notifier.status("restarting at a technician's request")
        self.stop()
        return True

    # -- demo mode --------------------------------------------------------------------------

    def do_open_demo_drawer(self) -> None:
        """Open the demo drawer: sample cards and codes to scan, the slips printed."""
        if not self.demo:
            return
        if self.demo_drawer is None:
            load_kv("demo_drawer")
            from screens.demo_drawer import DemoDrawer  # noqa: PLC0415

            self.demo_drawer = DemoDrawer()
        self._refresh_previews()
        self.demo_drawer.open(animation=False)

    # -- layout -----------------------------------------------------------------------------

    def _on_window_size(self, _window: object, size: tuple[int, int]) -> None:
        self.landscape = size[0] > size[1]


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


def load_kv(name: str) -> None:
    """Load ``screens/NAME.kv`` once per process (a second load would apply its rules twice)."""
    path = str(Path(__file__).with_name(f"{name}.kv"))
    if path not in Builder.files:
        Builder.load_file(path)


_deliveries_lock = threading.Lock()
_deliveries_waiting = 0


def _on_ui_thread(callback: Callable[[], None]) -> None:
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
