"""The satisfaction figures of a city-wide month: the database's aggregation (now) beside
the old path (every row fetched and added up in Python), on SQLite and on a real
PostgreSQL that the bench starts itself, from the same data in the same run.

Usage: PYTHONPATH=. python bench/satisfaction_bench.py [--repeats 3] [--scale 1.0]
       [--databases sqlite postgresql] [--keep DIR] [--reuse-postgresql URL]

The month (the fleet's, as the city's server would hold it): Hà Nội's 126 units, each a
service point with its hub and 3 kiosks (the fleet bench's 378), over November 2026's 25
service days (Monday to Saturday, Saturdays half a day). A unit serves 70 tickets a full
service day times its size (drawn between 0.4x and 2.5x, so 28 to 175; a busy point's
day is about 1,000, bench/fleet_bench.py), ~89 on average: 280,000 tickets. 90 % are rated
on the counter tablet (245,000) and each kiosk adds ~3 ratings a day (28,000; 70 % naming
a counter, 1 % with an untrusted clock): 273,000 ratings in all. Each ticket makes its
hub's events: issue, call (5 % recalled, 3 % skipped as no-shows), start, finish and its
rating: 1.37 million queue events, plus the kiosks' queue tickets of the month as
submissions (the table the kiosk ratings share).

Rows are made by the store's own row builders (``office.queue_events.event_row``, the
wire's canonical bodies) and inserted in large transactions, each batch stamped when the
city would have received it; on PostgreSQL the bench then runs ``VACUUM ANALYZE`` as
autovacuum would. Filling takes minutes: ``--keep DIR`` keeps the SQLite file and
``--reuse-postgresql URL`` measures a database an earlier run filled.
Printed per database: the report city-wide and for one unit, and the whole page
(``GET /bo/satisfaction`` as a city administrator: the report, the ranking, the HTML),
each min and median of ``--repeats`` runs, old beside new, and whether both give the
same figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from kiosk.clock import HANOI
from office import schema
from office.app import create_app
from office.database import is_postgresql, open_engine
from office.keys import SealingKeys
from office.queue_events import event_row
from office.store import Store
from office.store.served_units import hanoi_units
from office.store.submissions import FEED_SLOTS, INSERT_POSTGRESQL, insert_parameters
from office.store.users import UserRole
from sync import hub_wire, wire
from tests.postgres_cluster import postgres_cluster
from tests.sync.satisfaction_oracle import PythonSatisfaction, figures_shown

MONTH_START = dt.date(2026, 11, 1)
MONTH_END = dt.date(2026, 11, 30)
#: Tickets a unit serves on an average service day.
TICKETS_PER_DAY = 70
RATED_AT_COUNTER = 0.9
KIOSKS_PER_UNIT = 3
KIOSK_RATINGS_PER_DAY = 3
SERVICES = "ABCDEF"
LEVELS = ("very_satisfied", "satisfied", "acceptable", "unsatisfied")
LEVEL_WEIGHTS = (45, 35, 12, 8)
NAMES = ("lan", "minh", "hoa", "tuan", "huong", "nam", "thu", "duc", "linh", "son")
PASSWORD = "bench-password-2026"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXY"


def service_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Monday to Saturday."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < 6:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _moment(day: dt.date, minutes: float) -> dt.datetime:
    """``minutes`` after midnight of ``day`` on the hub's clock, to the millisecond."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=HANOI)
    return start + dt.timedelta(milliseconds=round(minutes * 60_000))


def _item(action: str, state: str, ticket: dict[str, Any], at: dt.datetime, *,
          counter: int | None = None, officer: str | None = None,
          rating: str | None = None) -> hub_wire.QueueEventItem:
    return hub_wire.QueueEventItem(
        uuid=uuid.uuid4(), action=action, state=state,  # type: ignore[arg-type]
        ticket_number=ticket["number"], ticket_uuid=ticket["uuid"],
        service=ticket["service"], service_day=ticket["day"].isoformat(), counter=counter,
        officer=officer, at=at, rating=rating)  # type: ignore[arg-type]


def unit_day_events(rng: random.Random, unit: int, day: dt.date, tickets: int,
                    counters: int) -> list[hub_wire.QueueEventItem]:
    """One unit's service day at its hub: each ticket's events, in the hub's order."""
    closing = 11.5 * 60 if day.weekday() == 5 else 16.5 * 60
    officers = [f"{NAMES[(unit + n) % len(NAMES)]}.{unit}" for n in range(counters)]
    numbers = dict.fromkeys(SERVICES[:4], 0)
    events: list[tuple[dt.datetime, int, hub_wire.QueueEventItem]] = []
    for _ in range(tickets):
        service = rng.choice(SERVICES[:4])
        numbers[service] += 1
        ticket = {"number": f"{service}1-{numbers[service]:03d}", "uuid": uuid.uuid4(),
                  "service": service, "day": day}
        issued = _moment(day, rng.uniform(7.5 * 60, closing))
        called = issued + dt.timedelta(milliseconds=round(rng.expovariate(1 / 12) * 60_000))
        counter = rng.randint(1, counters)
        officer = officers[counter - 1]
        moves = [(issued, _item("issue", "waiting", ticket, issued))]
        moves.append((called, _item("call", "called", ticket, called, counter=counter,
                                    officer=officer)))
        if rng.random() < 0.03:
            skipped = called + dt.timedelta(minutes=3)
            moves.append((skipped, _item("skip", "no_show", ticket, skipped, counter=counter,
                                         officer=officer)))
        else:
            start = called + dt.timedelta(seconds=rng.uniform(20, 180))
            if rng.random() < 0.05:
                recalled = called + dt.timedelta(seconds=rng.uniform(10, 60))
                moves.append((recalled, _item("recall", "called", ticket, recalled,
                                              counter=counter, officer=officer)))
                start = recalled + dt.timedelta(seconds=rng.uniform(20, 120))
            finish = start + dt.timedelta(seconds=rng.uniform(180, 1200))
            moves.append((start, _item("start", "serving", ticket, start, counter=counter,
                                       officer=officer)))
            moves.append((finish, _item("finish", "done", ticket, finish, counter=counter,
                                        officer=officer)))
            if rng.random() < RATED_AT_COUNTER:
                rated = finish + dt.timedelta(seconds=rng.uniform(5, 60))
                level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                moves.append((rated, _item("rate", "done", ticket, rated, counter=counter,
                                           officer=officer, rating=level)))
        events += [(moment, len(events) + n, item) for n, (moment, item) in enumerate(moves)]
    events.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _moment_at, _order, item in events]


def _rating(rng: random.Random, kiosk_id: str, seq: int, day: dt.date,
            counters: int) -> wire.WireSubmission:
    counter = f"Quầy {rng.randint(1, counters)}" if rng.random() < 0.7 else None
    trusted = rng.random() >= 0.01
    return wire.wire_submission({
        "uuid": uuid.uuid4(), "kiosk_id": kiosk_id, "kiosk_seq": seq, "kind": "rating",
        "receipt_code": "".join(rng.choices(ALPHABET, k=8)),
        "service_day": day.isoformat() if trusted else None,
        "created_at": _moment(day, 9 * 60).isoformat() if trusted
        else "1970-01-01T08:00:00+07:00",
        "clock_untrusted": not trusted,
        "details": {"level": rng.choices(LEVELS, LEVEL_WEIGHTS)[0], "counter": counter,
                    "ticket_number": None}})


def _ticket_submission(rng: random.Random, kiosk_id: str, seq: int,
                       day: dt.date) -> wire.WireSubmission:
    service = rng.choice(SERVICES[:4])
    return wire.wire_submission({
        "uuid": uuid.uuid4(), "kiosk_id": kiosk_id, "kiosk_seq": seq, "kind": "queue_ticket",
        "receipt_code": "".join(rng.choices(ALPHABET, k=8)),
        "service_day": day.isoformat(), "created_at": _moment(day, 9 * 60).isoformat(),
        "ticket_number": f"{service}1-{seq % 1000:03d}",
        "details": {"service": service, "priority": "none"}})


@dataclass
class Filled:
    """What went into the database."""

    events: int = 0
    hub_ratings: int = 0
    kiosk_ratings: int = 0
    tickets: int = 0
    seconds: float = 0.0


#: Rows per insert transaction while filling.
_CHUNK = 5000


class _Writer:
    """Rows as the store writes them (its own row builders), inserted in large
    transactions: the store's per-batch paths, one commit per hub or kiosk batch, would
    take the bench most of an hour to fill a month."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine
        self.events: list[dict[str, object]] = []
        self.submissions: list[dict[str, object]] = []

    def event(self, hub_id: str, unit: int, item: hub_wire.QueueEventItem,
              received: dt.datetime) -> None:
        body = item.model_dump_json()
        self.events.append(event_row(hub_id, unit, item, body=body,
                                     digest=hashlib.sha256(body.encode()).hexdigest(),
                                     received_at=_stamp(received)))
        if len(self.events) >= _CHUNK:
            self.flush()

    def submission(self, item: wire.WireSubmission, unit: int, received: dt.datetime) -> None:
        self.submissions.append({
            "uuid": item.uuid, "kiosk_id": item.kiosk_id, "kiosk_seq": item.kiosk_seq,
            "receipt_code": item.receipt_code,
            "body": wire.canonical_json(item).decode("utf-8"),
            "body_sha256": wire.body_digest(item), "received_at": _stamp(received),
            "kind": item.kind.value, "procedure_code": None, "unit_code": unit,
            "card_hash": None})
        if len(self.submissions) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.events:
            with self.engine.begin() as connection:
                connection.execute(schema.queue_events.insert(), self.events)
        # On PostgreSQL the server's own insert, so the rows take feed positions as any
        # batch's: one transaction per FEED_SLOTS rows at most
        step = FEED_SLOTS if is_postgresql(self.engine) else _CHUNK
        for start in range(0, len(self.submissions), step):
            rows = self.submissions[start:start + step]
            with self.engine.begin() as connection:
                if is_postgresql(self.engine):
                    connection.exec_driver_sql(INSERT_POSTGRESQL, insert_parameters(rows))
                else:
                    connection.execute(schema.submissions.insert(), rows)
        self.events, self.submissions = [], []


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def fill_month(store: Store, *, scale: float, seed: int = 2026) -> Filled:
    """The month described above (``scale`` multiplies the tickets and ratings)."""
    rng = random.Random(seed)
    writer = _Writer(store)
    filled = Filled()
    started = time.perf_counter()
    days = service_days(MONTH_START, MONTH_END)
    for unit in hanoi_units():
        size = rng.uniform(0.4, 2.5)
        counters = 2 + round(size * 2)
        kiosks = [f"K-{unit}-{n}" for n in range(1, KIOSKS_PER_UNIT + 1)]
        for kiosk_id in kiosks:
            store.units.assign(kiosk_id, unit)
        seqs = dict.fromkeys(kiosks, 0)
        for day in days:
            share = 0.5 if day.weekday() == 5 else 1.0
            tickets = max(1, round(TICKETS_PER_DAY * scale * size * share
                                   * rng.uniform(0.8, 1.2)))
            events = unit_day_events(rng, unit, day, tickets, counters)
            for start in range(0, len(events), hub_wire.MAX_EVENT_BATCH):
                batch = events[start:start + hub_wire.MAX_EVENT_BATCH]
                # The hub forwards a batch a few seconds after its last event
                received = batch[-1].at + dt.timedelta(seconds=5)
                for item in batch:
                    writer.event(f"H-{unit}", unit, item, received)
            filled.events += len(events)
            filled.hub_ratings += sum(1 for event in events if event.action == "rate")
            filled.tickets += tickets
            # Each kiosk delivers its day (its tickets and ratings) before closing
            received = _moment(day, 17 * 60)
            for kiosk_id in kiosks:
                for _ in range(round(tickets / KIOSKS_PER_UNIT)):
                    seqs[kiosk_id] += 1
                    writer.submission(_ticket_submission(rng, kiosk_id, seqs[kiosk_id], day),
                                      unit, received)
                for _ in range(max(0, round(rng.gauss(KIOSK_RATINGS_PER_DAY * scale, 1)))):
                    seqs[kiosk_id] += 1
                    writer.submission(_rating(rng, kiosk_id, seqs[kiosk_id], day, counters),
                                      unit, received)
                    filled.kiosk_ratings += 1
    writer.flush()
    filled.seconds = time.perf_counter() - started
    return filled


def timed(action: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Each run's seconds, and the last run's result."""
    seconds = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def _figures(seconds: list[float]) -> str:
    return f"min {min(seconds) * 1000:8.1f} ms  median {statistics.median(seconds) * 1000:8.1f} ms"


def _page_client(store: Store) -> TestClient:
    if store.users.sign_in("bench.admin", PASSWORD).user is None:
        store.users.add_user("bench.admin", UserRole.CITY_ADMIN, None, PASSWORD)
    client = TestClient(create_app(store, rate_limit="10000/second", session_secret="bench"),
                        base_url="http://127.0.0.1")
    form = client.get("/bo/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    answer = client.post("/bo/sign-in", data={"csrf": csrf.group(1), "username": "bench.admin",
                                               "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.status_code
    return client


def measure(name: str, store: Store, repeats: int) -> None:
    """Old beside new for ``store``'s month."""
    old = PythonSatisfaction(store.engine)
    new = store.satisfaction
    one_unit = {next(iter(hanoi_units()))}
    print(f"\n== {name}")
    for label, scope in (("city-wide month", None), ("one unit's month", one_unit)):
        old_seconds, old_report = timed(
            functools.partial(old.report, scope, MONTH_START, MONTH_END), repeats)
        new_seconds, new_report = timed(
            functools.partial(new.report, scope, MONTH_START, MONTH_END), repeats)
        same = figures_shown(old_report) == figures_shown(new_report)
        print(f"{label:18} old (Python) {_figures(old_seconds)}")
        print(f"{'':18} new (SQL)    {_figures(new_seconds)}   "
              f"x{statistics.median(old_seconds) / statistics.median(new_seconds):.1f}"
              f"   same figures: {same}")
    client = _page_client(store)
    params = {"from": MONTH_START.isoformat(), "to": MONTH_END.isoformat()}

    def page() -> int:
        answer = client.get("/bo/satisfaction", params=params)
        assert answer.status_code == 200, answer.status_code
        return len(answer.content)

    new_page, size = timed(page, repeats)
    store.satisfaction = old  # type: ignore[assignment]
    try:
        old_page, _size = timed(page, repeats)
    finally:
        store.satisfaction = new
    print(f"{'page, city-wide':18} old (Python) {_figures(old_page)}")
    print(f"{'':18} new (SQL)    {_figures(new_page)}   "
          f"x{statistics.median(old_page) / statistics.median(new_page):.1f}"
          f"   ({size:,} bytes)")


def _databases(stack: ExitStack, names: list[str], home: Path,
               postgresql_url: str | None) -> Iterator[tuple[str, str]]:
    for name in names:
        if name == "sqlite":
            yield "SQLite", str(home / "satisfaction.sqlite3")
        elif postgresql_url is not None:
            yield "PostgreSQL", postgresql_url
        else:
            server = stack.enter_context(postgres_cluster(durable=False))
            yield "PostgreSQL", server.new_database()


def _vacuum(url: str) -> None:
    """What autovacuum does on a running server after such inserts: the planner's
    statistics, and the visibility map that lets index-only scans skip the table."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies the tickets and ratings (1.0: the real month)")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the SQLite database here (and reuse it if there)")
    parser.add_argument("--reuse-postgresql", metavar="URL", default=None,
                        help="a PostgreSQL database this bench filled before (not refilled)")
    args = parser.parse_args()
    with ExitStack() as stack:
        home = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name, url in _databases(stack, args.databases, home, args.reuse_postgresql):
            reuse = ((name == "SQLite" and args.keep is not None and Path(url).exists())
                     or (name == "PostgreSQL" and args.reuse_postgresql is not None))
            engine = open_engine(url)
            stack.callback(engine.dispose)
            store = Store(engine, SealingKeys.generate())
            if not reuse:
                filled = fill_month(store, scale=args.scale)
                print(f"{name}: filled {filled.tickets:,} tickets, {filled.events:,} queue "
                      f"events, {filled.hub_ratings + filled.kiosk_ratings:,} ratings "
                      f"({filled.hub_ratings:,} at counters, {filled.kiosk_ratings:,} at "
                      f"kiosks) in {filled.seconds:.0f} s")
                if name == "PostgreSQL":
                    _vacuum(url)
            else:
                print(f"{name}: the month filled by an earlier run ({url})")
            measure(name, store, args.repeats)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
