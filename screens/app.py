"""The kiosk app: the composition root of the citizen's screens.

It builds the devices the configuration names, opens the workers that own the database
connections (screens/workers.py), starts the code reader and the idle timer, and holds the
few actions every screen shares (go to a screen, back, language, text size, contrast, start
over). The screens live in their own modules (screens/screen_registry.py); what they do is
done by the core. Navigation and the citizen's preferences (screens/navigation.py), the
printer's side (screens/printer_front.py) and technician mode (screens/technician_mode.py)
are parts of the app of their own.

Threads: the UI thread only draws and reacts. Each worker's answer comes back with
``Clock.schedule_once`` through one bridge (kiosk/worker_bridge.py), which drops it when
the citizen or technician it was for has left in the meantime. What a scanned code does is
the core's scan routing (kiosk/scan_routing.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk.background import Worker
from kiosk.config import Config, Value
from kiosk.greeting import Honorific
from kiosk.language import check_language
from kiosk.logs import RecentLogs, install_recent_logs
from kiosk.parts import KioskDevices, KioskParts
from kiosk.printing import UnavailablePrinter
from kiosk.scan_routing import BANNER_ACTIONS, IDENTIFY_ACTIONS, ScanAction, route_scan
from kiosk.scanned import ScannedCode
from kiosk.sd_notify import Notifier
from kiosk.session import IdleAction, Preferences, Session
from kiosk.worker_bridge import AnswerFor, WorkerBridge
from screens.base import N_, KioskScreen
from screens.idle_prompt import IdleWatch
from screens.listening import Listening
from screens.memory import give_back_memory, release_label_surfaces
from screens.navigation import Navigation
from screens.printer_front import PRINTER_CHECK_SECONDS, PrinterFront
from screens.screen_registry import ScreenRegistry, load_kv
from screens.staff_help_front import StaffHelpFront
from screens.technician_mode import TechnicianMode
from screens.workers import open_desk_worker

if TYPE_CHECKING:
    from kiosk.desk import ServiceDesk
    from kiosk.printing import PrintQueue
    from kiosk.reading import ScanService
    from kiosk.technician import TechnicianDesk
    from screens.demo_drawer import DemoDrawer
    from screens.idle_prompt import IdlePrompt

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds a passing message (an unknown code was scanned...) stays on screen.
BANNER_SECONDS = 8.0


class KioskApp(Navigation, TechnicianMode, PrinterFront, StaffHelpFront, Listening, App):
    """The citizen's kiosk (see the module docstring)."""

    #: Wider than tall: screens put their parts side by side.
    landscape = BooleanProperty(False)
    #: Whether a citizen scanned their ID card in this session.
    identified = BooleanProperty(False)
    #: The greeting (a message id with ``{name}``) and the given name it greets by ("" when
    #: nobody scanned or the card gives no name to greet by): kiosk/greeting.py.
    greeting = StringProperty("")
    greeting_name = StringProperty("")
    #: A passing message (English message id) and its values, shown above the bottom bar.
    banner = StringProperty("")
    banner_args = DictProperty({})
    service_point_name = StringProperty("")
    hotline = StringProperty("")
    demo = BooleanProperty(False)
    #: The queue number taken in this session (offered when rating), "" when none.
    last_ticket = StringProperty("")

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
        #: Every call to a worker goes through it; it drops answers that came too late.
        self.bridge = WorkerBridge(self.session)
        self.service_point_name = kiosk_config.text("kiosk.service_point_name")
        self.hotline = kiosk_config.text("kiosk.hotline")
        self.demo = kiosk_config.demo
        self.title = "motcua-kiosk"
        self.manager: ScreenManager | None = None
        self._screens: ScreenRegistry | None = None
        self.desk_worker: Worker[ServiceDesk] | None = None
        self.print_worker: Worker[PrintQueue] | None = None
        self.scan_service: ScanService | None = None
        self.idle = IdleWatch(self.session)
        self.demo_drawer: DemoDrawer | None = None
        #: Runs while a technician is at the kiosk (:data:`TECHNICIAN_MODES`), else None.
        self.technician_worker: Worker[TechnicianDesk] | None = None
        #: Settings a technician wrote in this run: they apply after a restart.
        self.pending_settings: dict[str, Value] = {}
        self._history: list[str] = []
        self._banner_event: Any = None
        self._started = False
        self._timers: list[Any] = []
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
        self._screens = ScreenRegistry(self.manager)
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
        notifier = Notifier()
        notifier.ready("first frame drawn")
        interval = notifier.ping_interval()
        if interval is not None:
            self._timers.append(Clock.schedule_interval(lambda _dt: notifier.watchdog(), interval))
        # The first frame is up: now load what the rest of the kiosk needs.
        Clock.schedule_once(lambda _dt: self.start_services(), 0)

    def _screen(self, name: str) -> KioskScreen:
        assert self._screens is not None
        return self._screens.get(name)

    def build_all_screens(self) -> None:
        """Build every screen now (the tour and tests; the kiosk builds them as needed)."""
        assert self._screens is not None
        self._screens.build_all()

    def start_services(self) -> None:
        """Open the workers, build and start the devices, start the timers (once)."""
        if self._started:
            return
        self._started = True
        config = self.kiosk_config
        parts = self.parts
        self.desk_worker = open_desk_worker(config, parts)
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
        self.start_voice()
        # Build the other screens now, one per frame, so that no touch waits for one.
        if self._screens is not None:
            self._screens.build_rest_in_background()
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
        return self._screens is not None and self._screens.pending

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
        self.close_voice()
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
        citizen who left. A failure without ``on_error`` shows "something went wrong".
        """
        self.bridge.submit(
            self.desk_worker, job, on_done, answer_for=AnswerFor.CITIZEN,
            on_error=on_error or self._went_wrong, key=key,
        )  # fmt: skip

    def _went_wrong(self, _error: Exception) -> None:
        self.sound_error()
        self.show_banner(N_("Sorry, something went wrong. Please try again."))

    # -- scanning ---------------------------------------------------------------------------

    def on_scanned_from_reader(self, scanned: ScannedCode) -> None:
        """The reader's callback (on its thread): hand the scan to the UI thread."""
        Clock.schedule_once(lambda _dt: self.on_scanned(scanned), 0)

    def on_scanned(self, scanned: ScannedCode) -> None:
        """A code was scanned, whatever screen is showing: do what the routing says."""
        current = None if self.manager is None else self.manager.current
        action = route_scan(scanned, mode=self.mode, citizen=self.session.citizen,
                            rating=current == "rating", status=current == "status")
        if action is ScanAction.TO_TECHNICIAN:
            # A technician tests the reader: nothing scanned now is a citizen's business.
            technician_screen: Any = self._screen("technician")
            technician_screen.on_code_scanned(scanned)
        elif action is ScanAction.OPEN_TECHNICIAN_ENTRY:
            log.info("technician card scanned: asking for the PIN")
            self.do_open_technician_entry()
        elif action in IDENTIFY_ACTIONS and scanned.card is not None:
            if action is ScanAction.START_OVER_WITH_NEW_CARD:
                # Another card: the last citizen may have walked away. Never mix two.
                self.do_start_over()
            self.session.identify(scanned.card)
            self._show_greeting()
            self.show_banner(N_("Your ID card was read. Welcome!"))
        elif action is ScanAction.LIST_CARD_APPLICATIONS and scanned.card is not None:
            self.session.on_activity()
            status_screen: Any = self._screen("status")
            status_screen.list_card_applications(scanned.card)
        elif action is ScanAction.OPEN_STATUS:
            self.session.on_activity()
            self.do_go("status", code=scanned.receipt_code)
        elif action is ScanAction.RATE_TICKET:
            self.session.on_activity()
            self.do_go("rating", scanned=scanned.raw)
        elif action in BANNER_ACTIONS:
            self.session.on_activity()
            self.sound_error()
            self.show_banner(SCAN_BANNERS[action])

    def _show_greeting(self) -> None:
        """Greet the identified citizen by title and given name, or show nobody."""
        greeting = self.session.greeting
        self.identified = self.session.citizen is not None
        self.greeting = "" if greeting is None else _GREETINGS[greeting.honorific]
        self.greeting_name = "" if greeting is None else greeting.given_name

    def show_banner(self, message: str, *, banner_seconds: float = BANNER_SECONDS,
                    **values: Any) -> None:
        """Show a passing message (an English message id) for ``banner_seconds``."""
        self.banner_args = values
        self.banner = message
        if self._banner_event is not None:
            self._banner_event.cancel()
        self._banner_event = Clock.schedule_once(lambda _dt: self.clear_banner(), banner_seconds)

    def clear_banner(self) -> None:
        """Hide the passing message (and forget its timer, which would hide the next)."""
        if self._banner_event is not None:
            self._banner_event.cancel()
            self._banner_event = None
        self.banner = ""
        self.banner_args = {}

    # -- idle and wiping ----------------------------------------------------------------------

    @property
    def idle_prompt(self) -> IdlePrompt | None:
        """The "need more time?" prompt, once it was first shown."""
        return self.idle.prompt

    def _on_touch_down(self, _window: object, _touch: object) -> bool:
        warned = self.idle_prompt is not None and self.idle_prompt.is_open
        self.idle.on_touch()
        if warned:
            self.silence()  # the citizen is back: the warning need not be finished
        self.sound_touch()
        return False

    def check_idle(self) -> None:
        """Ask the session's idle timer what to do (every second)."""
        action = self.idle.check()
        if action is IdleAction.SHOW_WARNING:
            self.say_idle_warning(self.session.warning_seconds_left())
        elif action is IdleAction.WIPE:
            self.wipe_screens()

    def do_keep_going(self) -> None:
        """ "Yes, I need more time"."""
        self.idle.keep_going()

    def do_start_over(self) -> None:
        """ "Not you? Start over" or "I am finished": forget the citizen now."""
        self.session.start_over()
        self.wipe_screens()

    def wipe_screens(self) -> None:
        """Forget the citizen everywhere: screens, bars, messages, caches; back to welcome.

        The session itself was wiped already (by the idle timer or :meth:`do_start_over`).
        """
        self.idle.close()
        self.forget_listener()
        assert self.manager is not None
        for screen in self.manager.screens:
            screen.do_reset()
        self._history.clear()
        self._switch("welcome")
        self._show_greeting()
        self.last_ticket = ""
        self.clear_banner()
        self._apply_preferences()
        if self.desk_worker is not None:
            self.desk_worker.submit(lambda desk: desk.forget_queries())
        # The citizen is gone and the welcome screen up: in the next frame, free what the
        # journey left and hand it back to the system (screens/memory.py).
        Clock.schedule_once(lambda _dt: give_back_memory(), 0)

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


#: The greeting by title (message ids): "Xin chào ông {name}" in Vietnamese.
_GREETINGS: dict[Honorific, str] = {
    Honorific.ONG: N_("Hello, Mr {name}"),
    Honorific.BA: N_("Hello, Ms {name}"),
}

#: What the citizen reads when a scan is only explained (message ids).
SCAN_BANNERS: dict[ScanAction, str] = {
    ScanAction.WEB_ADDRESS_BANNER: N_(
        "This QR code is a web address. The kiosk does not open web pages; please use "
        "your phone."
    ),
    ScanAction.UNREADABLE_CARD_BANNER: N_(
        "The ID card could not be read. Please hold its QR code still, about a hand's width "
        "from the scanner (on the back of the new căn cước card, on the front of the older "
        "chip CCCD)."
    ),
    ScanAction.UNKNOWN_CODE_BANNER: N_(
        "This code is not an ID card or a receipt from this kiosk."
    ),
}
