"""People ahead and the estimated wait, from the queue the back office published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog
from kiosk.clock import HANOI
from kiosk.kinds import PriorityGroup, QueueTicketRequest, slip_for_submission
from kiosk.queue_state import (
    ServiceQueue,
    WaitEstimate,
    kept_publication,
    queue_overview,
    store_queue,
    ticket_wait,
    wait_minutes,
)
from kiosk.receipt import Field, Line, SlipContext
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox, ticket_parts

NINE = dt.datetime(2026, 12, 1, 9, 0, tzinfo=HANOI)
MAX_AGE = dt.timedelta(minutes=15)
#: The back office's clock is UTC; 02:00 UTC is 09:00 in Hanoi.
PUBLISHED = dt.datetime(2026, 12, 1, 1, 58, tzinfo=dt.UTC)
CIVIL_STATUS = ServiceQueue("A", waiting=6, priority_waiting=1, counters_open=2,
                            average_service_seconds=420)
RESIDENCE_CLOSED = ServiceQueue("B", waiting=3, priority_waiting=0, counters_open=0,
                                average_service_seconds=300)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
EN = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "en")


@pytest.fixture
def outbox(catalog_db: Database) -> Outbox:
    return Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1")


def take(outbox: Outbox, service: str, priority: bool = False, *, at: dt.datetime) -> int:
    group = PriorityGroup.ELDERLY if priority else PriorityGroup.NONE
    ticket = outbox.create(QueueTicketRequest(service, group), now=at)
    assert ticket.ticket_number is not None
    return ticket_parts(ticket.ticket_number).number


def wait_of(db: Database, number: int, *, priority: bool = False,
            at: dt.datetime = NINE) -> WaitEstimate | None:
    return ticket_wait(db, "A", priority=priority, number=number, max_age=MAX_AGE, now=at)


def test_a_ticket_after_a_publication_is_behind_everyone_counted(outbox: Outbox) -> None:
    # GIVEN the office counted 6 waiting at A, 2 counters, 7 minutes a citizen
    assert store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    # WHEN a citizen takes a normal ticket a minute later
    number = take(outbox, "A", at=NINE + dt.timedelta(minutes=1))
    # THEN six people are ahead, 6 x 7 min / 2 counters = 21 min, said as about 25
    assert wait_of(outbox.db, number) == WaitEstimate(
        people_ahead=6, minutes=25, as_of=dt.datetime(2026, 12, 1, 8, 58, tzinfo=HANOI),
        counters_open=2,
    )


def test_tickets_issued_here_since_the_publication_are_added(outbox: Outbox) -> None:
    # GIVEN two normal tickets issued before the publication arrived (counted by the office)
    take(outbox, "A", at=NINE - dt.timedelta(minutes=5))
    take(outbox, "A", at=NINE - dt.timedelta(minutes=4))
    store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    # WHEN two more normal and one priority ticket are issued after it, then a normal one
    later = NINE + dt.timedelta(minutes=2)
    take(outbox, "A", at=later)
    take(outbox, "A", at=later)
    take(outbox, "A", priority=True, at=later)
    mine = take(outbox, "A", at=later)
    # THEN ahead of the last one: the 6 counted, the 2 normal since and the priority one
    estimate = wait_of(outbox.db, mine)
    assert (mine, estimate is not None and estimate.people_ahead) == (5, 9)
    # ... and a priority ticket now is behind the 1 priority counted and the 1 issued since
    priority_number = take(outbox, "A", priority=True, at=later)
    priority = wait_of(outbox.db, priority_number, priority=True)
    assert priority is not None and priority.people_ahead == 2
    assert priority.minutes == 10  # 2 x 7 min / 2 counters = 7 min, said as about 10


def test_the_overview_is_the_wait_of_a_ticket_taken_now(outbox: Outbox) -> None:
    store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS, RESIDENCE_CLOSED], now=NINE)
    take(outbox, "A", at=NINE + dt.timedelta(minutes=1))
    overview = queue_overview(outbox.db, max_age=MAX_AGE, now=NINE + dt.timedelta(minutes=2))
    assert {s: (w.people_ahead, w.minutes, w.counters_open) for s, w in overview.items()} == {
        "A": (7, 25, 2),  # 7 x 7 / 2 = 24.5 min
        "B": (3, None, 0),  # no counter open: nobody can say how long
    }


def test_nobody_ahead_means_next(outbox: Outbox) -> None:
    empty = ServiceQueue("A", waiting=0, priority_waiting=0, counters_open=1,
                         average_service_seconds=300)
    store_queue(outbox.db, 4, PUBLISHED, [empty], now=NINE)
    number = take(outbox, "A", at=NINE)
    estimate = wait_of(outbox.db, number)
    assert estimate is not None and (estimate.people_ahead, estimate.minutes) == (0, 0)


@pytest.mark.parametrize(
    ("what", "at"),
    [
        ("older than the limit", NINE + MAX_AGE + dt.timedelta(seconds=1)),
        ("from the next service day", dt.datetime(2026, 12, 2, 9, 5, tzinfo=HANOI)),
        ("the device clock went back", NINE - dt.timedelta(minutes=2)),
    ],
)
def test_a_stale_publication_says_nothing(outbox: Outbox, what: str, at: dt.datetime) -> None:
    store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    assert wait_of(outbox.db, 1, at=at) is None, what
    assert queue_overview(outbox.db, max_age=MAX_AGE, now=at) == {}, what


def test_the_last_moment_within_the_limit_still_counts(outbox: Outbox) -> None:
    store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    assert wait_of(outbox.db, 1, at=NINE + MAX_AGE) is not None


def test_a_service_not_published_says_nothing(outbox: Outbox) -> None:
    store_queue(outbox.db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    assert ticket_wait(outbox.db, "C", priority=False, number=1, max_age=MAX_AGE,
                       now=NINE) is None


def test_an_older_or_repeated_publication_does_not_replace_the_newer(db: Database) -> None:
    # GIVEN the 01:58 publication kept
    assert store_queue(db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    # WHEN the same one and an older one arrive (a replay, a delayed answer)
    older = PUBLISHED - dt.timedelta(minutes=5)
    assert not store_queue(db, 4, PUBLISHED, [RESIDENCE_CLOSED], now=NINE)
    assert not store_queue(db, 4, older, [RESIDENCE_CLOSED], now=NINE)
    # THEN the kept one is unchanged; a newer one replaces it whole (A is gone)
    assert set(queue_overview(db, max_age=MAX_AGE, now=NINE)) == {"A"}
    newer = PUBLISHED + dt.timedelta(minutes=1)
    assert store_queue(db, 4, newer, [RESIDENCE_CLOSED], now=NINE)
    assert set(queue_overview(db, max_age=MAX_AGE, now=NINE)) == {"B"}
    assert kept_publication(db) == (4, newer, NINE)


def test_a_publication_for_another_unit_replaces_the_kept_one(db: Database) -> None:
    # The kiosk was moved to another service point: its queue is the one that matters.
    store_queue(db, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    assert store_queue(db, 7, PUBLISHED - dt.timedelta(hours=1), [RESIDENCE_CLOSED], now=NINE)
    assert set(queue_overview(db, max_age=MAX_AGE, now=NINE)) == {"B"}


def test_a_naive_publication_time_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="published_at needs a time zone"):
        store_queue(db, 4, dt.datetime(2026, 12, 1, 9, 0), [CIVIL_STATUS], now=NINE)
    assert kept_publication(db) is None


def test_the_publication_survives_a_reopened_database(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    first = open_database(path)
    store_queue(first, 4, PUBLISHED, [CIVIL_STATUS], now=NINE)
    first.close()
    again = open_database(path)
    try:
        assert queue_overview(again, max_age=MAX_AGE, now=NINE)["A"].people_ahead == 6
    finally:
        again.close()


@pytest.mark.parametrize(
    ("ahead", "counters", "average", "minutes"),
    [
        (0, 1, 300, 0),
        (1, 1, 60, 5),  # one minute is said as about 5
        (10, 2, 300, 25),
        (10, 3, 300, 20),  # 16.7 min
        (4, 0, 300, None),  # no counter open
        (4, 2, None, None),  # no average published
    ],
)
def test_wait_minutes(ahead: int, counters: int, average: int | None,
                      minutes: int | None) -> None:
    entry = ServiceQueue("A", waiting=ahead, priority_waiting=0, counters_open=counters,
                         average_service_seconds=average)
    assert wait_minutes(ahead, entry) == minutes


@pytest.mark.parametrize(
    ("ticket", "parts"),
    [("A1-007", ("A", False, 7)), ("C2-U012", ("C", True, 12)), ("B1-1234", ("B", False, 1234))],
)
def test_ticket_parts(ticket: str, parts: tuple[str, bool, int]) -> None:
    found = ticket_parts(ticket)
    assert (found.service, found.priority, found.number) == parts


@pytest.mark.parametrize("text", ["", "A1-07", "a1-007", "A1-X007", "A1007", "1A-001", "A0-001"])
def test_ticket_parts_refuses_what_is_not_a_queue_number(text: str) -> None:
    with pytest.raises(ValueError, match="is not a queue number"):
        ticket_parts(text)


def test_the_ticket_slip_prints_people_ahead_wait_and_when_counted(outbox: Outbox) -> None:
    # GIVEN a ticket with 6 ahead and about 25 minutes, counted at 08:58
    catalog = load_catalog(outbox.db)
    ticket = outbox.create(QueueTicketRequest("A"), now=NINE)
    wait = WaitEstimate(6, 25, dt.datetime(2026, 12, 1, 8, 58, tzinfo=HANOI))
    # WHEN its slip is made in Vietnamese and in English
    slips = [slip_for_submission(ticket, context, catalog, wait=wait) for context in (VI, EN)]
    # THEN both say it, labelled, with the time of the count
    printed = [
        [(b.label, b.value) for b in slip.blocks if isinstance(b, Field)]
        + [("", b.text) for b in slip.blocks if isinstance(b, Line) and "08:58" in b.text]
        for slip in slips
    ]
    assert ("Số người chờ trước", "6") in printed[0]
    assert ("Thời gian chờ dự kiến", "khoảng 25 phút") in printed[0]
    assert ("", "Theo số liệu của bộ phận một cửa lúc 08:58.") in printed[0]
    assert ("People ahead", "6") in printed[1]
    assert ("Estimated wait", "about 25 minutes") in printed[1]
    assert ("", "As counted by the service point at 08:58.") in printed[1]


def test_the_slip_says_next_and_leaves_out_an_unknown_wait(outbox: Outbox) -> None:
    catalog = load_catalog(outbox.db)
    ticket = outbox.create(QueueTicketRequest("A"), now=NINE)
    as_of = dt.datetime(2026, 12, 1, 8, 58, tzinfo=HANOI)
    next_slip = slip_for_submission(ticket, VI, catalog, wait=WaitEstimate(0, 0, as_of))
    unknown = slip_for_submission(ticket, VI, catalog, wait=WaitEstimate(4, None, as_of))
    fields_next = {b.label: b.value for b in next_slip.blocks if isinstance(b, Field)}
    fields_unknown = {b.label: b.value for b in unknown.blocks if isinstance(b, Field)}
    assert fields_next["Thời gian chờ dự kiến"] == "sắp đến lượt"
    assert fields_unknown["Số người chờ trước"] == "4"
    assert "Thời gian chờ dự kiến" not in fields_unknown


def test_the_slip_says_when_no_counter_serves_the_service(outbox: Outbox) -> None:
    catalog = load_catalog(outbox.db)
    ticket = outbox.create(QueueTicketRequest("A"), now=NINE)
    as_of = dt.datetime(2026, 12, 1, 8, 58, tzinfo=HANOI)
    slip = slip_for_submission(ticket, EN, catalog,
                               wait=WaitEstimate(3, None, as_of, counters_open=0))
    fields = {b.label: b.value for b in slip.blocks if isinstance(b, Field)}
    lines = [b.text for b in slip.blocks if isinstance(b, Line)]
    assert fields["People ahead"] == "3"
    assert "Estimated wait" not in fields
    assert "No counter is serving it right now." in lines
