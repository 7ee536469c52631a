"""The service point's queue model: ticket moves, and the ordering rule's fairness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.servicepoint.ordering import (
    Candidate,
    OrderingRule,
    RuleKind,
    choose_next,
    count_after_call,
)
from kiosk.servicepoint.tickets import (
    TRANSITIONS,
    TicketAction,
    TicketState,
    TransitionError,
    next_state,
)

T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


# -- ticket states ----------------------------------------------------------------------------

def test_a_ticket_goes_from_waiting_to_done_through_call_start_finish() -> None:
    state = TicketState.WAITING
    for action in (TicketAction.CALL, TicketAction.RECALL, TicketAction.START,
                   TicketAction.FINISH):
        state = next_state(state, action)
    assert state is TicketState.DONE


@pytest.mark.parametrize(("state", "action"), [
    (TicketState.WAITING, TicketAction.FINISH),
    (TicketState.WAITING, TicketAction.RECALL),
    (TicketState.DONE, TicketAction.CALL),
    (TicketState.SERVING, TicketAction.SKIP),
    (TicketState.NO_SHOW, TicketAction.START),
])
def test_moves_the_state_does_not_allow_are_refused(state: TicketState,
                                                    action: TicketAction) -> None:
    with pytest.raises(TransitionError, match=f"cannot {action.value} a ticket that is"):
        next_state(state, action)


def test_a_skipped_citizen_who_comes_back_is_called_again_and_done_is_final() -> None:
    assert next_state(TicketState.NO_SHOW, TicketAction.CALL) is TicketState.CALLED
    assert next_state(TicketState.TRANSFERRED, TicketAction.CALL) is TicketState.CALLED
    assert [move for move in TRANSITIONS if move[0] is TicketState.DONE] == [
        (TicketState.DONE, TicketAction.RATE)]


# -- ordering: examples ---------------------------------------------------------------------

def candidate(ticket_id: int, priority: bool = False, minutes: float = 0,
              transferred: bool = False) -> Candidate:
    return Candidate(ticket_id, ticket_id, priority, T0 + dt.timedelta(minutes=minutes),
                     transferred)


def test_interleave_calls_one_priority_after_every_n_regular() -> None:
    rule = OrderingRule(RuleKind.INTERLEAVE, every_n_regular=2)
    waiting = [candidate(1), candidate(2), candidate(3), candidate(4, priority=True),
               candidate(5, priority=True)]
    order, count = [], 0
    while waiting:
        chosen = choose_next(rule, waiting, count)
        assert chosen is not None
        count = count_after_call(chosen, count)
        waiting.remove(chosen)
        order.append(chosen.ticket_id)
    assert order == [1, 2, 4, 3, 5]


def test_weighted_gives_priority_a_head_start_not_a_pass() -> None:
    rule = OrderingRule(RuleKind.WEIGHTED, priority_head_start_seconds=600)
    early = candidate(1, minutes=0)
    recent = candidate(2, minutes=8)
    priority = candidate(3, priority=True, minutes=15)
    # Taken 15 minutes after the first regular ticket: counts as 5 minutes after it
    assert choose_next(rule, [early, recent, priority], 0) == early
    # ... and so before a ticket taken 8 minutes after the first
    assert choose_next(rule, [recent, priority], 0) == priority


def test_a_transferred_ticket_is_called_first_and_nobody_waiting_is_none() -> None:
    rule = OrderingRule()
    moved = candidate(9, transferred=True)
    assert choose_next(rule, [candidate(1, priority=True), moved], 5) == moved
    assert count_after_call(moved, 2) == 2
    assert choose_next(rule, [], 0) is None


def test_a_rule_that_would_starve_the_regular_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="every_n_regular"):
        OrderingRule(RuleKind.INTERLEAVE, every_n_regular=0)


# -- ordering: fairness as properties ---------------------------------------------------------

@dataclass
class Simulation:
    """Tickets issued and called at one counter, step by step."""

    rule: OrderingRule
    waiting: list[Candidate] = field(default_factory=list)
    called: list[Candidate] = field(default_factory=list)
    issued: list[Candidate] = field(default_factory=list)
    count: int = 0
    #: ticket id -> index into `called` at the moment it was issued
    calls_before_issue: dict[int, int] = field(default_factory=dict)

    def issue(self, priority: bool, at: dt.datetime) -> None:
        ticket = Candidate(len(self.issued) + 1, len(self.issued) + 1, priority, at)
        self.issued.append(ticket)
        self.waiting.append(ticket)
        self.calls_before_issue[ticket.ticket_id] = len(self.called)

    def call(self) -> None:
        chosen = choose_next(self.rule, self.waiting, self.count)
        if chosen is None:
            assert not self.waiting
            return
        self.count = count_after_call(chosen, self.count)
        self.waiting.remove(chosen)
        self.called.append(chosen)


#: A day at one counter: True/False issues a priority/regular ticket, None is a call.
DAYS = st.lists(st.one_of(st.booleans(), st.none()), max_size=120)


@settings(max_examples=300, deadline=None)
@given(day=DAYS, every=st.integers(min_value=1, max_value=6))
def test_interleave_neither_starves_nor_lets_priority_always_jump(
    day: list[bool | None], every: int
) -> None:
    simulation = Simulation(OrderingRule(RuleKind.INTERLEAVE, every_n_regular=every))
    for step in day:
        if step is None:
            simulation.call()
        else:
            simulation.issue(step, T0)
    called = simulation.called
    position = {ticket.ticket_id: index for index, ticket in enumerate(called)}
    for ticket in simulation.issued:
        start = simulation.calls_before_issue[ticket.ticket_id]
        end = position.get(ticket.ticket_id, len(called))
        passed = called[start:end]
        regular_calls = sum(not other.priority for other in passed)
        priority_calls = len(passed) - regular_calls
        if ticket.priority:
            # Never starves: at most N regular calls per priority ticket ahead of it, itself
            # included
            assert regular_calls <= every * (priority_calls + 1)
        else:
            # Priority does not always jump: one priority call per N regular ones, at most
            assert priority_calls <= regular_calls // every + 1
    # Within a kind, issue order
    for kind in (True, False):
        ids = [ticket.ticket_id for ticket in called if ticket.priority is kind]
        assert ids == sorted(ids)


@settings(max_examples=300, deadline=None)
@given(day=st.lists(st.one_of(st.tuples(st.booleans(), st.integers(0, 30)), st.none()),
                    max_size=120),
       head_start=st.integers(min_value=0, max_value=1800))
def test_weighted_passes_only_tickets_within_the_head_start(
    day: list[tuple[bool, int] | None], head_start: int
) -> None:
    simulation = Simulation(OrderingRule(RuleKind.WEIGHTED,
                                         priority_head_start_seconds=head_start))
    moment = T0
    for step in day:
        if step is None:
            simulation.call()
        else:
            priority, minutes_later = step
            moment += dt.timedelta(minutes=minutes_later)
            simulation.issue(priority, moment)
    position = {ticket.ticket_id: index for index, ticket in enumerate(simulation.called)}
    never = len(simulation.called)
    limit = dt.timedelta(seconds=head_start)
    for regular in (t for t in simulation.issued if not t.priority):
        for priority in (t for t in simulation.issued if t.priority):
            if priority.issued_at - limit > regular.issued_at:
                # taken longer than the head start after: never served before the regular
                assert position.get(regular.ticket_id, never) <= \
                    position.get(priority.ticket_id, never)
                if priority.ticket_id in position:
                    assert regular.ticket_id in position
    for kind in (True, False):
        ids = [ticket.ticket_id for ticket in simulation.called if ticket.priority is kind]
        assert ids == sorted(ids)
