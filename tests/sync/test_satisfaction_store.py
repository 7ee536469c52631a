"""The satisfaction report's figures from known ratings and queue events, on SQLite and
PostgreSQL (tests/sync/satisfaction_data.py describes the events; the numbers below are
worked out by hand from it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from office.store.satisfaction import Figures, RangeError, rank_units
from office.store.served_units import hanoi_units
from tests.sync.back_office import BA_DINH, HOAN_KIEM
from tests.sync.conftest import Backend
from tests.sync.satisfaction_data import TODAY, YESTERDAY, seed_satisfaction


def shown(figures: Figures) -> tuple[Any, ...]:
    """ratings, satisfied %, levels (best first), waits, mean and median wait (minutes)."""
    return (figures.ratings, figures.satisfied_percent, tuple(figures.levels.values()),
            figures.waits, figures.mean_wait_minutes, figures.median_wait_minutes)


@pytest.fixture
def seeded(backend: Backend, kiosks: Any) -> Backend:
    seed_satisfaction(backend, kiosks)
    return backend


def test_one_day_by_unit_service_counter_and_officer(seeded: Backend) -> None:
    report = seeded.store.satisfaction.report(None, TODAY, TODAY)
    # 5 + 2 ratings: VS 2, S 2, acceptable 1, U 2 -> 4/7 satisfied; waits 12, 20, 6 minutes
    assert shown(report.total) == (7, 57.1, (2, 2, 1, 2), 3, 12.7, 12.0)
    assert {unit: shown(f) for unit, f in report.by_unit.items()} == {
        BA_DINH: (5, 60.0, (2, 1, 1, 1), 3, 12.7, 12.0),
        HOAN_KIEM: (2, 50.0, (0, 1, 0, 1), 0, None, None),
    }
    assert {key: shown(f) for key, f in report.by_service.items()} == {
        None: (5, 60.0, (1, 2, 0, 2), 0, None, None),  # the kiosks' ratings name no service
        "A": (2, 50.0, (1, 0, 1, 0), 2, 16.0, 16.0),
        "B": (0, None, (0, 0, 0, 0), 1, 6.0, 6.0),  # no rating: None, not 0 %
    }
    # The kiosk's "Quầy 1" joins the hub's counter 1
    assert {key: shown(f) for key, f in report.by_counter.items()} == {
        "Quầy 1": (2, 100.0, (2, 0, 0, 0), 2, 9.0, 9.0),
        "Quầy 2": (2, 0.0, (0, 0, 1, 1), 1, 20.0, 20.0),
        None: (3, 66.7, (0, 2, 0, 1), 0, None, None),
    }
    assert {key: shown(f) for key, f in report.by_officer.items()} == {
        None: (5, 60.0, (1, 2, 0, 2), 0, None, None),
        "lan": (1, 100.0, (1, 0, 0, 0), 2, 9.0, 9.0),
        "minh": (1, 0.0, (0, 0, 1, 0), 1, 20.0, 20.0),
    }
    assert {day: shown(f) for day, f in report.by_day.items()} == {
        TODAY: (7, 57.1, (2, 2, 1, 2), 3, 12.7, 12.0)}


def test_a_commune_scope_and_a_two_day_range(seeded: Backend) -> None:
    report = seeded.store.satisfaction.report({BA_DINH}, YESTERDAY, TODAY)
    # Yesterday's ticket: a 30-minute wait and an unsatisfied rating at counter 2
    assert set(report.by_unit) == {BA_DINH}
    assert shown(report.total) == (6, 50.0, (2, 1, 1, 2), 4, 17.0, 16.0)
    assert {day: shown(f) for day, f in report.by_day.items()} == {
        YESTERDAY: (1, 0.0, (0, 0, 0, 1), 1, 30.0, 30.0),
        TODAY: (5, 60.0, (2, 1, 1, 1), 3, 12.7, 12.0),
    }
    assert shown(report.by_counter["Quầy 2"]) == (3, 0.0, (0, 0, 1, 2), 2, 25.0, 25.0)
    # Hoàn Kiếm's officers see nothing of Ba Đình
    other = seeded.store.satisfaction.report({HOAN_KIEM}, YESTERDAY, TODAY)
    assert shown(other.total) == (2, 50.0, (0, 1, 0, 1), 0, None, None)


def test_a_range_without_events_has_empty_days_and_no_figures(seeded: Backend) -> None:
    before = TODAY - dt.timedelta(days=30)
    report = seeded.store.satisfaction.report(None, before, before)
    assert shown(report.total) == (0, None, (0, 0, 0, 0), 0, None, None)
    assert list(report.by_day) == [before] and report.by_unit == {}


def test_the_126_units_ranked_and_those_without_ratings_listed_unranked(
        seeded: Backend) -> None:
    report = seeded.store.satisfaction.report(None, TODAY, TODAY)
    ranking = rank_units(report.by_unit, hanoi_units())
    assert len(ranking) == 126
    assert [(item.unit_code, item.rank, item.figures.satisfied_percent)
            for item in ranking[:3]] == [(BA_DINH, 1, 60.0), (HOAN_KIEM, 2, 50.0),
                                         (ranking[2].unit_code, None, None)]
    assert all(item.rank is None and item.figures.ratings == 0 for item in ranking[2:])


def test_equal_figures_share_a_rank() -> None:
    same = Figures(levels={"very_satisfied": 1, "satisfied": 0, "acceptable": 1,
                           "unsatisfied": 0})
    other = Figures(levels={"very_satisfied": 0, "satisfied": 1, "acceptable": 0,
                            "unsatisfied": 1})
    better = Figures(levels={"very_satisfied": 3, "satisfied": 0, "acceptable": 0,
                             "unsatisfied": 0})
    ranking = rank_units({1: same, 2: other, 3: better}, [1, 2, 3, 4])
    assert [(item.unit_code, item.rank) for item in ranking] == [
        (3, 1), (1, 2), (2, 2), (4, None)]


def test_a_reversed_or_too_long_range_is_refused(seeded: Backend) -> None:
    with pytest.raises(RangeError, match="ends before it starts"):
        seeded.store.satisfaction.report(None, TODAY, YESTERDAY)
    with pytest.raises(RangeError, match="at most 366 days"):
        seeded.store.satisfaction.report(None, TODAY.replace(year=TODAY.year - 2), TODAY)
