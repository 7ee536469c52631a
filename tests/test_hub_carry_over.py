"""A hub's queue made during a failed trial survives the rollback of its database."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.database import HubDatabase
from kiosk.hub_carry_over import HubCarryReport, carry_hub_queue

DAY = "2026-12-07"


def ticket(db: sqlite3.Connection, uuid: str, number: str, state: str = "waiting",
           updated_at: str = "08:00") -> int:
    cursor = db.execute(
        "INSERT INTO tickets (submission_uuid, body_sha256, number, service, priority_group, "
        "kiosk_id, service_day, issued_at, received_at, state, updated_at, page_token) "
        "VALUES (?, 'h', ?, 'A', 'regular', 'K-1', ?, ?, ?, ?, ?, ?)",
        [uuid, number, DAY, updated_at, updated_at, state, updated_at, f"page-{uuid}"])
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def event(db: sqlite3.Connection, uuid: str, ticket_id: int, state: str,
          forwarded: str | None = None) -> None:
    db.execute("INSERT INTO ticket_events (uuid, ticket_id, action, state, service, at, "
               "forwarded_at) VALUES (?, ?, ?, ?, 'A', '08:00', ?)",
               [uuid, ticket_id, state, state, forwarded])


@contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    """The file, committed and closed after (a closed WAL file is whole: it can be copied)."""
    db = sqlite3.connect(path)
    try:
        yield db
        db.commit()
    finally:
        db.close()


def hub_file(path: Path) -> Path:
    HubDatabase(path).close()
    with opened(path) as db:
        db.execute("INSERT INTO counters (number, name, services) VALUES (1, 'Quầy 1', 'A')")
        waiting = ticket(db, "u-before", "A001")
        event(db, "e-issued-before", waiting, "waiting")  # not yet acknowledged by the city
        # An unrelated ticket only the restored file has: it keeps its id
        ticket(db, "u-other", "A002")
    return path


def test_the_queue_of_the_trial_survives_the_rollback(tmp_path: Path) -> None:
    # GIVEN the copy taken at the switch, and the trial's file that went on from it
    restored = hub_file(tmp_path / "db-before-2.4.0.sqlite3")
    trial = tmp_path / "db-trial-2.4.0.sqlite3"
    shutil.copyfile(restored, trial)
    with opened(trial) as db:
        db.execute("DELETE FROM tickets WHERE submission_uuid = 'u-other'")
        # the trial called the waiting ticket, and a new one came and was served and rated
        db.execute("UPDATE tickets SET state = 'called', counter = 1, updated_at = '08:03' "
                   "WHERE submission_uuid = 'u-before'")
        event(db, "e-called", 1, "called")
        new = ticket(db, "u-trial", "A003", state="served", updated_at="08:04")
        event(db, "e-issued-trial", new, "waiting", forwarded="08:02")
        event(db, "e-served-trial", new, "served")
        db.execute("INSERT INTO ratings (ticket_id, level, counter, at) "
                   "VALUES (?, 'good', 1, '08:05')", [new])
        db.execute("UPDATE counters SET state = 'open', officer = 'canbo1'")
        db.execute("UPDATE ticket_events SET forwarded_at = '08:04' WHERE uuid = 'e-called'")
        # the city acknowledged the event from before the switch: not forwarded twice
        db.execute("UPDATE ticket_events SET forwarded_at = '08:01' "
                   "WHERE uuid = 'e-issued-before'")

    # WHEN it is carried into the restored file
    report = carry_hub_queue(restored, trial)

    # THEN every ticket, move, event and rating of the trial is there, on its restored id
    assert report == HubCarryReport(tickets=1, tickets_moved=1, events=3, ratings=1,
                                    counters=1, columns_left_behind=())
    with opened(restored) as db:
        assert db.execute("SELECT id, submission_uuid, number, state, counter FROM tickets "
                          "ORDER BY id").fetchall() == [
            (1, "u-before", "A001", "called", 1), (2, "u-other", "A002", "waiting", None),
            (3, "u-trial", "A003", "served", None)]
        assert db.execute("SELECT uuid, ticket_id, state, forwarded_at FROM ticket_events "
                          "ORDER BY seq").fetchall() == [
            ("e-issued-before", 1, "waiting", "08:01"), ("e-called", 1, "called", "08:04"),
            ("e-issued-trial", 3, "waiting", "08:02"), ("e-served-trial", 3, "served", None)]
        assert db.execute("SELECT ticket_id, level FROM ratings").fetchall() == [(3, "good")]
        assert db.execute("SELECT state, officer FROM counters").fetchall() == [
            ("open", "canbo1")]
    # AND carrying again adds nothing
    again = carry_hub_queue(restored, trial)
    assert (again.tickets, again.tickets_moved, again.events, again.ratings) == (0, 0, 0, 0)


def test_a_trial_column_the_older_hub_lacks_is_left_in_the_trial_file(tmp_path: Path) -> None:
    restored = hub_file(tmp_path / "before.sqlite3")
    trial = tmp_path / "trial.sqlite3"
    shutil.copyfile(restored, trial)
    with opened(trial) as db:
        db.execute("ALTER TABLE tickets ADD COLUMN language TEXT")
        ticket(db, "u-trial", "A003")

    report = carry_hub_queue(restored, trial)

    assert (report.tickets, report.columns_left_behind) == (1, ("language",))
