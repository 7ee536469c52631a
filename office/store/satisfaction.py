"""Satisfaction and waits: what citizens rated and how long they waited, by unit, service,
counter, officer and day.

Two sources, both already at the city:

- **ratings**: a kiosk's rating submission (kind ``rating``: a level and, at most, a counter
  named in free text; no service, no officer) and a hub's ``rate`` queue event (the counter
  rating tablet: level, service, counter number, officer of the served ticket). Both count;
  a hub's counter *n* is named ``Quầy n``, so a kiosk rating that names "Quầy 1" joins it.
- **waits**: per ticket, from its hub's ``issue`` event to its first ``call`` event (the
  hub's clock at both ends, so the hub's clock offset cancels out). The wait belongs to the
  ticket's unit, its service when issued, and the counter and officer that called it.

Days are service days (Hà Nội): the event's ``service_day``; for a kiosk rating its
``service_day``, or the Hà Nội date it reached the city when its kiosk's clock was wrong.
The figures are computed here in Python over the rows of the range (fetched with one
plain query per source, bounded below by when the city received them, which is never
before the day they were made, give or take the 2 days of clock skew a kiosk may have).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kiosk.clock import HANOI
from kiosk.kinds import RatingLevel, SubmissionKind
from office import schema
from office.database import read_snapshot
from office.store.base import StorePart

#: Levels in the order they are shown (best first).
LEVELS = tuple(level.value for level in RatingLevel)
#: The levels that count as satisfied in the share (the city's "tỷ lệ hài lòng").
SATISFIED_LEVELS = frozenset({RatingLevel.VERY_SATISFIED.value, RatingLevel.SATISFIED.value})
#: A service day may be this far after the day the city received it (kiosk clock skew,
#: :mod:`office.store.submissions`), so rows received this much before the range count.
RECEIVED_SLACK = dt.timedelta(days=2)
#: Longest range one report covers (the daily chart has a bar per day).
MAX_RANGE_DAYS = 366


@dataclass
class Figures:
    """Ratings per level and waits of one group (a unit, a service, a day...)."""

    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    #: Each ticket's wait from issue to first call, in seconds.
    wait_seconds: list[float] = field(default_factory=list)

    @property
    def ratings(self) -> int:
        """How many ratings."""
        return sum(self.levels.values())

    @property
    def satisfied(self) -> int:
        """Ratings "very satisfied" or "satisfied"."""
        return sum(count for level, count in self.levels.items() if level in SATISFIED_LEVELS)

    @property
    def satisfied_percent(self) -> float | None:
        """The satisfied share in percent, one decimal; None without ratings (not zero)."""
        if not self.ratings:
            return None
        return round(100 * self.satisfied / self.ratings, 1)

    @property
    def waits(self) -> int:
        """How many tickets' waits."""
        return len(self.wait_seconds)

    @property
    def mean_wait_minutes(self) -> float | None:
        """The mean wait in minutes, one decimal; None without waits."""
        if not self.wait_seconds:
            return None
        return round(statistics.fmean(self.wait_seconds) / 60, 1)

    @property
    def median_wait_minutes(self) -> float | None:
        """The median wait in minutes, one decimal; None without waits."""
        if not self.wait_seconds:
            return None
        return round(statistics.median(self.wait_seconds) / 60, 1)

    @property
    def empty(self) -> bool:
        """No rating and no wait."""
        return not self.ratings and not self.wait_seconds


@dataclass
class SatisfactionReport:
    """The figures of one date range and unit scope, in total and by each grouping.

    ``by_day`` has every day of the range (empty ones too, for the charts); the other
    groupings only what occurred. A key of None: not known (a kiosk rating names no
    service or officer, and maybe no counter).
    """

    date_from: dt.date
    date_to: dt.date
    total: Figures = field(default_factory=Figures)
    by_unit: dict[int, Figures] = field(default_factory=dict)
    by_service: dict[str | None, Figures] = field(default_factory=dict)
    by_counter: dict[str | None, Figures] = field(default_factory=dict)
    by_officer: dict[str | None, Figures] = field(default_factory=dict)
    by_day: dict[dt.date, Figures] = field(default_factory=dict)

    def _groups(self, unit: int, service: str | None, counter: str | None,
                officer: str | None, day: dt.date) -> list[Figures]:
        return [self.total, self.by_unit.setdefault(unit, Figures()),
                self.by_service.setdefault(service, Figures()),
                self.by_counter.setdefault(counter, Figures()),
                self.by_officer.setdefault(officer, Figures()),
                self.by_day.setdefault(day, Figures())]

    def add_rating(self, level: str, *, unit: int, day: dt.date, service: str | None = None,
                   counter: str | None = None, officer: str | None = None) -> None:
        """Count one rating in every group it belongs to."""
        for figures in self._groups(unit, service, counter, officer, day):
            figures.levels[level] += 1

    def add_wait(self, seconds: float, *, unit: int, day: dt.date, service: str,
                 counter: str | None, officer: str | None) -> None:
        """Count one ticket's wait in every group it belongs to."""
        for figures in self._groups(unit, service, counter, officer, day):
            figures.wait_seconds.append(seconds)


@dataclass(frozen=True)
class RankedUnit:
    """One unit in the ranking; ``rank`` None: no ratings in the range (not ranked last)."""

    unit_code: int
    rank: int | None
    figures: Figures


class RangeError(ValueError):
    """A date range the report refuses (reversed, or longer than :data:`MAX_RANGE_DAYS`)."""


def counter_name(number: int) -> str:
    """How a hub's counter number is shown (and joined with kiosk ratings naming it)."""
    return f"Quầy {number}"


def rank_units(by_unit: Mapping[int, Figures], unit_codes: Iterable[int]) -> list[RankedUnit]:
    """Every unit of ``unit_codes``: those with ratings first, by satisfied share, then by
    more ratings, then by code (equal figures share a rank); then those without ratings,
    by code, unranked."""
    rated = [(code, by_unit[code]) for code in unit_codes
             if code in by_unit and by_unit[code].ratings]
    rated.sort(key=lambda item: (-item[1].satisfied / item[1].ratings, -item[1].ratings,
                                 item[0]))
    ranked: list[RankedUnit] = []
    previous: tuple[float | None, int] | None = None
    for position, (code, figures) in enumerate(rated, start=1):
        key = (figures.satisfied_percent, figures.ratings)
        rank = ranked[-1].rank if key == previous and ranked else position
        ranked.append(RankedUnit(code, rank, figures))
        previous = key
    seen = {item.unit_code for item in ranked}
    ranked += [RankedUnit(code, None, by_unit.get(code, Figures()))
               for code in sorted(set(unit_codes) - seen)]
    return ranked


def _day_of_received(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone(HANOI).date()


class Satisfaction(StorePart):
    """Computing the satisfaction report from ratings and queue events."""

    def report(self, scope: set[int] | None, date_from: dt.date,
               date_to: dt.date) -> SatisfactionReport:
        """The figures of the service days ``date_from``..``date_to`` (both included) for
        the units in ``scope`` (None: every unit; ratings from a kiosk without a unit are
        left out, as they belong to none)."""
        if date_to < date_from:
            raise RangeError("the range ends before it starts")
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise RangeError(f"a range has at most {MAX_RANGE_DAYS} days")
        report = SatisfactionReport(date_from, date_to)
        day = date_from
        while day <= date_to:
            report.by_day[day] = Figures()
            day += dt.timedelta(days=1)
        earliest = (dt.datetime.combine(date_from, dt.time(), tzinfo=HANOI) - RECEIVED_SLACK)
        received_from = earliest.astimezone(dt.UTC).isoformat(timespec="milliseconds")
        with read_snapshot(self.engine) as connection:
            ratings = self._kiosk_ratings(connection, scope, received_from)
            events = self._queue_events(connection, scope, received_from)
        for unit, body, received_at in ratings:
            self._add_kiosk_rating(report, unit, json.loads(body), received_at)
        self._add_queue_events(report, events)
        return report

    def _kiosk_ratings(self, connection: sa.Connection, scope: set[int] | None,
                       received_from: str) -> list[Any]:
        table = schema.submissions
        query = (sa.select(table.c.unit_code, table.c.body, table.c.received_at)
                 .where(table.c.kind == SubmissionKind.RATING.value,
                        table.c.unit_code.is_not(None),
                        table.c.received_at >= received_from))
        if scope is not None:
            query = query.where(table.c.unit_code.in_(scope))
        return list(connection.execute(query.order_by(table.c.cursor)))

    def _queue_events(self, connection: sa.Connection, scope: set[int] | None,
                      received_from: str) -> list[Any]:
        table = schema.queue_events
        query = (sa.select(table.c.unit_code, table.c.body)
                 .where(table.c.action.in_(("issue", "call", "rate")),
                        table.c.received_at >= received_from))
        if scope is not None:
            query = query.where(table.c.unit_code.in_(scope))
        return list(connection.execute(query.order_by(table.c.cursor)))

    @staticmethod
    def _add_kiosk_rating(report: SatisfactionReport, unit: int, body: Mapping[str, Any],
                          received_at: str) -> None:
        service_day = body.get("service_day")
        day = (dt.date.fromisoformat(service_day) if service_day
               else _day_of_received(received_at))
        if not report.date_from <= day <= report.date_to:
            return
        details = body.get("details") or {}
        counter = str(details.get("counter") or "").strip() or None
        report.add_rating(str(details["level"]), unit=int(unit), day=day, counter=counter)

    @staticmethod
    def _add_queue_events(report: SatisfactionReport, rows: Iterable[Any]) -> None:
        issued: dict[str, tuple[int, dict[str, Any]]] = {}
        called: set[str] = set()
        for unit, body in rows:
            event = json.loads(body)
            day = dt.date.fromisoformat(event["service_day"])
            counter = None if event.get("counter") is None else counter_name(event["counter"])
            ticket = str(event["ticket_uuid"])
            if event["action"] == "rate":
                if event.get("rating") and report.date_from <= day <= report.date_to:
                    report.add_rating(event["rating"], unit=int(unit), day=day,
                                      service=event["service"], counter=counter,
                                      officer=event.get("officer"))
            elif event["action"] == "issue":
                issued.setdefault(ticket, (int(unit), event))
            elif ticket not in called and ticket in issued:
                # The first call ends the wait; a recall or a transfer's new call does not.
                called.add(ticket)
                unit_code, issue = issued[ticket]
                issue_day = dt.date.fromisoformat(issue["service_day"])
                if not report.date_from <= issue_day <= report.date_to:
                    continue
                seconds = (dt.datetime.fromisoformat(event["at"])
                           - dt.datetime.fromisoformat(issue["at"])).total_seconds()
                report.add_wait(max(0.0, seconds), unit=unit_code, day=issue_day,
                                service=issue["service"], counter=counter,
                                officer=event.get("officer"))
