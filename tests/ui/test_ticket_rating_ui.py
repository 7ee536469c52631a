"""Rating at the kiosk by scanning the ticket: the hub says who served it, takes it once."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from hub.queue import HubQueue, NewTicket
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.kinds.rating import RatingLevel
from kiosk.reading import DEFAULT_REPEAT_SECONDS
from kiosk.servicepoint.ticket_page import page_token, page_url
from kiosk.servicepoint.ticket_rating import TicketCheck
from kiosk.servicepoint.tickets import TicketAction
from screens.rating import CHECK_MESSAGES
from tests.servers import ServerThread
from tests.ui.conftest import Kiosk, start_kiosk


def served_ticket(queue: HubQueue) -> str:
    """A ticket Lan served at counter 2; the address its QR carries."""
    submission = str(uuid.uuid4())
    queue.register(NewTicket(submission, "A2-001", "A", PriorityGroup.NONE, "K2",
                             queue.service_day(), queue.now()))
    queue.open_counter(2, "lan")
    queue.call_next(2)
    queue.act(2, TicketAction.START)
    queue.act(2, TicketAction.FINISH)
    return page_url("https://city.example/ve/", page_token(submission))


def wait_for_message(kiosk: Kiosk, message: str) -> None:
    assert kiosk.driver.wait_for(lambda: kiosk.screen.ticket_message == message, timeout=10), \
        kiosk.screen.ticket_message


def test_a_scanned_served_ticket_is_rated_once_with_its_counter(
    tmp_path: Path, hub: tuple[HubQueue, ServerThread]
) -> None:
    queue, server = hub
    kiosk = start_kiosk(tmp_path, **{"hub.url": server.url,
                                     "hub.token": queue.add_kiosk("DEMO-K1")})
    try:
        qr = served_ticket(queue)
        # WHEN the citizen holds the ticket's QR up on the welcome screen
        kiosk.scan(qr)
        # THEN the rating screen names the ticket and its counter, no counter to choose
        assert kiosk.screen.name == "rating"
        wait_for_message(kiosk, CHECK_MESSAGES[TicketCheck.RATEABLE])
        assert kiosk.screen.ticket_message_args == {"number": "A2-001", "counter": "Quầy số 2"}
        assert kiosk.screen.ticket_served
        assert kiosk.screen.ids.counter_box.disabled
        # WHEN "Satisfied" is touched
        kiosk.driver.tap_text("Hài lòng")
        assert kiosk.driver.wait_for(lambda: kiosk.screen.name == "welcome", timeout=10)
        # THEN the hub holds it with Lan and counter 2; the kiosk stored no rating of its own
        rates = [e for e in queue.unforwarded(100) if e.action is TicketAction.RATE]
        assert [(e.rating, e.counter, e.officer) for e in rates] == [
            (RatingLevel.SATISFIED, 2, "lan")]
        assert kiosk.app.banner == "Thank you! Your rating of ticket {number} was recorded."
        assert kiosk.submissions() == []
        # AND the same ticket scanned again (after the scanner's repeat window, in which a
        # code held up twice counts once) is refused, saying why
        time.sleep(DEFAULT_REPEAT_SECONDS + 0.5)
        kiosk.scan(qr)
        wait_for_message(kiosk, CHECK_MESSAGES[TicketCheck.ALREADY_RATED])
        assert not kiosk.screen.ticket_served
    finally:
        kiosk.driver.close()


def test_with_the_hub_away_the_citizen_chooses_the_counter(tmp_path: Path) -> None:
    kiosk = start_kiosk(tmp_path, **{"hub.url": "http://127.0.0.1:9",
                                     "hub.token": "t" * 32})
    try:
        kiosk.scan(page_url("https://city.example/ve/", page_token(str(uuid.uuid4()))))
        wait_for_message(kiosk, CHECK_MESSAGES[TicketCheck.HUB_UNREACHABLE])
        assert not kiosk.screen.ticket_served
        # the answer, then the counter choice, and the rating is this kiosk's, about it
        kiosk.driver.tap_text("Rất hài lòng")
        kiosk.driver.tap_text("Quầy số 1")
        [rating] = kiosk.submissions()
        assert rating.details["counter"] == "Quầy số 1"
    finally:
        kiosk.driver.close()
