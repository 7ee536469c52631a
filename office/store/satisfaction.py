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
Rows count from when the city received them, which is never before the day they were
made, give or take the 2 days of clock skew a kiosk may have.

The database groups and counts (:mod:`office.store.satisfaction_sql`: two statements in
one snapshot, a row per group); this module turns the rows into figures with the same
arithmetic as when every row was added up here in Python (that computation is kept in
``tests/sync/satisfaction_oracle.py``, which the tests compare with on random data).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kiosk.clock import HANOI
from kiosk.kinds import RatingLevel
from office.database import read_snapshot
from office.store.base import StorePart
from office.store.satisfaction_sql import (
    Grouping,
    group_waits_statement,
    ratings_statement,
    waits_statement,
)

#: Levels in the order they are shown (best first).
LEVELS = tuple(level.value for level in RatingLevel)
#: The levels that count as satisfied in the share (the city's "tỷ lệ hài lòng").
SATISFIED_LEVELS = frozenset({RatingLevel.VERY_SATISFIED.value, RatingLevel.SATISFIED.value})
#: A service day may be this far after the day the city received it (kiosk clock skew,
#: :mod:`office.store.submissions`), so rows received this much before the range count.
RECEIVED_SLACK = dt.timedelta(days=2)
#: Longest range one report covers (the daily chart has a bar per day).
MAX_RANGE_DAYS = 366
#: PostgreSQL's sort memory for one report's transaction: a city-wide month's waits
#: (~300,000 rows of a few columns) sort in memory.
REPORT_WORK_MEM = "64MB"


@dataclass
class Figures:
    """Ratings per level and waits of one group (a unit, a service, a day...)."""

    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    #: How many tickets' waits (from issue to first call).
    waits: int = 0
    #: The mean and median wait in minutes, one decimal; None without waits.
    mean_wait_minutes: float | None = None
    median_wait_minutes: float | None = None

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
    def empty(self) -> bool:
        """No rating and no wait."""
        return not self.ratings and not self.waits


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


def _seconds(microseconds: int) -> float:
    """A wait's seconds as the Python computation had them: ``timedelta.total_seconds()``
    (the microseconds divided by 10**6, correctly rounded)."""
    return microseconds / 1_000_000


def _near_a_tie(total_us: int, waits: int) -> bool:
    """Whether the exact mean in minutes lies so near a half of the last decimal
    (x.x5) that the rounding of the floating-point sums decides which way it goes."""
    twentieths = Fraction(total_us, 3_000_000 * waits)  # the mean in minutes, times 20
    distance = abs(twentieths % 2 - 1)  # to the nearest odd twentieth: a tie
    return distance <= twentieths * TIE_MARGIN


#: Relative room around a tie: far beyond the few rounding steps (each 2**-53) between
#: the exact mean and either floating-point computation of it.
TIE_MARGIN = Fraction(1, 2**40)


def mean_minutes(waits: int, total_us: int, inexact: int,
                 every_wait: Callable[[], list[int]]) -> float:
    """The mean wait in minutes, one decimal, exactly as ``round(fmean(seconds) / 60, 1)``
    over each wait's seconds (:func:`_seconds`) gives it.

    ``fmean`` sums the seconds' floating-point values exactly (``fsum``), then rounds. When
    every wait is a whole number of 1/64 s (``inexact`` 0) those values are exact and so is
    their sum: the total in microseconds gives the same float. Otherwise the two sums may
    differ in their last bit, which matters only for a mean within a hair of x.x5 minutes:
    then ``every_wait`` fetches the group's waits and they are summed as before.
    """
    seconds = _seconds(total_us)
    if inexact and waits > 1 and _near_a_tie(total_us, waits):
        seconds = math.fsum(_seconds(us) for us in every_wait())
    return round(seconds / waits / 60, 1)


def median_minutes(waits: int, lower_us: int, upper_us: int) -> float:
    """The median wait in minutes, one decimal, from the middle wait (an odd count:
    ``lower_us`` is ``upper_us``) or the two middle waits (even), as ``statistics.median``
    takes them."""
    if waits % 2:
        return round(_seconds(lower_us) / 60, 1)
    return round((_seconds(lower_us) + _seconds(upper_us)) / 2 / 60, 1)


def kiosk_counter(written: str | None) -> str | None:
    """The counter a kiosk rating names, as the citizen wrote it less surrounding blanks;
    None: none named."""
    return str(written or "").strip() or None


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
        parameters = {
            "received_from": earliest.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
            "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        dialect = self.engine.dialect.name
        with read_snapshot(self.engine) as connection:
            if dialect == "postgresql":
                # For this transaction only: compiling the statements (JIT) took longer
                # than running them, and their sorts spilled to disk at the default 4 MB
                connection.exec_driver_sql("SET LOCAL jit = off")
                connection.exec_driver_sql(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
            ratings = connection.execute(ratings_statement(dialect, scope), parameters).all()
            waits = connection.execute(waits_statement(dialect, scope), parameters).all()
            self._add_ratings(report, ratings)
            self._add_waits(report, waits, lambda grouping, key: [
                int(us) for us in connection.execute(
                    group_waits_statement(grouping, scope, key is None),
                    {**parameters, "key": key}).scalars()])
        return report

    @staticmethod
    def _add_ratings(report: SatisfactionReport, rows: Iterable[Any]) -> None:
        def figures(table: dict[Any, Figures], key: Any) -> dict[str, int]:
            return table.setdefault(key, Figures()).levels

        for part, unit, day, service, counter, written, officer, level, ratings in rows:
            if part == "unit_day":
                for levels in (report.total.levels, figures(report.by_unit, int(unit)),
                               figures(report.by_day, dt.date.fromisoformat(day))):
                    levels[level] += int(ratings)
                continue
            name = counter_name(counter) if counter is not None else kiosk_counter(written)
            for levels in (figures(report.by_service, service),
                           figures(report.by_counter, name),
                           figures(report.by_officer, officer)):
                levels[level] += int(ratings)

    @staticmethod
    def _add_waits(report: SatisfactionReport, rows: Iterable[Any],
                   every_wait: Callable[[Grouping, Any], list[int]]) -> None:
        tables: dict[Grouping, dict[Any, Figures]] = {
            Grouping.UNIT: report.by_unit, Grouping.DAY: report.by_day,
            Grouping.SERVICE: report.by_service, Grouping.COUNTER: report.by_counter,
            Grouping.OFFICER: report.by_officer}
        for name, unit, day, service, counter, officer, lower_us, upper_us, waits, \
                total_us, inexact in rows:
            if not waits:
                continue  # the total's grouping set over no wait at all
            grouping = Grouping(name)
            key = {Grouping.TOTAL: None, Grouping.UNIT: unit, Grouping.DAY: day,
                   Grouping.SERVICE: service, Grouping.COUNTER: counter,
                   Grouping.OFFICER: officer}[grouping]
            figures = (report.total if grouping is Grouping.TOTAL else
                       tables[grouping].setdefault(_report_key(grouping, key), Figures()))
            figures.waits = int(waits)
            figures.mean_wait_minutes = mean_minutes(
                figures.waits, int(total_us), int(inexact),
                functools.partial(every_wait, grouping, key))
            figures.median_wait_minutes = median_minutes(figures.waits, int(lower_us),
                                                         int(upper_us))


def _report_key(grouping: Grouping, key: Any) -> Any:
    """A group's key in the report: a unit's code, a date, a counter's name..."""
    if key is None:
        return None
    if grouping is Grouping.UNIT:
        return int(key)
    if grouping is Grouping.DAY:
        return dt.date.fromisoformat(key)
    if grouping is Grouping.COUNTER:
        return counter_name(int(key))
    return key
