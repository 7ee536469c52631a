"""The satisfaction figures the database aggregates are exactly those the old Python
computation (tests/sync/satisfaction_oracle.py) gives, on SQLite and PostgreSQL: random
ratings and queue events of several units, counters, officers and days, stored through
the store's own paths, compared over many scopes and ranges, with the awkward cases in:
no rating, one rating, ties, Hà Nội's midnight (UTC+7), untrusted kiosk clocks, counters
written with blanks, duplicate issues, calls stored before their issue, recalls and
transfers, waits below zero, events received before the range's slack, and means that
fall exactly on x.x5 minutes."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import pytest

from kiosk.clock import HANOI
from office.queue_events import QueueEvents
from office.store.satisfaction import mean_minutes
from office.store.submissions import Submissions
from sync import hub_wire, wire
from tests.sync.conftest import Backend
from tests.sync.satisfaction_oracle import PythonSatisfaction, figures_shown

#: The first day of the random data; it spans FIRST - 3 .. FIRST + 7.
FIRST = dt.date(2026, 11, 9)
UNITS = (4, 70, 8)
LEVELS = ("very_satisfied", "satisfied", "acceptable", "unsatisfied")
COUNTERS_WRITTEN = (None, "", "   ", "Quầy 1", " Quầy 2 ", "Quầy 1\u00a0", "\u3000Quầy 3",
                    "quầy 1", "Quầy 12", "Bàn tiếp dân")
OFFICERS = ("lan", "minh", "hoa", None)


class Clock:
    """The store's clock, set to when the city receives each batch."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _day_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of ``day`` in Hà Nội, often right at either midnight, to the microsecond."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=HANOI)
    choice = rng.random()
    if choice < 0.15:
        return start + dt.timedelta(microseconds=rng.randint(0, 999))
    if choice < 0.3:
        return start + dt.timedelta(days=1) - dt.timedelta(microseconds=rng.randint(1, 999))
    return start + dt.timedelta(seconds=rng.randint(0, 86_399), microseconds=rng.choice(
        (0, 0, 500_000, 250_000, rng.randint(0, 999) * 1000, rng.randint(0, 999_999))))


def _wait(rng: random.Random) -> dt.timedelta:
    """Whole seconds or minutes (ties), to the millisecond or microsecond, or below zero."""
    choice = rng.random()
    if choice < 0.3:
        return dt.timedelta(minutes=rng.choice((3, 5, 6, 12)))
    if choice < 0.5:
        return dt.timedelta(seconds=rng.randint(0, 1800))
    if choice < 0.7:
        return dt.timedelta(milliseconds=rng.randint(0, 1_800_000))
    if choice < 0.95:
        return dt.timedelta(microseconds=rng.randint(0, 1_800_000_000))
    return -dt.timedelta(seconds=rng.randint(1, 90))  # the hub's clock stepped back


class World:
    """Random ratings and events, stored in the order they are made up."""

    def __init__(self, backend: Backend, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.events = QueueEvents(backend.store.engine, clock=self.clock)
        self.submissions = Submissions(backend.store.engine, backend.store.keys,
                                       clock=self.clock)
        self.store = backend.store
        self.seq = 0
        self.pending: dict[int, list[hub_wire.QueueEventItem]] = {unit: [] for unit in UNITS}
        for unit in UNITS:
            self.store.units.assign(f"K-{unit}", unit)

    def day(self) -> dt.date:
        return FIRST + dt.timedelta(days=self.rng.randint(-3, 7))

    def receive_at(self, moment: dt.datetime, early: float = 0.05) -> None:
        """The city's clock when the next batch arrives: soon after ``moment``, sometimes
        (``early``) days before (a hub or kiosk clock days ahead)."""
        if self.rng.random() < early:
            self.clock.now = moment - dt.timedelta(days=self.rng.randint(2, 4))
        else:
            self.clock.now = moment + dt.timedelta(seconds=self.rng.randint(1, 600))

    def kiosk_rating(self) -> None:
        kiosk = self.rng.choice([*(f"K-{unit}" for unit in UNITS), "K-NO-UNIT"])
        day = self.day()
        trusted = self.rng.random() > 0.2
        self.seq += 1
        item = wire.wire_submission({
            "uuid": uuid.uuid4(), "kiosk_id": kiosk, "kiosk_seq": self.seq, "kind": "rating",
            "receipt_code": "ABCDEFGH", "service_day": day.isoformat() if trusted else None,
            "created_at": "1970-01-01T07:00:00+07:00", "clock_untrusted": not trusted,
            "details": {"level": self.rng.choice(LEVELS),
                        "counter": self.rng.choice(COUNTERS_WRITTEN), "ticket_number": None}})
        # An untrusted clock's rating is dated by when it arrived: often near midnight
        self.receive_at(_day_moment(self.rng, day))
        self.submissions.ingest(wire.SubmissionBatch(submissions=[item]))

    def ticket(self) -> None:
        rng = self.rng
        unit = rng.choice(UNITS)
        day = self.day()
        ticket = uuid.uuid4()
        service = rng.choice("ABC")
        issued = _day_moment(rng, day)
        counter = rng.choice((1, 2, 3, 12, None))
        officer = rng.choice(OFFICERS)

        def event(action: str, at: dt.datetime, **fields: Any) -> hub_wire.QueueEventItem:
            return hub_wire.QueueEventItem(
                uuid=uuid.uuid4(), action=action, state="waiting",  # type: ignore[arg-type]
                ticket_number=f"{service}1-001", ticket_uuid=ticket, service=service,
                service_day=day.isoformat(), at=at, **fields)

        called = issued + _wait(rng)
        made = [event("issue", issued)]
        if rng.random() < 0.05:  # the same ticket issued twice
            made.append(event("issue", issued + _wait(rng)))
        if rng.random() < 0.9:
            made.append(event("call", called, counter=counter, officer=officer))
        if rng.random() < 0.1:  # a recall, or a transfer's new call: not a new wait
            made.append(event(rng.choice(("recall", "call")), called + _wait(rng),
                              counter=rng.choice((1, 2)), officer=rng.choice(OFFICERS)))
        if rng.random() < 0.05:  # a call stored before its issue (not the one that counts)
            made.insert(0, event("call", called - dt.timedelta(seconds=1), counter=7,
                                 officer="early"))
        if rng.random() < 0.7:
            made.append(event("rate", called + dt.timedelta(minutes=9), counter=counter,
                              officer=officer,
                              rating=rng.choice((*LEVELS, None)) if rng.random() < 0.95
                              else None))
        if rng.random() < 0.2:
            # Delivered in two batches of its own, either maybe received days early (the
            # city's clock read days before the range's slack: those rows do not count)
            self.flush(unit)
            split = rng.randint(1, len(made))
            for part in (made[:split], made[split:]):
                self.pending[unit] = part
                self.flush(unit, early=0.3)
            return
        self.pending[unit] += made
        if rng.random() < 0.3:
            self.flush(unit)

    def flush(self, unit: int, early: float = 0.05) -> None:
        events = self.pending[unit]
        if events:
            self.receive_at(max(item.at for item in events), early)
            self.events.record(f"H-{unit}", hub_wire.QueueEventBatch(unit_code=unit,
                                                                      events=events))
        self.pending[unit] = []

    def fill(self, tickets: int, kiosk_ratings: int) -> None:
        made = ["ticket"] * tickets + ["rating"] * kiosk_ratings
        self.rng.shuffle(made)
        for what in made:
            if what == "ticket":
                self.ticket()
            else:
                self.kiosk_rating()
        for unit in UNITS:
            self.flush(unit)


def assert_same(backend: Backend, scope: set[int] | None, date_from: dt.date,
                date_to: dt.date) -> None:
    old = PythonSatisfaction(backend.store.engine).report(scope, date_from, date_to)
    new = backend.store.satisfaction.report(scope, date_from, date_to)
    assert figures_shown(new) == figures_shown(old), (scope, date_from, date_to)


SCOPES: tuple[set[int] | None, ...] = (None, {4}, {70, 8}, {4, 70, 8}, {999}, set())


@pytest.mark.parametrize("seed", range(4))
def test_random_months_give_exactly_the_old_figures(backend: Backend, seed: int) -> None:
    World(backend, seed).fill(tickets=160, kiosk_ratings=60)
    rng = random.Random(seed)
    ranges = [(FIRST, FIRST), (FIRST - dt.timedelta(days=3), FIRST + dt.timedelta(days=7)),
              (FIRST + dt.timedelta(days=1), FIRST + dt.timedelta(days=3)),
              (FIRST + dt.timedelta(days=30), FIRST + dt.timedelta(days=31))]
    ranges += [(FIRST + dt.timedelta(days=start), FIRST + dt.timedelta(days=start + length))
               for start, length in ((rng.randint(-4, 7), rng.randint(0, 4))
                                     for _ in range(3))]
    for date_from, date_to in ranges:
        for scope in SCOPES:
            assert_same(backend, scope, date_from, date_to)


def test_nothing_one_rating_and_one_wait(backend: Backend) -> None:
    assert_same(backend, None, FIRST, FIRST)
    world = World(backend, 99)
    world.fill(tickets=1, kiosk_ratings=1)
    for scope in SCOPES:
        assert_same(backend, scope, FIRST - dt.timedelta(days=3), FIRST + dt.timedelta(days=7))


#: Three waits whose exact mean is 1.35 minutes: their seconds summed exactly round it
#: down (what the old computation showed), their microseconds summed then divided up.
NEAR_A_TIE = (75_359_310, 139_484_999, 28_155_691)


def test_a_mean_exactly_on_a_half_tenth_is_rounded_as_before(backend: Backend) -> None:
    assert sum(NEAR_A_TIE) == 3 * 81_000_000
    assert round(sum(NEAR_A_TIE) / 1_000_000 / 3 / 60, 1) == 1.4  # the shortcut: wrong
    assert mean_minutes(3, sum(NEAR_A_TIE), 3, lambda: list(NEAR_A_TIE)) == 1.3
    world = World(backend, 7)
    issued = dt.datetime.combine(FIRST, dt.time(8, 0), tzinfo=HANOI)
    events = []
    for wait in NEAR_A_TIE:
        ticket = uuid.uuid4()
        for action, at in (("issue", issued), ("call", issued + dt.timedelta(
                microseconds=wait))):
            events.append(hub_wire.QueueEventItem(
                uuid=uuid.uuid4(), action=action, state="waiting",  # type: ignore[arg-type]
                ticket_number="A1-001", ticket_uuid=ticket, service="A",
                service_day=FIRST.isoformat(), at=at, counter=1, officer="lan"))
    world.clock.now = issued.astimezone(dt.UTC) + dt.timedelta(hours=1)
    world.events.record("H-4", hub_wire.QueueEventBatch(unit_code=4, events=events))
    report = backend.store.satisfaction.report(None, FIRST, FIRST)
    assert (report.total.waits, report.total.mean_wait_minutes) == (3, 1.3)
    assert_same(backend, None, FIRST, FIRST)


def test_what_the_range_and_scope_cannot_see_is_not_paired(backend: Backend) -> None:
    world = World(backend, 5)
    morning = dt.datetime.combine(FIRST, dt.time(8, 0), tzinfo=HANOI)

    def record(unit: int, received: dt.datetime, *moves: tuple[str, uuid.UUID, int]) -> None:
        world.clock.now = received
        world.events.record(f"H-{unit}", hub_wire.QueueEventBatch(unit_code=unit, events=[
            hub_wire.QueueEventItem(
                uuid=uuid.uuid4(), action=action, state="waiting",  # type: ignore[arg-type]
                ticket_number="A1-001", ticket_uuid=ticket, service="A",
                service_day=FIRST.isoformat(), at=morning + dt.timedelta(minutes=minutes),
                counter=1 if action == "call" else None, officer="lan")
            for action, ticket, minutes in moves]))

    issued_twice, called_elsewhere = uuid.uuid4(), uuid.uuid4()
    # Its first issue reached the city 4 days early (a hub clock days ahead): out of sight
    # of a range starting that day, so its wait runs from the second issue
    record(4, morning - dt.timedelta(days=4), ("issue", issued_twice, 0))
    record(4, morning + dt.timedelta(hours=2), ("issue", issued_twice, 10),
           ("call", issued_twice, 25), ("issue", called_elsewhere, 0))
    # A call of unit 4's ticket posted by unit 70's hub, and a ticket issued by unit 70's
    # hub before unit 4's: only a scope with unit 70 sees those
    issued_by_two = uuid.uuid4()
    record(70, morning + dt.timedelta(hours=2), ("call", called_elsewhere, 7),
           ("issue", issued_by_two, 0))
    record(4, morning + dt.timedelta(hours=3), ("call", called_elsewhere, 40),
           ("issue", issued_by_two, 5), ("call", issued_by_two, 20))
    for scope in ({4}, {4, 70}, {70}, None):
        assert_same(backend, scope, FIRST, FIRST)
    by_scope = {str(scope): backend.store.satisfaction.report(scope, FIRST, FIRST)
                for scope in ({4}, None)}
    assert {key: (r.total.waits, r.total.mean_wait_minutes, sorted(r.by_unit))
            for key, r in by_scope.items()} == {
        "{4}": (3, 23.3, [4]),  # 15, 40, 15
        "None": (3, 14.0, [4, 70])}  # 15, 7, 20 (unit 70's)
