"""The scripted journey, headless: every screen in both orientations and languages, and slips.

``kiosk tour --out DIR`` (and ``kiosk run`` without a display) runs it, in normal and in large
text (``ui.large_text``), and checks on every screen it shoots that everything fits
(:mod:`motcua.tour.fit`): what does not is in :attr:`TourResult.misfits`. The tour is its own
configuration, chosen here and said so: demo data, a fresh database in a temporary
directory, the simulated scanner fed by the script, and the file printer writing the
ESC/POS bytes and a PNG of every slip into ``DIR/slips``. Screenshots go to
``DIR/screens``, named ``NN-step-language-orientation.png`` (``...-large.png`` in large
text).

Import this module only after :func:`motcua.tour.driver.prepare_headless_environment`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.config import Config
from motcua.tour.driver import LANDSCAPE, PORTRAIT, AppDriver, ManualClock
from motcua.tour.fit import Misfit, misfits

#: Frames given to a layout that did not fit at first, before it counts as a misfit.
SETTLE_FRAMES = 12

#: What the scripted citizen types and scans.
SEARCH_TEXT = "dang ky khai sinh"
#: The tour's technician PIN (set in the tour's own configuration only).
TOUR_PIN = "24681357"
DIRECTORY_TEXT = "cau giay"
FEEDBACK_KEYS = "Ddeef nghij suwar ddenf ddwowngf ngox 5"


@dataclasses.dataclass
class TourResult:
    """What the tour wrote."""

    screenshots: list[Path]
    slips: list[Path]
    #: What did not fit, by the screenshot it was seen on.
    misfits: dict[Path, list[Misfit]] = dataclasses.field(default_factory=dict)


def tour_config(config: Config, out: Path, data_dir: Path) -> Config:
    """``config`` with the tour's own data directory, scanner, printer and technician PIN."""
    from kiosk.technician_pin import hash_pin  # noqa: PLC0415

    values = {
        **config.values,
        "scanner.driver": "fake",
        "printer.driver": "file",
        "printer.output_dir": str(out / "slips"),
        "technician.pin_hash": hash_pin(TOUR_PIN),
    }
    return dataclasses.replace(config, values=values, data_dir=data_dir, demo=True)


def publish_demo_queue(config: Config) -> None:
    """Store the demo queue (kiosk/data/queue-demo.json) as if the back office had just
    published it and the sync agent had brought it: the tour has no backend."""
    import json  # noqa: PLC0415
    from importlib import resources  # noqa: PLC0415

    from kiosk import clock  # noqa: PLC0415
    from kiosk.queue_state import store_queue  # noqa: PLC0415
    from kiosk.storage import open_database  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    document = json.loads(resources.files("kiosk.data").joinpath("queue-demo.json").read_text())
    now = clock.now()
    publication = wire.queue_publication(document, now)
    db = open_database(config.database_path)
    try:
        store_queue(db, config.number("kiosk.commune_code"), publication.published_at,
                    [entry.to_core() for entry in publication.services], now=now)
    finally:
        db.close()


def run_tour(
    config: Config,
    out: Path,
    *,
    languages: Sequence[str] = ("vi", "en"),
    orientations: Sequence[tuple[int, int]] = (PORTRAIT, LANDSCAPE),
    text_sizes: Sequence[bool] = (False, True),
    progress: Callable[[str], None] | None = None,
) -> TourResult:
    """Drive the journey and write screenshots and slips under ``out``; ``text_sizes``
    says whether in normal text (False), large text (True) or both."""
    from motcua.tour.driver import configure_window  # noqa: PLC0415

    # Before anything imports Kivy's window, which creates it at the configured size.
    configure_window()
    from motcua.wiring import KioskWiring  # noqa: PLC0415
    from screens.app import KioskApp  # noqa: PLC0415

    shots_dir = out / "screens"
    shots_dir.mkdir(parents=True, exist_ok=True)
    screenshots: list[Path] = []
    found: dict[Path, list[Misfit]] = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as scratch:
        settings = tour_config(config, out, Path(scratch))
        publish_demo_queue(settings)
        for large in text_sizes:
            # One app per text size: large text is how a session starts (ui.large_text),
            # so it stays on through every "start over" of the journey.
            sized = dataclasses.replace(
                settings, values={**settings.values, "ui.large_text": large}
            )
            clock = ManualClock()
            wiring = KioskWiring()
            app = KioskApp(sized, parts=wiring, devices=wiring.build_devices(sized), clock=clock)
            tour = _Tour(AppDriver(app), clock, shots_dir, orientations, progress,
                         suffix="-large" if large else "",
                         ppi=sized.number("ui.screen_ppi"))
            try:
                for language in languages:
                    tour.journey(language)
            finally:
                tour.driver.close()
            screenshots.extend(tour.screenshots)
            found.update(tour.misfits)
    return TourResult(screenshots, sorted((out / "slips").glob("*.png")), found)


class _Tour:
    """The scripted citizen, one method per part of the journey."""

    def __init__(
        self,
        driver: AppDriver,
        clock: ManualClock,
        shots_dir: Path,
        orientations: Sequence[tuple[int, int]],
        progress: Callable[[str], None] | None,
        *,
        suffix: str = "",
        ppi: int = 102,
    ) -> None:
        self.driver = driver
        self.suffix = suffix
        self.ppi = ppi
        self.misfits: dict[Path, list[Misfit]] = {}
        self.app = driver.app
        self.clock = clock
        self.shots_dir = shots_dir
        self.orientations = orientations
        self.progress = progress
        self.screenshots: list[Path] = []
        self.language = "vi"
        self.step = 0
        self.receipt = ""  # the QR payload of the application's receipt
        self.case: str | None = None  # the case chosen for the procedure

    def shoot(self, name: str) -> None:
        """A screenshot of what is on screen now, in every orientation."""
        self.step += 1
        for size in self.orientations:
            orientation = "portrait" if size[0] < size[1] else "landscape"
            path = self.shots_dir / (
                f"{self.step:02d}-{name}-{self.language}-{orientation}{self.suffix}.png"
            )
            wrong = self._picture(path, size)
            self.screenshots.append(path)
            if wrong:
                self.misfits[path] = wrong
            else:
                self._check_under_banner(path, size)
        if self.progress is not None:
            self.progress(f"{self.step:02d} {name} ({self.language})")

    def _picture(self, path: Path, size: tuple[int, int]) -> list[Misfit]:
        """Take the screenshot; what does not fit in it."""
        self.driver.screenshot(path, size)
        wrong = misfits(self.driver.window, self.ppi)
        if wrong:
            # A new text changes a label's height, then its box's, a frame at a time:
            # on a loaded machine the layout may still be settling (seen once in CI on a
            # language switch). A real misfit stays after more frames; picture it then.
            self.driver.frames(SETTLE_FRAMES)
            self.driver.screenshot(path, size)
            wrong = misfits(self.driver.window, self.ppi)
        return wrong

    def _check_under_banner(self, path: Path, size: tuple[int, int]) -> None:
        """The same screen with the longest passing message showing under it.

        A message can come on any screen (a staff call's answer stays 30 s; a scan's
        explanation, such as how to hold an unreadable ID card, 8 s), and it takes height
        from the screen. Whether the tour met one by itself depended on how fast the
        machine ran it; here every screen meets one. Its screenshot is kept
        (``...-banner.png``) only when something does not fit.
        """
        from screens.app import SCAN_BANNERS  # noqa: PLC0415
        from screens.i18n import _  # noqa: PLC0415
        from screens.staff_help_front import HELP_MESSAGES  # noqa: PLC0415

        app = self.app
        passing = [*HELP_MESSAGES.values(), *SCAN_BANNERS.values()]
        longest = max(passing, key=lambda message: len(_(message)))
        showing, showing_args = app.banner, dict(app.banner_args)
        banner_path = path.with_name(f"{path.stem}-banner{path.suffix}")
        app.show_banner(longest)
        try:
            wrong = self._picture(banner_path, size)
        finally:
            # The message the journey was showing comes back (its time starts again).
            if showing:
                app.show_banner(showing, **showing_args)
            else:
                app.clear_banner()
            self.driver.settle()
        if wrong:
            self.misfits[banner_path] = wrong
        else:
            banner_path.unlink()

    def scan(self, text: str) -> None:
        """Hold a code up to the simulated scanner; its thread reports it."""
        from devices.fake_reader import FakeCodeReader  # noqa: PLC0415

        reader = self.app.devices.reader if self.app.devices is not None else None
        assert isinstance(reader, FakeCodeReader)
        reader.feed(text)

    def journey(self, language: str) -> None:
        """The whole journey in ``language``."""
        self.language = language
        self.step = 0
        self.app.do_set_language(language)
        self.driver.settle()
        self.shoot("welcome")
        self.procedures()
        self.submissions()
        self.life_events()
        self.look_ups()
        self.leaving()
        self.technician()

    def procedures(self) -> None:
        """Scan the ID card, search without accents, open a procedure, choose the case, print
        its checklist."""
        from screens.demo_drawer import SAMPLE_CARDS  # noqa: PLC0415

        driver, app = self.driver, self.app
        self.scan(SAMPLE_CARDS["Nguyễn Văn An"])
        driver.wait_for(lambda: app.identified, timeout=5)
        self.shoot("identified")
        driver.tap_id("choice_procedures")
        self.shoot("procedures")
        driver.type(SEARCH_TEXT)
        self.shoot("search")
        driver.tap(app.current_screen.ids.results.box.children[-1])
        self.shoot("procedure")
        # A procedure with several cases asks which is the citizen's: the first one.
        cases = list(reversed(app.current_screen.ids.case_box.children))
        if cases:
            driver.tap(cases[0])
        self.case = app.current_screen.case_key or None
        self.shoot("procedure-case")
        driver.tap_id("print_checklist_button")
        self.shoot("checklist-printed")
        driver.tap_id("back_to_procedure_button")

    def submissions(self) -> None:
        """A queue number and an application for the procedure, with their slips."""
        driver, app = self.driver, self.app
        driver.tap_id("take_number_button")
        self.shoot("queue")
        driver.tap_id("confirm_button")
        self.shoot("ticket-printed")
        driver.tap_id("something_else_button")
        app.do_go("intake", code="1.001193", case=self.case)
        driver.settle()
        driver.tap(app.current_screen.ids.document_box.children[-1])
        self.shoot("intake")
        driver.tap_id("submit_button")
        self.shoot("intake-printed")
        self.receipt = app.current_screen.qr_payload
        driver.tap_id("something_else_button")

    def life_events(self) -> None:
        """Browse by life event: the list, then the first event's procedures in order."""
        driver, app = self.driver, self.app
        driver.tap_id("choice_life_events")
        self.shoot("life-events")
        rows = app.current_screen.ids.results.box.children
        if rows:  # a format 1 catalog has no life events: the screen says so
            driver.tap(rows[-1])
        self.shoot("life-event")
        driver.tap_id("home_button")

    def look_ups(self) -> None:
        """Status by the receipt's QR code, feedback typed in Telex, a rating, the directory."""
        driver, app = self.driver, self.app
        app.do_go("status")
        driver.settle()
        self.shoot("status")
        self.scan(self.receipt)
        driver.wait_for(lambda: app.current_screen.answer is not None, timeout=5)
        self.shoot("status-answer")
        driver.tap_id("home_button")
        driver.tap_id("choice_feedback")
        driver.tap(app.current_screen.ids.category_box.children[-1])
        driver.type(FEEDBACK_KEYS)
        self.shoot("feedback")
        driver.tap_id("send_button")
        self.shoot("feedback-printed")
        driver.tap_id("home_button")
        driver.tap_id("choice_rating")
        self.shoot("rating")
        driver.tap(app.current_screen.ids.level_box.children[-1])
        if app.current_screen.name == "rating":  # the optional second step: the counter
            self.shoot("rating-counter")
            driver.tap_id("send_without_counter_button")
        self.shoot("rating-thanks")
        driver.tap_id("home_button")
        driver.tap_id("choice_directory")
        self.shoot("directory")
        driver.type(DIRECTORY_TEXT)
        driver.tap(app.current_screen.ids.results.box.children[-1])
        self.shoot("commune")

    def leaving(self) -> None:
        """The citizen walks away: the idle prompt, the wipe; the demo drawer; large text."""
        driver, app = self.driver, self.app
        self.clock.advance(app.session.idle_seconds)
        app.check_idle()
        driver.settle()
        self.shoot("idle-prompt")
        self.clock.advance(app.session.warning_seconds)
        app.check_idle()
        driver.settle()
        app.do_set_language(self.language)
        app.do_open_demo_drawer()
        driver.settle()
        self.shoot("demo-drawer")
        assert app.demo_drawer is not None
        app.demo_drawer.dismiss(animation=False)
        app.do_toggle_contrast()
        if not app.session.large_text:
            app.do_toggle_large_text()
        driver.settle()
        self.shoot("welcome-large-contrast")
        app.do_start_over()
        driver.settle()

    def technician(self) -> None:
        """A technician: the hidden corner, the PIN, the checks, a test scan, a setting
        refused, the log lines; then Home, which leaves technician mode."""
        driver, app = self.driver, self.app
        app.do_set_language(self.language)
        driver.settle()
        driver.hold(driver.find("technician_corner"), 5, self.clock)
        driver.type(TOUR_PIN[:5])
        self.shoot("technician-pin")
        driver.type(TOUR_PIN[5:])
        driver.tap_id("enter_button")
        driver.tap_id("test_scan_button")
        self.scan(self.receipt)
        driver.wait_for(lambda: bool(app.current_screen.scan_text.count("\n")), timeout=5)
        self.shoot("technician")
        driver.tap_id("settings_button")
        self.shoot("technician-settings")
        app.do_go("technician_setting", key="ui.idle_seconds")
        driver.settle()
        driver.tap(driver._key(app.current_screen.ids.keyboard, "clear"))
        driver.type("5")
        driver.tap_id("save_button")
        self.shoot("technician-setting")
        driver.tap_id("list_button")
        driver.tap_id("back_button")
        driver.tap_id("logs_button")
        self.shoot("technician-logs")
        driver.tap_id("home_button")
