"""A ticket's public token and QR address, and the kiosk's policy for rating a served ticket."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kiosk import clock
from kiosk.kinds.rating import RatingLevel
from kiosk.kiosk_mode import KioskMode
from kiosk.scan_routing import ScanAction, route_scan
from kiosk.scanned import ScannedCode, classify
from kiosk.servicepoint.ticket_page import is_token, page_token, page_url, token_from_scan
from kiosk.servicepoint.ticket_rating import (
    AlreadyRatedError,
    HubUnreachableError,
    NotRateableError,
    RatingResult,
    ServedTicket,
    TicketCheck,
    check_ticket,
    rate_ticket,
)
from kiosk.servicepoint.tickets import TicketState

SUBMISSION = "6f1c2a4e-8b1d-4d0e-9a51-3c2b7f0e9d11"
FINISHED = dt.datetime(2026, 12, 7, 9, 30, tzinfo=clock.HANOI)


def test_the_token_is_derived_from_the_submission_and_has_100_bits() -> None:
    token = page_token(SUBMISSION)
    assert token == page_token(SUBMISSION.upper())  # the same ticket, however spelled
    assert is_token(token)
    assert len(token) == 20  # 20 base32 symbols: 100 bits
    # every ticket its own token, none telling the UUID's digits
    others = {page_token(str(uuid.uuid4())) for _ in range(1000)}
    assert len(others) == 1000
    assert token not in others


def test_a_scanned_ticket_address_gives_its_token_back() -> None:
    token = page_token(SUBMISSION)
    url = page_url("https://city.example/ve/", token)
    assert url == f"https://city.example/ve/{token}"
    assert page_url("https://city.example/ve", token) == url
    assert token_from_scan(url) == token
    assert token_from_scan(f"  {url.upper()}/ ") == token  # scanners may shout
    assert token_from_scan(f"http://10.0.0.5:8000/hn/ve/{token}") == token


@pytest.mark.parametrize("raw", [
    "https://city.example/ve/",
    "https://city.example/ve/short",
    f"https://city.example/tra-cuu/{page_token(SUBMISSION)}",
    f"https://city.example/ve/{page_token(SUBMISSION)}?x=1",
    f"https://city.example/ve/{page_token(SUBMISSION)}extra",
    "MOTCUA:R:ABCD2345",
])
def test_other_codes_are_not_ticket_addresses(raw: str) -> None:
    assert token_from_scan(raw) is None


def served(state: TicketState = TicketState.DONE, *, rated: bool = False) -> ServedTicket:
    return ServedTicket(number="A1-005", service="A", state=state, counter=2,
                        counter_name="Quầy số 2", officer="lan", officer_name="Nguyễn Thị Lan",
                        called_at=FINISHED - dt.timedelta(minutes=9),
                        serving_at=FINISHED - dt.timedelta(minutes=8), finished_at=FINISHED,
                        rated=rated)


class FakeHub:
    """Records what the kiosk asked; answers as told; can fail."""

    def __init__(self, ticket: ServedTicket | None = None,
                 failure: Exception | None = None) -> None:
        self.held = ticket
        self.failure = failure
        self.asked: list[tuple[str, str, RatingLevel | None]] = []

    def ticket(self, token: str) -> ServedTicket | None:
        self.asked.append(("ticket", token, None))
        if self.failure is not None:
            raise self.failure
        return self.held

    def rate(self, token: str, level: RatingLevel) -> ServedTicket:
        self.asked.append(("rate", token, level))
        if self.failure is not None:
            raise self.failure
        assert self.held is not None
        self.held = served(rated=True)
        return self.held

    def close(self) -> None:
        self.asked.append(("close", "", None))


@pytest.mark.parametrize(("hub", "check"), [
    (FakeHub(served()), TicketCheck.RATEABLE),
    (FakeHub(served(rated=True)), TicketCheck.ALREADY_RATED),
    (FakeHub(served(TicketState.WAITING)), TicketCheck.NOT_SERVED),
    (FakeHub(served(TicketState.SERVING)), TicketCheck.NOT_SERVED),
    (FakeHub(served(TicketState.NO_SHOW)), TicketCheck.NOT_SERVED),
    (FakeHub(None), TicketCheck.UNKNOWN_TICKET),
    (FakeHub(failure=HubUnreachableError("hub: ConnectionError")), TicketCheck.HUB_UNREACHABLE),
    (None, TicketCheck.NO_HUB),
])
def test_what_a_scanned_ticket_allows(hub: FakeHub | None, check: TicketCheck) -> None:
    answer = check_ticket(hub, "abcdefghijklmnopqrst")
    assert answer.check is check
    assert (answer.ticket is not None) == (hub is not None and hub.held is not None
                                           and hub.failure is None)


def test_a_rating_is_recorded_at_the_hub_with_who_served() -> None:
    hub = FakeHub(served())
    answer = rate_ticket(hub, "abcdefghijklmnopqrst", RatingLevel.SATISFIED)
    assert answer.result is RatingResult.RECORDED
    assert answer.ticket == served(rated=True)
    assert hub.asked == [("rate", "abcdefghijklmnopqrst", RatingLevel.SATISFIED)]


@pytest.mark.parametrize(("failure", "result"), [
    (AlreadyRatedError("hub: 409"), RatingResult.ALREADY_RATED),
    (NotRateableError("hub: 422"), RatingResult.REFUSED),
    (HubUnreachableError("hub: ReadTimeout"), RatingResult.HUB_UNREACHABLE),
])
def test_a_rating_the_hub_does_not_take(failure: Exception, result: RatingResult) -> None:
    answer = rate_ticket(FakeHub(served(), failure), "abcdefghijklmnopqrst",
                         RatingLevel.UNSATISFIED)
    assert (answer.result, answer.ticket) == (result, None)


def test_without_a_hub_nothing_is_recorded() -> None:
    answer = rate_ticket(None, "abcdefghijklmnopqrst", RatingLevel.SATISFIED)
    assert answer.result is RatingResult.HUB_UNREACHABLE


TICKET_QR = classify(page_url("https://city.example/ve/", page_token(SUBMISSION)), today=None)
RECEIPT = classify("MOTCUA:R:K7QM3XP5", today=None)
OTHER_URL = classify("https://dichvucong.gov.vn/p/home", today=None)


@pytest.mark.parametrize(("scanned", "rating", "action"), [
    (TICKET_QR, False, ScanAction.RATE_TICKET),  # a ticket's QR anywhere: rate its service
    (TICKET_QR, True, ScanAction.RATE_TICKET),
    (RECEIPT, True, ScanAction.RATE_TICKET),  # an older ticket's code, on the rating screen
    (RECEIPT, False, ScanAction.OPEN_STATUS),  # elsewhere a receipt code is its status
    (OTHER_URL, True, ScanAction.WEB_ADDRESS_BANNER),
])
def test_where_a_scanned_ticket_goes(scanned: ScannedCode, rating: bool,
                                     action: ScanAction) -> None:
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=None, rating=rating) is action


def test_a_technician_testing_the_reader_gets_the_ticket_not_a_rating() -> None:
    assert route_scan(TICKET_QR, mode=KioskMode.TECHNICIAN, citizen=None,
                      rating=True) is ScanAction.TO_TECHNICIAN
