"""The kiosk app in the test process, headless: Kivy's SDL2 window on SDL's offscreen driver.

The environment is set before anything imports Kivy (this conftest is loaded before the
test modules of this folder). One window serves the whole session, created large enough
for both orientations; each test builds a fresh app with its own data directory, a
simulated scanner, a printer and a clock the test moves.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from motcua.tour.driver import PORTRAIT, prepare_headless_environment

prepare_headless_environment(Path(tempfile.mkdtemp(prefix="kiosk-test-kivy-")))

from motcua.tour.driver import configure_window  # noqa: E402

configure_window()

from devices.fake_reader import FakeCodeReader  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.database import HubDatabase  # noqa: E402
from hub.queue import HubQueue  # noqa: E402
from kiosk.config import Config, load_config  # noqa: E402
from kiosk.kiosk_voice import KioskVoice  # noqa: E402
from kiosk.parts import KioskDevices  # noqa: E402
from kiosk.printing import ReceiptPrinter  # noqa: E402
from motcua.tour.driver import AppDriver, ManualClock  # noqa: E402
from motcua.wiring import KioskWiring  # noqa: E402
from screens.app import KioskApp  # noqa: E402
from tests.servers import ServerThread  # noqa: E402

#: The fictional citizen of the demo drawer.
CARD_AN = (
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
)
CARD_BINH = (
    "001185004321||Trần Thị Bình|02071985|Nữ|Số 12 ngõ 34 phố Đội Cấn, Ba Đình, Hà Nội|10082021"
)


#: A backend address where nothing listens: connections are refused at once.
CLOSED_BACKEND = "http://127.0.0.1:9"


@dataclass
class Kiosk:
    """One running app and what a test needs to drive and inspect it."""

    app: KioskApp
    driver: AppDriver
    reader: FakeCodeReader
    clock: ManualClock
    config: Config
    printed_dir: Path

    def scan(self, text: str) -> None:
        """Hold ``text`` up to the simulated scanner; wait until the app has handled it."""
        before = self.reader.reads
        self.reader.feed(text)
        # The reader's thread reads, classifies and schedules the scan for the UI thread.
        assert self.driver.wait_for(lambda: self.reader.reads > before + 1, timeout=5)
        self.driver.settle()

    @property
    def screen(self) -> Any:
        """The screen on show."""
        return self.app.current_screen

    def submissions(self) -> list[Any]:
        """What is in the outbox, oldest first (read on a connection of the test's own)."""
        from kiosk.storage import open_database
        from kiosk.submissions import Outbox

        db = open_database(self.config.database_path)
        try:
            return Outbox(db, kiosk_id="-", queue_prefix="1").list()
        finally:
            db.close()


def kiosk_config(tmp_path: Path, **overrides: str | int | bool) -> Config:
    """The demo configuration with a data directory of the test's own."""
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    values = {
        **config.values,
        # Nothing listens on the discard port: no test depends on a demo backend that may
        # or may not be running on this machine (a test that wants one starts its own).
        "sync.backend_url": CLOSED_BACKEND,
        "printer.driver": "file",
        "printer.output_dir": str(tmp_path / "printed"),
        **overrides,
    }
    return replace(config, values=values)


#: The catalog the app's tests were written against: the first demo catalog (30
#: procedures, one case each). The shipped catalog (301 procedures, several cases each) is
#: the tour's and the guidance tests'; pinning this one keeps each test's facts its own.
UI_CATALOG = Path(__file__).parents[2] / "tools" / "catalog" / "catalog-demo-v1.json"


def ui_catalog_bytes() -> bytes:
    """UI_CATALOG under a version no shipped catalog reaches (demo mode keeps it)."""
    catalog = json.loads(UI_CATALOG.read_text(encoding="utf-8"))
    catalog["version"] = 1_000_000
    return json.dumps(catalog, ensure_ascii=False).encode("utf-8")


def start_kiosk(
    tmp_path: Path,
    *,
    printer: ReceiptPrinter | None = None,
    size: tuple[int, int] = PORTRAIT,
    catalog: bytes | None = None,
    voice: KioskVoice | None = None,
    **overrides: str | int | bool,
) -> Kiosk:
    """A fresh app on the shared window (file printer unless ``printer`` is given).

    One clock the test moves serves the idle timer and the technician PIN's delays.
    ``catalog`` (a catalog file's bytes) is imported before the app starts; by default
    :data:`UI_CATALOG`. ``voice``: the kiosk's voice (None: silent, no Listen button).
    """
    from devices.printers import build_printer
    from kiosk.catalog import import_catalog
    from kiosk.storage import open_database

    config = kiosk_config(tmp_path, **overrides)
    db = open_database(config.database_path)
    try:
        import_catalog(db, ui_catalog_bytes() if catalog is None else catalog)
    finally:
        db.close()
    reader = FakeCodeReader()
    device = printer if printer is not None else build_printer(config)
    clock = ManualClock()
    app = KioskApp(
        config, parts=KioskWiring(),
        devices=KioskDevices(reader=reader, printer=device, voice=voice),
        clock=clock, wall_clock=clock,
    )
    driver = AppDriver(app)
    driver.window.size = size
    driver.settle()
    return Kiosk(app, driver, reader, clock, config, tmp_path / "printed")


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    """The kiosk app in portrait, with the file printer writing into the test's folder."""
    running = start_kiosk(tmp_path)
    yield running
    running.driver.close()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[HubQueue, ServerThread]]:
    """A service point's hub on loopback: service A, counter 2, officer Lan."""
    db = HubDatabase(tmp_path / "hub.sqlite3")
    queue = HubQueue(db)
    queue.add_service("A", "Hộ tịch")
    queue.add_counter(2, "Quầy số 2", ["A"])
    queue.add_officer("lan", "Nguyễn Thị Lan", "246810")
    server = ServerThread(create_app(queue, secret="test")).start()
    yield queue, server
    server.stop()
    db.close()
