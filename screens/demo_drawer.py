"""The demo drawer: sample ID cards and codes to "scan", and the slips printed so far.

Only in demo mode (``kiosk --demo run``), where the configuration selects the simulated
scanner and the file printer. A button here feeds the simulated scanner exactly as a
real scan would arrive (through the reader's thread and the de-duplication); the printed
slips are the PNG previews the file printer writes.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk import receipt_code
from kiosk.desk import ServiceDesk
from kiosk.kinds import SubmissionKind
from kiosk.kinds.queue_ticket import ticket_qr
from kiosk.reading import SimulatedReader
from screens.app import KioskApp
from screens.base import N_

#: Fictional citizens' cards in the published QR layout (no real person's data).
SAMPLE_CARDS: dict[str, str] = {
    "Nguyễn Văn An": (
        "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
    ),
    "Trần Thị Bình": (
        "001185004321||Trần Thị Bình|02071985|Nữ|Số 12 ngõ 34 phố Đội Cấn, Ba Đình, Hà Nội|10082021"
    ),
}
WEB_ADDRESS = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
PRODUCT_BARCODE = "8935049500421"


class DemoDrawer(ModalView):
    """The drawer's buttons call :meth:`do_scan`; it shows whether the scanner is simulated."""

    can_scan = BooleanProperty(False)
    image_folder = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        app = KioskApp.get_running_app()
        self.can_scan = _fake_reader(app) is not None
        if app.kiosk_config.text("scanner.driver") == "images":
            self.image_folder = str(
                app.kiosk_config.data_dir / app.kiosk_config.text("scanner.image_folder")
            )

    def do_scan(self, text: str) -> None:
        """Feed ``text`` to the simulated scanner, then close the drawer."""
        reader = _fake_reader(KioskApp.get_running_app())
        if reader is not None:
            reader.feed(text)
        self.dismiss(animation=False)

    def do_scan_card(self, name: str) -> None:
        """Scan the sample card of ``name``."""
        self.do_scan(SAMPLE_CARDS[name])

    def do_scan_last_receipt(self) -> None:
        """Scan the QR code of the newest receipt this kiosk printed."""
        app = KioskApp.get_running_app()

        def newest(desk: ServiceDesk) -> str | None:
            found = desk.outbox.list()
            return found[-1].receipt_code if found else None

        def scan(code: str | None) -> None:
            if code is not None:
                self.do_scan(receipt_code.qr_payload(code))

        app.ask_desk(newest, scan)

    def do_scan_my_ticket(self) -> None:
        """Scan the QR of the newest queue ticket this kiosk printed, as the citizen holds
        it up after being served (its phone page's address: the kiosk opens its rating)."""
        app = KioskApp.get_running_app()
        page = app.kiosk_config.text("queue.ticket_page_url")

        def newest(desk: ServiceDesk) -> str | None:
            tickets = [found for found in desk.outbox.list()
                       if found.kind is SubmissionKind.QUEUE_TICKET]
            return ticket_qr(tickets[-1], page) if tickets else None

        def scan(payload: str | None) -> None:
            if payload is None:
                app.show_banner(N_("No ticket printed yet: take a queue number first."))
                self.dismiss(animation=False)
            else:
                self.do_scan(payload)

        app.ask_desk(newest, scan)


def _fake_reader(app: KioskApp) -> SimulatedReader | None:
    """The simulated reader, when the configuration chose it (never a stand-in)."""
    reader = None if app.devices is None else app.devices.reader
    return reader if isinstance(reader, SimulatedReader) else None
