"""The satisfaction figures as the back office computed them before the database did:
in Python over every rating and queue event of the range. Kept here, unchanged but for
names, as the oracle the SQL aggregation (office/store/satisfaction.py) must match exactly
(tests/sync/test_satisfaction_oracle.py), and as the old path the bench times beside it
(bench/satisfaction_bench.py)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kiosk.clock import HANOI
from kiosk.kinds import SubmissionKind
from office import schema
from office.database import read_snapshot
from office.store.base import StorePart
from office.store.satisfaction import LEVELS, RECEIVED_SLACK, SATISFIED_LEVELS, counter_name


@dataclass
class OldFigures:
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
class OldReport:
    """The figures of one date range and unit scope, in total and by each grouping.

    ``by_day`` has every day of the range (empty ones too, for the charts); the other
    groupings only what occurred. A key of None: not known (a kiosk rating names no
    service or officer, and maybe no counter).
    """

    date_from: dt.date
    date_to: dt.date
    total: OldFigures = field(default_factory=OldFigures)
    by_unit: dict[int, OldFigures] = field(default_factory=dict)
    by_service: dict[str | None, OldFigures] = field(default_factory=dict)
    by_counter: dict[str | None, OldFigures] = field(default_factory=dict)
    by_officer: dict[str | None, OldFigures] = field(default_factory=dict)
    by_day: dict[dt.date, OldFigures] = field(default_factory=dict)

    def _groups(self, unit: int, service: str | None, counter: str | None,
                officer: str | None, day: dt.date) -> list[OldFigures]:
        return [self.total, self.by_unit.setdefault(unit, OldFigures()),
                self.by_service.setdefault(service, OldFigures()),
                self.by_counter.setdefault(counter, OldFigures()),
                self.by_officer.setdefault(officer, OldFigures()),
                self.by_day.setdefault(day, OldFigures())]

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


def _day_of_received(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone(HANOI).date()


class PythonSatisfaction(StorePart):
    """The old computation: every row of the range fetched and added up in Python."""

    def report(self, scope: set[int] | None, date_from: dt.date,
               date_to: dt.date) -> OldReport:
        """The figures of the service days ``date_from``..``date_to`` (both included) for
        the units in ``scope`` (None: every unit; ratings from a kiosk without a unit are
        left out, as they belong to none)."""
        report = OldReport(date_from, date_to)
        day = date_from
        while day <= date_to:
            report.by_day[day] = OldFigures()
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
    def _add_kiosk_rating(report: OldReport, unit: int, body: Mapping[str, Any],
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
    def _add_queue_events(report: OldReport, rows: Iterable[Any]) -> None:
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


def figures_shown(report: Any) -> dict[str, Any]:
    """Every figure a report shows (the page, the CSV, the ranking), as plain values: for
    comparing the old report with the new one exactly."""
    def figures(item: Any) -> tuple[Any, ...]:
        return (item.ratings, item.satisfied, item.satisfied_percent,
                tuple(item.levels.items()), item.waits, item.mean_wait_minutes,
                item.median_wait_minutes)

    shown: dict[str, Any] = {"range": (report.date_from, report.date_to),
                             "total": figures(report.total)}
    for name in ("by_unit", "by_service", "by_counter", "by_officer", "by_day"):
        groups = getattr(report, name)
        shown[name] = {key: figures(value) for key, value in groups.items()}
        # The days in order (the charts' and the daily table's order)
        shown[name + " order"] = list(groups) if name == "by_day" else None
    return shown
