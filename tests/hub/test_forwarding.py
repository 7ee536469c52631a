"""Queue events reach the city exactly once, even after a day with the city link down."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from hub.forwarder import CityLink, Forwarder, wire_event
from hub.queue import HubQueue
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.tickets import TicketAction
from office.app import create_app
from office.store import Role
from sync import hub_wire
from tests.hub.conftest import MovingClock, hub_token, issue
from tests.postgres_cluster import free_port
from tests.servers import ServerThread
from tests.sync.conftest import Backend

UNIT = 4


def pulled(city: Backend) -> list[hub_wire.QueueEventRecord]:
    """Every queue event the back office can pull, page by page."""
    client = TestClient(create_app(city.store, rate_limit="10000/second"))
    auth = {"Authorization": f"Bearer {city.token('dashboard', Role.BACK_OFFICE)}"}
    items: list[hub_wire.QueueEventRecord] = []
    after = "0"
    while True:
        answer = client.get(hub_wire.QUEUE_EVENTS, params={"after": after, "limit": 250},
                            headers=auth)
        assert answer.status_code == 200, answer.text
        page = hub_wire.QueueEventPage.model_validate(answer.json())
        items.extend(page.items)
        if not page.has_more:
            return items
        after = page.next_cursor


def run_day(queue: HubQueue, clock: MovingClock, *, tickets: int, counters: int,
            seed: int = 7) -> int:
    """A day: tickets issued through it, counters calling, serving, skipping, transferring.
    Returns how many events it made."""
    rng = random.Random(seed)
    numbers = {"A": 0, "C": 0}
    for number in range(4, counters + 1):
        queue.add_counter(number, f"Quầy số {number}", ["A", "C"] if number % 2 else ["A"])
    for number in range(1, counters + 1):
        queue.open_counter(number, "lan" if number % 2 else "minh")
    issued = 0
    while issued < tickets or queue.waiting():
        for _ in range(rng.randint(0, 3)):
            if issued < tickets:
                service = rng.choice("AC")
                numbers[service] += 1
                priority = PriorityGroup.ELDERLY if rng.random() < 0.15 else PriorityGroup.NONE
                prefix = "U" if priority is not PriorityGroup.NONE else ""
                issue(queue, f"{service}1-{prefix}{numbers[service]:04d}", service, priority)
                issued += 1
        counter = rng.randint(1, counters)
        # Busier points move faster: the day stays within opening hours
        clock.advance(seconds=rng.randint(1, 120 // counters))
        current = queue.current(counter)
        if current is None:
            queue.call_next(counter)
        elif current.state.value == "called":
            queue.act(counter, TicketAction.SKIP if rng.random() < 0.05 else TicketAction.START)
        elif rng.random() < 0.03:
            queue.transfer(counter, service="C" if current.service == "A" else "A")
        else:
            queue.act(counter, TicketAction.FINISH)
    return len(queue.unforwarded(1_000_000))


def forwarder(queue: HubQueue, url: str, city: Backend) -> Forwarder:
    return Forwarder(queue, CityLink(url, hub_token(city), timeout=10), unit_code=UNIT)


def check_a_down_day_reaches_the_city_once(
    queue: HubQueue, hub_clock: MovingClock, city: Backend, city_server: ServerThread,
    tickets: int, counters: int,
) -> None:
    # GIVEN a day at the point with the city link down
    down = forwarder(queue, f"http://127.0.0.1:{free_port()}", city)
    made = run_day(queue, hub_clock, tickets=tickets, counters=counters)
    assert made > 3 * tickets
    report = down.run_once()
    assert (report.forwarded, report.error is not None) == (0, True)
    assert len(queue.unforwarded(1_000_000)) == made
    # WHEN the link comes back THEN every event reaches the city, once
    up = forwarder(queue, city_server.url, city)
    assert up.run_once().forwarded == made
    assert up.run_once().forwarded == 0
    events = pulled(city)
    assert len(events) == made
    assert len({record.event.uuid for record in events}) == made
    issued = [record for record in events if record.event.action == "issue"]
    assert len(issued) == tickets
    assert {record.hub_id for record in events} == {"HUB-4"}


def test_a_day_with_the_city_down_reaches_it_once_when_the_link_returns(
    queue: HubQueue, hub_clock: MovingClock, city: Backend, city_server: ServerThread
) -> None:
    check_a_down_day_reaches_the_city_once(queue, hub_clock, city, city_server,
                                           tickets=60, counters=4)


@pytest.mark.slow
def test_a_thousand_tickets_at_twenty_counters_offline_then_once_at_the_city(
    queue: HubQueue, hub_clock: MovingClock, city: Backend, city_server: ServerThread
) -> None:
    check_a_down_day_reaches_the_city_once(queue, hub_clock, city, city_server,
                                           tickets=1000, counters=20)


def test_an_answer_lost_on_the_way_back_is_a_duplicate_not_a_second_event(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    queue.call_next(1)
    link = CityLink(city_server.url, hub_token(city))
    batch = hub_wire.QueueEventBatch(unit_code=UNIT,
                                     events=[wire_event(e) for e in queue.unforwarded(10)])
    first = link.send(batch)  # the hub crashes before marking them
    again = link.send(batch)
    assert (len(first.accepted), len(again.accepted), len(again.duplicates)) == (2, 0, 2)
    changed = batch.events[1].model_copy(update={"counter": 3})
    clash = link.send(hub_wire.QueueEventBatch(unit_code=UNIT, events=[changed]))
    assert clash.conflicts == [changed.uuid]
    assert [record.event.counter for record in pulled(city)] == [None, 1]


def test_a_rating_reaches_the_city_with_its_counter_officer_and_times(
    queue: HubQueue, hub_clock: MovingClock, city: Backend, city_server: ServerThread
) -> None:
    issue(queue, "A1-001")
    queue.add_counter(3, "Quầy số 3", ["A", "C"])
    queue.open_counter(3, "minh")
    queue.call_next(3)
    hub_clock.advance(minutes=1)
    queue.act(3, TicketAction.START)
    hub_clock.advance(minutes=7)
    done = queue.act(3, TicketAction.FINISH).ticket
    queue.rate(done.id, RatingLevel.UNSATISFIED)
    assert forwarder(queue, city_server.url, city).run_once().forwarded == 5
    rating = pulled(city)[-1].event
    assert (rating.action, rating.rating, rating.counter, rating.officer, rating.service) == (
        "rate", "unsatisfied", 3, "minh", "A")
    assert rating.finished_at is not None and rating.serving_at is not None
    assert (rating.finished_at - rating.serving_at).total_seconds() == 420


def test_only_a_hub_token_posts_events_for_its_own_unit_and_a_kiosk_reads_none(
    queue: HubQueue, city: Backend
) -> None:
    client = TestClient(create_app(city.store, rate_limit="10000/second"))
    office = {"Authorization": f"Bearer {city.token('dashboard', Role.BACK_OFFICE)}"}
    kiosk = {"Authorization": f"Bearer {city.token('K1')}"}
    hub = {"Authorization": f"Bearer {hub_token(city)}"}
    body = {"unit_code": UNIT, "events": []}
    assert client.post(hub_wire.QUEUE_EVENTS, json=body, headers=office).status_code == 403
    assert client.get(hub_wire.QUEUE_EVENTS, headers=kiosk).status_code == 403
    # a kiosk's token is not a hub's
    refused = client.post(hub_wire.QUEUE_EVENTS, json=body, headers=kiosk)
    assert (refused.status_code, refused.json()["detail"]) == (
        403, "this endpoint is for hub tokens (kiosk backend add-hub)")
    assert client.post(hub_wire.QUEUE_EVENTS, json=body, headers=hub).status_code == 422
    # a hub posts for its own unit only
    issue(queue, "A1-001")
    event = wire_event(queue.unforwarded(1)[0]).model_dump(mode="json")
    other_unit = client.post(hub_wire.QUEUE_EVENTS, json={"unit_code": 5, "events": [event]},
                             headers=hub)
    assert (other_unit.status_code, other_unit.json()["detail"]) == (
        403, "hub 'HUB-4' posts for unit 4, not 5")
    # a hub token with no unit filed posts nothing
    unfiled = {"Authorization": f"Bearer {city.token('HUB-X', Role.HUB)}"}
    assert client.post(hub_wire.QUEUE_EVENTS, json=body, headers=unfiled).status_code == 403
