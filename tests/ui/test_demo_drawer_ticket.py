"""The demo drawer's "my queue ticket": it scans the newest ticket's QR, so a demo user can
rate the service the hub says their ticket got."""

from __future__ import annotations

from pathlib import Path

from hub.queue import HubQueue, NewTicket
from kiosk.kinds.queue_ticket import PriorityGroup, QueueTicketRequest
from kiosk.servicepoint.ticket_rating import TicketCheck
from kiosk.servicepoint.tickets import TicketAction
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from screens.rating import CHECK_MESSAGES
from tests.servers import ServerThread
from tests.ui.conftest import Kiosk, start_kiosk

MY_TICKET = "Vé xếp hàng của tôi (để đánh giá)"


def print_ticket(kiosk: Kiosk, service: str = "A") -> tuple[str, str]:
    """A queue ticket in the kiosk's outbox (as the ticket screen makes it): its UUID, number."""
    db = open_database(kiosk.config.database_path)
    try:
        made = Outbox(db, kiosk_id="DEMO-K1", queue_prefix="1").create(
            QueueTicketRequest(service))
    finally:
        db.close()
    assert made.ticket_number is not None
    return made.uuid, made.ticket_number


def serve_at_hub(queue: HubQueue, submission: str, number: str) -> None:
    """The ticket reaches the hub; Lan calls, serves and finishes it at counter 2."""
    queue.register(NewTicket(submission, number, "A", PriorityGroup.NONE, "DEMO-K1",
                             queue.service_day(), queue.now()))
    queue.open_counter(2, "lan")
    queue.call_next(2)
    queue.act(2, TicketAction.START)
    queue.act(2, TicketAction.FINISH)


def test_my_ticket_opens_the_rating_of_the_newest_ticket(
    tmp_path: Path, hub: tuple[HubQueue, ServerThread]
) -> None:
    queue, server = hub
    kiosk = start_kiosk(tmp_path, **{"hub.url": server.url,
                                     "hub.token": queue.add_kiosk("DEMO-K1")})
    try:
        print_ticket(kiosk)  # an older ticket: not the one scanned
        submission, number = print_ticket(kiosk)
        serve_at_hub(queue, submission, number)
        # WHEN the demo user opens the drawer and touches "my queue ticket"
        kiosk.app.do_open_demo_drawer()
        kiosk.driver.settle()
        kiosk.driver.tap_text(MY_TICKET)
        # THEN the rating screen names that ticket and the counter that served it
        assert kiosk.driver.wait_for(lambda: kiosk.screen.name == "rating", timeout=10)
        assert kiosk.driver.wait_for(
            lambda: kiosk.screen.ticket_message == CHECK_MESSAGES[TicketCheck.RATEABLE],
            timeout=10), kiosk.screen.ticket_message
        assert kiosk.screen.ticket_message_args == {"number": number, "counter": "Quầy số 2"}
        assert kiosk.screen.ticket_served
        assert kiosk.app.demo_drawer is not None
        assert kiosk.app.demo_drawer.get_parent_window() is None  # the drawer closed
    finally:
        kiosk.driver.close()


def test_with_no_ticket_yet_the_drawer_says_so(tmp_path: Path) -> None:
    kiosk = start_kiosk(tmp_path)
    try:
        kiosk.app.do_open_demo_drawer()
        kiosk.driver.settle()
        kiosk.driver.tap_text(MY_TICKET)
        assert kiosk.driver.wait_for(
            lambda: kiosk.app.banner == "No ticket printed yet: take a queue number first.",
            timeout=10)
        assert kiosk.screen.name == "welcome"
    finally:
        kiosk.driver.close()
