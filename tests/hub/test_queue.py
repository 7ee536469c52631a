"""The hub's queue: kiosks' tickets in, counters calling them, every move stamped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from hub.database import HubDatabase
from hub.queue import ConflictError, HubQueue, NewTicket, QueueError, QueueEvent
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.counters import CounterState
from kiosk.servicepoint.ordering import OrderingRule, RuleKind
from kiosk.servicepoint.tickets import TicketAction, TicketState
from tests.hub.conftest import MovingClock, issue


def test_a_ticket_is_called_served_and_finished_with_each_time_stamped(
    queue: HubQueue, hub_clock: MovingClock
) -> None:
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    hub_clock.advance(minutes=3)
    called_at = hub_clock.moment
    called = queue.call_next(1)
    assert called is not None
    assert (called.ticket.number, called.ticket.state, called.counter, called.officer) == (
        "A1-001", TicketState.CALLED, 1, "lan")
    hub_clock.advance(seconds=40)
    serving_at = hub_clock.moment
    queue.act(1, TicketAction.START)
    hub_clock.advance(minutes=6)
    done = queue.act(1, TicketAction.FINISH).ticket
    assert done.state is TicketState.DONE
    assert (done.called_at, done.serving_at, done.finished_at) == (
        called_at, serving_at, hub_clock.moment)
    assert [event.action for event in queue.unforwarded(10)] == [
        TicketAction.ISSUE, TicketAction.CALL, TicketAction.START, TicketAction.FINISH]
    # From call to finish: 6 min 40 s
    assert queue.loads()[0].average_service_seconds == 400


def test_the_same_ticket_sent_twice_is_queued_once_and_a_changed_one_is_refused(
    queue: HubQueue
) -> None:
    new = NewTicket("0b8f7c1e-2a41-4c3e-9a55-2f1f4f0a9e10", "A1-001", "A",
                    PriorityGroup.NONE, "kiosk-1", queue.service_day(), queue.now())
    first, created = queue.register(new)
    again, created_again = queue.register(new)
    assert (created, created_again, again.id) == (True, False, first.id)
    with pytest.raises(ConflictError, match="already registered with other data"):
        queue.register(dataclasses.replace(new, number="A1-002"))
    with pytest.raises(ConflictError, match="A1-001 is already taken today"):
        queue.register(dataclasses.replace(new, submission_uuid="another"))
    assert len(queue.waiting()) == 1


def test_a_counter_calls_only_its_services_and_the_rule_mixes_in_priority(
    queue: HubQueue
) -> None:
    queue.set_rule(OrderingRule(RuleKind.INTERLEAVE, every_n_regular=2))
    for number in ("A1-001", "A1-002", "A1-003"):
        issue(queue, number)
    issue(queue, "C1-001", service="C")
    issue(queue, "A1-U001", priority=PriorityGroup.ELDERLY)
    queue.open_counter(1, "lan")
    called = []
    while (event := queue.call_next(1)) is not None:
        called.append(event.ticket.number)
        queue.act(1, TicketAction.SKIP)
    assert called == ["A1-001", "A1-002", "A1-U001", "A1-003"]
    assert [ticket.number for ticket in queue.waiting()] == ["C1-001"]


def test_a_paused_counter_calls_nobody_and_a_busy_one_finishes_first(queue: HubQueue) -> None:
    issue(queue, "A1-001")
    issue(queue, "A1-002")
    queue.open_counter(1, "lan")
    queue.set_paused(1, True)
    with pytest.raises(QueueError, match="counter 1 is paused"):
        queue.call_next(1)
    assert queue.set_paused(1, False).state is CounterState.OPEN
    queue.call_next(1)
    with pytest.raises(QueueError, match="finish, skip or transfer the current ticket first"):
        queue.call_next(1)
    with pytest.raises(QueueError, match="A1-001: cannot finish a ticket that is called"):
        queue.act(1, TicketAction.FINISH)


def test_a_skipped_citizen_is_called_back_by_number(queue: HubQueue) -> None:
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    queue.call_next(1)
    assert queue.act(1, TicketAction.SKIP).ticket.state is TicketState.NO_SHOW
    back = queue.call_number(1, "a1-001")
    assert (back.ticket.number, back.ticket.state) == ("A1-001", TicketState.CALLED)
    queue.act(1, TicketAction.SKIP)
    with pytest.raises(QueueError, match="no ticket B1-009 today"):
        queue.call_number(1, "B1-009")


def test_a_transferred_ticket_is_called_first_at_the_counter_it_was_sent_to(
    queue: HubQueue
) -> None:
    issue(queue, "A1-001")
    issue(queue, "C1-001", service="C")
    issue(queue, "C1-002", service="C")
    queue.open_counter(1, "lan")
    queue.open_counter(3, "minh")
    queue.call_next(1)
    queue.act(1, TicketAction.START)
    moved = queue.transfer(1, service="C")
    assert (moved.ticket.state, moved.ticket.service) == (TicketState.TRANSFERRED, "C")
    assert queue.current(1) is None
    called = queue.call_next(3)
    assert called is not None
    assert called.ticket.number == "A1-001"
    # To one counter: only that counter calls it
    queue.transfer(3, to_counter=2)
    # Counter 3 goes on with its own queue, not the ticket sent to counter 2
    next_at_three = queue.call_next(3)
    assert next_at_three is not None
    assert next_at_three.ticket.number == "C1-001"
    queue.open_counter(2, "lan")
    at_two = queue.call_next(2)
    assert at_two is not None
    assert at_two.ticket.number == "A1-001"


def test_people_ahead_count_priority_first_and_drop_after_a_call(queue: HubQueue) -> None:
    first = issue(queue, "A1-001")
    mine = issue(queue, "A1-002")
    priority = issue(queue, "A1-U001", priority=PriorityGroup.PREGNANT)
    queue.open_counter(1, "lan")
    position = queue.position(mine)
    assert position is not None
    assert (position.people_ahead, position.load.waiting, position.load.priority_waiting,
            position.load.counters_open) == (2, 3, 1, 1)
    priority_position = queue.position(priority)
    assert priority_position is not None
    assert priority_position.people_ahead == 0
    queue.call_next(1)
    after = queue.position(mine)
    assert after is not None
    assert after.people_ahead == 1
    called_first = queue.position(first)
    assert called_first is not None
    assert (called_first.ticket.state, called_first.people_ahead) == (TicketState.CALLED, 0)


def test_two_counters_calling_at_once_never_call_the_same_ticket(
    hub_db: HubDatabase, queue: HubQueue, hub_clock: MovingClock
) -> None:
    for index in range(40):
        issue(queue, f"A1-{index + 1:03d}")
    queue.open_counter(1, "lan")
    queue.open_counter(2, "minh")
    seen: list[str] = []
    lock = threading.Lock()

    def counter_loop(number: int) -> None:
        hub = HubQueue(hub_db, now=hub_clock)
        while (event := hub.call_next(number)) is not None:
            with lock:
                seen.append(event.ticket.number)
            hub.act(number, TicketAction.SKIP)

    threads = [threading.Thread(target=counter_loop, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(seen) == [f"A1-{index + 1:03d}" for index in range(40)]


def test_listeners_hear_each_move_after_it_is_stored(queue: HubQueue) -> None:
    heard: list[QueueEvent] = []
    queue.subscribe(heard.append)
    issue(queue, "A1-001")
    queue.open_counter(1, "lan")
    queue.call_next(1)
    queue.act(1, TicketAction.RECALL)
    assert [(event.action, event.ticket.number) for event in heard] == [
        (TicketAction.ISSUE, "A1-001"), (TicketAction.CALL, "A1-001"),
        (TicketAction.RECALL, "A1-001")]
    assert [event.ticket.number for event in queue.recent_calls(5)] == ["A1-001", "A1-001"]
    assert queue.mark_forwarded([heard[0].uuid, heard[0].uuid]) == 1
    assert [event.action for event in queue.unforwarded(10)] == [
        TicketAction.CALL, TicketAction.RECALL]


def test_a_served_ticket_is_rated_once_with_the_counter_and_officer_who_served_it(
    queue: HubQueue, hub_clock: MovingClock
) -> None:
    issue(queue, "A1-001")
    issue(queue, "A1-002")
    queue.open_counter(2, "minh")
    queue.call_next(2)
    queue.act(2, TicketAction.START)
    hub_clock.advance(minutes=5)
    done = queue.act(2, TicketAction.FINISH).ticket
    window = dt.timedelta(minutes=10)
    assert queue.rateable(2, window) == done
    rated = queue.rate(done.id, RatingLevel.SATISFIED)
    assert (rated.action, rated.rating, rated.counter, rated.officer, rated.state) == (
        TicketAction.RATE, RatingLevel.SATISFIED, 2, "minh", TicketState.DONE)
    assert queue.rateable(2, window) is None
    with pytest.raises(QueueError, match="A1-001 is already rated"):
        queue.rate(done.id, RatingLevel.UNSATISFIED)
    waiting = queue.waiting()[0]
    with pytest.raises(QueueError, match="A1-002: cannot rate a ticket that is waiting"):
        queue.rate(waiting.id, RatingLevel.SATISFIED)
    # Too long after: the tablet no longer offers it
    queue.call_next(2)
    queue.act(2, TicketAction.START)
    queue.act(2, TicketAction.FINISH)
    hub_clock.advance(minutes=11)
    assert queue.rateable(2, window) is None
