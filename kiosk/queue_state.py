"""The service point's queue as the back office last published it, and the wait it implies.

The back office counts, per queue service, the tickets issued and not yet called (from every
kiosk and counter), the counters serving it and the recent time per citizen, and publishes
that to the city backend; the sync agent brings it here (:func:`store_queue`). A ticket
printed afterwards shows how many people are ahead and about how long the wait is
(:func:`ticket_wait`), and the service choice shows the queue as it stands
(:func:`queue_overview`).

Only a fresh publication is used: one received more than ``max_age`` ago, on another service
day, or "from the future" after the device clock jumped back, says nothing, and the kiosk
shows no number rather than an old one. Tickets this kiosk issued after the publication
arrived cannot be in its count, so they are added: the kiosk's queue counters at the moment
of receipt are kept with it (in the same transaction), and the difference is exact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk import clock
from kiosk.storage import Database, write_transaction

#: Estimated waits are rounded up to this many minutes: a promise of "23 minutes" is false
#: precision for a queue at a counter.
ROUND_MINUTES = 5
#: A publication received this much "later" than now means the device clock went back.
CLOCK_SLACK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ServiceQueue:
    """How one queue service stood when the back office published it."""

    service: str
    waiting: int
    priority_waiting: int
    counters_open: int
    #: Recent average time per citizen; None when the back office does not know it.
    average_service_seconds: int | None


@dataclass(frozen=True)
class WaitEstimate:
    """What a citizen is told about their wait."""

    people_ahead: int
    #: Rounded up to ROUND_MINUTES; None when it cannot be estimated (no counter open,
    #: or no average published).
    minutes: int | None
    #: When the back office counted (its clock, in Hanoi time), for "as of 10:42".
    as_of: dt.datetime
    #: Counters serving the service then (0: none open, so no estimate).
    counters_open: int = 1


def store_queue(
    db: Database,
    unit_code: int,
    published_at: dt.datetime,
    services: Sequence[ServiceQueue],
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Keep this publication, replacing the one kept, unless that one is newer or the same.

    Returns whether it was stored. ``published_at`` must carry a time zone.
    """
    if published_at.tzinfo is None:
        raise ValueError("published_at needs a time zone")
    moment = (now or clock.now()).astimezone(clock.HANOI)
    published = published_at.astimezone(dt.UTC)
    with write_transaction(db):
        kept = db.execute("SELECT unit_code, published_at FROM queue_state LIMIT 1").fetchone()
        if (
            kept is not None
            and kept[0] == unit_code
            and dt.datetime.fromisoformat(kept[1]) >= published
        ):
            return False
        service_day = moment.date().isoformat()
        issued = _issued_today(db, service_day)
        db.execute("DELETE FROM queue_state")
        for entry in services:
            db.execute(
                "INSERT INTO queue_state (service, unit_code, published_at, received_at, "
                "service_day, waiting, priority_waiting, counters_open, "
                "average_service_seconds, normal_issued_at_receipt, "
                "priority_issued_at_receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    entry.service, unit_code, published.isoformat(),
                    moment.isoformat(timespec="seconds"), service_day, entry.waiting,
                    entry.priority_waiting, entry.counters_open,
                    entry.average_service_seconds,
                    issued.get((entry.service, "normal"), 0),
                    issued.get((entry.service, "priority"), 0),
                ],
            )
    return True


@dataclass(frozen=True)
class _Kept:
    entry: ServiceQueue
    published_at: dt.datetime
    normal_at_receipt: int
    priority_at_receipt: int


def _fresh(
    db: Database, *, now: dt.datetime | None, max_age: dt.timedelta
) -> tuple[dict[str, _Kept], dict[tuple[str, str], int]]:
    """The kept publication's services if it is fresh (else none), and today's counters."""
    moment = (now or clock.now()).astimezone(clock.HANOI)
    service_day = moment.date().isoformat()
    kept: dict[str, _Kept] = {}
    for row in db.execute(
        "SELECT service, waiting, priority_waiting, counters_open, average_service_seconds, "
        "published_at, received_at, service_day, normal_issued_at_receipt, "
        "priority_issued_at_receipt FROM queue_state"
    ):
        received = dt.datetime.fromisoformat(row[6])
        if row[7] != service_day or not (
            received - CLOCK_SLACK <= moment <= received + max_age
        ):
            continue
        kept[row[0]] = _Kept(
            ServiceQueue(row[0], row[1], row[2], row[3], row[4]),
            dt.datetime.fromisoformat(row[5]).astimezone(clock.HANOI),
            row[8],
            row[9],
        )
    return kept, (_issued_today(db, service_day) if kept else {})


def ticket_wait(
    db: Database,
    service: str,
    *,
    priority: bool,
    number: int,
    max_age: dt.timedelta,
    now: dt.datetime | None = None,
) -> WaitEstimate | None:
    """The wait of ticket ``number`` (in its series: priority or normal) just issued here.

    Ahead of a priority ticket: the priority tickets waiting, and those this kiosk issued
    since before it. Ahead of a normal ticket: everyone waiting, the normal tickets issued
    here since before it, and every priority ticket issued here since (they are called
    first). None when no fresh publication covers ``service``.
    """
    kept, issued = _fresh(db, now=now, max_age=max_age)
    found = kept.get(service)
    if found is None:
        return None
    if priority:
        ahead = found.entry.priority_waiting + max(0, number - 1 - found.priority_at_receipt)
    else:
        ahead = (
            found.entry.waiting
            + max(0, number - 1 - found.normal_at_receipt)
            + max(0, issued.get((service, "priority"), 0) - found.priority_at_receipt)
        )
    return WaitEstimate(
        ahead, wait_minutes(ahead, found.entry), found.published_at, found.entry.counters_open
    )


def queue_overview(
    db: Database, *, max_age: dt.timedelta, now: dt.datetime | None = None
) -> dict[str, WaitEstimate]:
    """For each service with a fresh publication: the wait of a normal ticket taken now."""
    kept, issued = _fresh(db, now=now, max_age=max_age)
    overview: dict[str, WaitEstimate] = {}
    for service, found in kept.items():
        ahead = (
            found.entry.waiting
            + max(0, issued.get((service, "normal"), 0) - found.normal_at_receipt)
            + max(0, issued.get((service, "priority"), 0) - found.priority_at_receipt)
        )
        minutes = wait_minutes(ahead, found.entry)
        overview[service] = WaitEstimate(
            ahead, minutes, found.published_at, found.entry.counters_open
        )
    return overview


def wait_minutes(people_ahead: int, entry: ServiceQueue) -> int | None:
    """Minutes until the counters reach a citizen with ``people_ahead`` before them.

    Each open counter serves one citizen per average time; rounded up to ROUND_MINUTES.
    None with no counter open or no average (nobody can say).
    """
    if entry.counters_open == 0 or entry.average_service_seconds is None:
        return None
    seconds = people_ahead * entry.average_service_seconds / entry.counters_open
    return math.ceil(seconds / 60 / ROUND_MINUTES) * ROUND_MINUTES


def kept_publication(db: Database) -> tuple[int, dt.datetime, dt.datetime] | None:
    """The kept publication's unit code, publication time and receipt time (for status)."""
    row = db.execute(
        "SELECT unit_code, published_at, received_at FROM queue_state LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return row[0], dt.datetime.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2])


def _issued_today(db: Database, service_day: str) -> dict[tuple[str, str], int]:
    """This kiosk's queue counters today: (service, series) -> last number issued."""
    return {
        (row[0], row[1]): int(row[2])
        for row in db.execute(
            "SELECT service, series, last_number FROM queue_counters WHERE service_day = ?",
            [service_day],
        )
    }
