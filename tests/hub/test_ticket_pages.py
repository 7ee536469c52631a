"""A ticket's phone page: the hub publishes its queue to the city, the QR's page shows the
ticket's place, with no personal data, for a token nobody can guess."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from hub.city_state import (
    REFRESH_SECONDS,
    CityStateLink,
    PublishError,
    StatePublisher,
    people_ahead,
    publication,
)
from hub.queue import HubQueue
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.servicepoint.ticket_page import page_token
from kiosk.servicepoint.tickets import TicketAction
from office.app import create_app
from office.ratelimit import RateLimiter
from office.store import Role
from sync import hub_wire
from tests.hub.conftest import MovingClock, hub_token, issue
from tests.servers import ServerThread
from tests.sync.conftest import Backend

UNIT = 4


def test_people_ahead_of_every_ticket_is_what_the_kiosks_are_told(queue: HubQueue) -> None:
    # GIVEN regular and priority tickets in two services, some called already
    for number, service, priority in [
        ("A1-001", "A", PriorityGroup.NONE), ("A1-002", "A", PriorityGroup.NONE),
        ("A1-U001", "A", PriorityGroup.ELDERLY), ("C1-001", "C", PriorityGroup.NONE),
        ("A1-003", "A", PriorityGroup.NONE), ("A1-U002", "A", PriorityGroup.PREGNANT),
        ("C1-U001", "C", PriorityGroup.DISABLED), ("A1-004", "A", PriorityGroup.NONE),
    ]:
        issue(queue, number, service, priority)
    queue.open_counter(1, "lan")
    queue.call_next(1)
    # THEN the one-pass count of the publication equals the kiosks' per-ticket answer
    tickets = queue.day_tickets()
    counted = people_ahead(tickets)
    for ticket in tickets:
        position = queue.position(ticket.submission_uuid)
        assert position is not None
        assert counted.get(ticket.id, 0) == position.people_ahead, ticket.number
    assert {t.number: counted.get(t.id) for t in tickets if t.service == "A"} == {
        "A1-001": None,  # called: at a counter, nobody ahead
        "A1-U001": 0, "A1-U002": 1,  # priority: the priority tickets before them
        "A1-002": 2, "A1-003": 3, "A1-004": 4}  # regular: every priority, and earlier ones


def test_the_publication_names_tickets_by_token_and_drops_them_after_service(
    queue: HubQueue, hub_clock: MovingClock
) -> None:
    served = issue(queue, "A1-001")
    waiting = issue(queue, "A1-002")
    queue.open_counter(1, "lan")
    queue.call_next(1)
    queue.act(1, TicketAction.START)
    queue.act(1, TicketAction.FINISH)
    state = publication(queue, UNIT)
    assert [(t.token, t.number, t.state, t.people_ahead, t.counter) for t in state.tickets] == [
        (page_token(served), "A1-001", "done", 0, 1),
        (page_token(waiting), "A1-002", "waiting", 0, None)]
    assert [(s.service, s.name, s.waiting, s.counters_open) for s in state.services] == [
        ("A", "Hộ tịch", 1, 1), ("C", "Chứng thực", 0, 0)]
    # nothing of the citizen, nor the submission: the model has no such field
    assert served not in state.model_dump_json()
    # half an hour after its service the ticket leaves the page
    hub_clock.advance(minutes=31)
    assert [t.number for t in publication(queue, UNIT).tickets] == ["A1-002"]


class RecordingLink:
    """The city side of the publisher: records what it was sent; can fail."""

    def __init__(self) -> None:
        self.sent: list[hub_wire.TicketPagePublication] = []
        self.failing = False

    def send(self, state: hub_wire.TicketPagePublication) -> hub_wire.TicketPageAck:
        if self.failing:
            raise PublishError("ConnectionError")
        self.sent.append(state)
        return hub_wire.TicketPageAck(tickets=len(state.tickets),
                                      published_at=state.published_at)


def test_the_hub_publishes_on_change_and_at_least_every_minute(queue: HubQueue) -> None:
    link = RecordingLink()
    seconds = [0.0]
    publisher = StatePublisher(queue, link, unit_code=UNIT,  # type: ignore[arg-type]
                               monotonic=lambda: seconds[0])
    assert publisher.run_once()
    assert not publisher.run_once()  # nothing changed
    issue(queue, "A1-001")
    assert publisher.run_once()
    assert [len(state.tickets) for state in link.sent] == [0, 1]
    seconds[0] += REFRESH_SECONDS
    assert publisher.run_once()  # unchanged, but the page's "as of" must stay recent
    # the city away: not marked sent, so the next round tries again
    issue(queue, "A1-002")
    link.failing = True
    assert not publisher.run_once()
    link.failing = False
    assert publisher.run_once()
    assert [len(state.tickets) for state in link.sent] == [0, 1, 1, 2]


# -- at the city --------------------------------------------------------------------------

def test_a_ticket_page_shows_the_place_and_follows_the_queue(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    link = CityStateLink(city_server.url, hub_token(city))
    publisher = StatePublisher(queue, link, unit_code=UNIT)
    first = issue(queue, "A1-001")
    mine = issue(queue, "A1-002")
    issue(queue, "A1-003")
    assert publisher.run_once()
    phone = TestClient(create_app(city.store))
    # GIVEN one citizen ahead of mine
    page = phone.get(f"/ve/{page_token(mine)}")
    assert page.status_code == 200
    assert '<h1 class="ticket-number" id="ticket-number">A1-002</h1>' in page.text
    assert '<dd id="people-ahead">1</dd>' in page.text
    assert "Đang chờ" in page.text
    assert f'hx-get="/ve/{page_token(mine)}/panel"' in page.text
    # WHEN the first is called, then mine at counter 2
    queue.open_counter(1, "lan")
    queue.open_counter(2, "minh")
    queue.call_next(1)
    assert publisher.run_once()
    panel = phone.get(f"/ve/{page_token(mine)}/panel")
    assert '<dd id="people-ahead">0</dd>' in panel.text
    assert "<html" not in panel.text  # the fragment htmx swaps in
    queue.call_next(2)
    assert publisher.run_once()
    called = phone.get(f"/ve/{page_token(mine)}/panel").text
    assert "Mời đến quầy <strong>số 2</strong>" in called
    assert "people-ahead" not in called
    # AND the first citizen's page says it is their turn at counter 1
    assert "Mời đến quầy <strong>số 1</strong>" in phone.get(f"/ve/{page_token(first)}").text
    link.close()


def test_unknown_and_malformed_codes_are_404(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    phone = TestClient(create_app(city.store))
    for path in ("/ve/" + "a" * 20, "/ve/A1-002", "/ve/" + "a" * 20 + "/panel"):
        answer = phone.get(path)
        assert answer.status_code == 404, path
        assert "Không tìm thấy số thứ tự này." in answer.text


def test_the_pages_are_rate_limited_per_address(queue: HubQueue, city: Backend) -> None:
    app = create_app(city.store)
    app.state.web.ticket_page_limiter = RateLimiter("3/minute")
    phone = TestClient(app)
    statuses = [phone.get("/ve/" + "b" * 20).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_only_hub_tokens_publish_and_an_older_state_never_replaces_a_newer(
    queue: HubQueue, city: Backend, hub_clock: MovingClock
) -> None:
    api = TestClient(create_app(city.store, rate_limit="10000/second"))
    hub = {"Authorization": f"Bearer {hub_token(city)}"}
    office = {"Authorization": f"Bearer {city.token('dash', Role.BACK_OFFICE)}"}
    mine = issue(queue, "A1-001")
    newer = publication(queue, UNIT)
    older = newer.model_copy(update={"published_at": newer.published_at - dt.timedelta(
        seconds=30), "tickets": []})
    body = newer.model_dump(mode="json")
    kiosk = {"Authorization": f"Bearer {city.token('K1')}"}
    assert api.post(hub_wire.TICKET_PAGES, json=body).status_code == 401
    assert api.post(hub_wire.TICKET_PAGES, json=body, headers=office).status_code == 403
    assert api.post(hub_wire.TICKET_PAGES, json=body, headers=kiosk).status_code == 403
    assert api.post(hub_wire.TICKET_PAGES, json=body, headers=hub).json()["tickets"] == 1
    late = api.post(hub_wire.TICKET_PAGES, json=older.model_dump(mode="json"), headers=hub)
    assert late.status_code == 409
    assert TestClient(create_app(city.store)).get(f"/ve/{page_token(mine)}").status_code == 200
    # another hub cannot take over a token it somehow learned
    other = {"Authorization": f"Bearer {hub_token(city, 'HUB-5')}"}
    stolen = api.post(hub_wire.TICKET_PAGES, json=body, headers=other)
    assert stolen.json()["tickets"] == 0
