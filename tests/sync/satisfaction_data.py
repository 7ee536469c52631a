"""Known ratings and queue events for the satisfaction tests, whose figures are worked out
by hand in the tests.

Ba Đình (unit 4), today:
- kiosk K-BD: very satisfied ("Quầy 1"), satisfied (no counter), unsatisfied ("Quầy 2");
- hub H-BD: ticket A1-001 (service A) issued 08:00, called 08:12 at counter 1 by ``lan``,
  rated very satisfied; A1-002 (A) issued 08:05, called 08:25 at counter 2 by ``minh``,
  recalled 08:27, rated acceptable; B1-001 (B) issued 08:10, called 08:16 at counter 1 by
  ``lan``, not rated; and yesterday B1-001 (B) issued 09:00, called 09:30 at counter 2 by
  ``minh``, rated unsatisfied.
Hoàn Kiếm (unit 70), today: kiosk K-HK: satisfied, unsatisfied.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from kiosk.kinds import RatingLevel, RatingRequest
from office.queue_events import QueueEvents
from office.store import Role
from sync import hub_wire
from tests.sync.back_office import BA_DINH, HOAN_KIEM, deliver
from tests.sync.conftest import Backend, Kiosk
from tests.sync.helpers import MORNING

TODAY = MORNING.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


def _event(action: str, state: str, number: str, ticket: uuid.UUID, service: str,
           at: dt.datetime, *, counter: int | None = None, officer: str | None = None,
           rating: str | None = None) -> hub_wire.QueueEventItem:
    return hub_wire.QueueEventItem(
        uuid=uuid.uuid4(), action=action, state=state,  # type: ignore[arg-type]
        ticket_number=number, ticket_uuid=ticket, service=service,
        service_day=at.date().isoformat(), counter=counter, officer=officer, at=at,
        rating=rating)  # type: ignore[arg-type]


def _ticket(number: str, service: str, issued: dt.datetime, called: dt.datetime,
            counter: int, officer: str, rating: str | None,
            recalled: dt.datetime | None = None) -> list[hub_wire.QueueEventItem]:
    ticket = uuid.uuid4()
    events = [_event("issue", "waiting", number, ticket, service, issued),
              _event("call", "called", number, ticket, service, called, counter=counter,
                     officer=officer)]
    if recalled is not None:
        events.append(_event("recall", "called", number, ticket, service, recalled,
                             counter=counter, officer=officer))
    events.append(_event("start", "serving", number, ticket, service,
                         called + dt.timedelta(minutes=3), counter=counter, officer=officer))
    if rating is not None:
        events.append(_event("rate", "done", number, ticket, service,
                             called + dt.timedelta(minutes=10), counter=counter,
                             officer=officer, rating=rating))
    return events


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A moment of ``day`` on the hub's clock (Hà Nội time)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MORNING.tzinfo)


def seed_satisfaction(backend: Backend, make_kiosk: Any) -> None:
    """Store the ratings and queue events described above."""
    for unit, kiosk_id, levels in (
        (BA_DINH, "K-BD", [(RatingLevel.VERY_SATISFIED, "Quầy 1"),
                           (RatingLevel.SATISFIED, None), (RatingLevel.UNSATISFIED, "Quầy 2")]),
        (HOAN_KIEM, "K-HK", [(RatingLevel.SATISFIED, None),
                             (RatingLevel.UNSATISFIED, None)]),
    ):
        backend.store.units.assign(kiosk_id, unit)
        kiosk: Kiosk = make_kiosk(kiosk_id)
        for level, counter in levels:
            kiosk.outbox.create(RatingRequest(level, counter=counter), now=MORNING)
        deliver(backend, kiosk)
    events = (
        _ticket("B1-001", "B", at(YESTERDAY, 9, 0), at(YESTERDAY, 9, 30), 2, "minh",
                "unsatisfied")
        + _ticket("A1-001", "A", at(TODAY, 8, 0), at(TODAY, 8, 12), 1, "lan",
                  "very_satisfied")
        + _ticket("A1-002", "A", at(TODAY, 8, 5), at(TODAY, 8, 25), 2, "minh", "acceptable",
                  recalled=at(TODAY, 8, 27))
        + _ticket("B1-001", "B", at(TODAY, 8, 10), at(TODAY, 8, 16), 1, "lan", None))
    ack = QueueEvents(backend.store.engine, clock=backend.store.clock).record(
        "H-BD", hub_wire.QueueEventBatch(unit_code=BA_DINH, events=events))
    assert len(ack.accepted) == len(events)


#: Units of the month's data (codes of kiosk/data/communes-hanoi.json), Ba Đình first.
MONTH_UNITS = (BA_DINH, HOAN_KIEM, 8, 25, 82, 91)
_MONTH_LEVELS = ("very_satisfied", "satisfied", "satisfied", "acceptable", "very_satisfied",
                 "unsatisfied", "satisfied")


def seed_month(backend: Backend) -> None:
    """Three weeks of counter tickets before yesterday (2 to 21 days ago) at six units' hubs
    (H-4, H-70...), for screenshots: the figures of today and yesterday stay those described
    above."""
    record = QueueEvents(backend.store.engine, clock=backend.store.clock).record
    for unit_index, unit in enumerate(MONTH_UNITS):
        backend.store.add_credential(f"H-{unit}", Role.KIOSK)  # a hub holds a kiosk token
        for days_ago in range(2, 22):
            events: list[hub_wire.QueueEventItem] = []
            day = TODAY - dt.timedelta(days=days_ago)
            for number in range(3 + (days_ago + unit_index) % 4):
                issued = at(day, 8, 0) + dt.timedelta(minutes=17 * number)
                wait = 4 + (days_ago * 7 + unit_index * 5 + number * 11) % 26
                level = _MONTH_LEVELS[(days_ago + unit_index * 2 + number) % 7]
                if unit_index == 5 and number % 2:
                    level = "unsatisfied"
                events += _ticket(f"A1-{number + 1:03d}", "AB"[number % 2], issued,
                                  issued + dt.timedelta(minutes=wait), 1 + number % 3,
                                  ("lan", "minh", "hoa")[number % 3], level)
            record(f"H-{unit}", hub_wire.QueueEventBatch(unit_code=unit, events=events))
