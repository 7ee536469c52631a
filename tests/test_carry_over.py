"""A rollback restores the pre-update database and carries the trial's submissions over."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from kiosk.carry_over import CarryReport, carry_submissions
from kiosk.clock import HANOI
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox, OutboxState, QueueTicketRequest

MORNING = dt.datetime(2026, 12, 7, 8, 0, tzinfo=HANOI)


def outbox(db: Database) -> Outbox:
    return Outbox(db, kiosk_id="HN-4-K1", queue_prefix="1")


def test_submissions_made_during_the_trial_survive_the_rollback(
        catalog_db: Database, tmp_path: Path):
    # GIVEN a submission sent before the update, and the copy taken before migrating
    before = outbox(catalog_db).create(QueueTicketRequest(service="A"), now=MORNING)
    catalog_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    live = Path(catalog_db.conn.execute("PRAGMA database_list").fetchone()[2])
    copy = tmp_path / "db-before-2.4.0.sqlite3"
    shutil.copyfile(live, copy)
    # AND the new release migrated the live file (a column the old one lacks) and, during
    # its trial, sent the old submission and took two new ones
    catalog_db.conn.execute("ALTER TABLE submissions ADD COLUMN channel_hint TEXT")
    trial_box = outbox(catalog_db)
    trial_box.mark_sent([before.uuid], now=MORNING)
    during = [trial_box.create(QueueTicketRequest(service="A"), now=MORNING) for _ in range(2)]
    trial_box.mark_sent([during[0].uuid], now=MORNING)
    catalog_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    catalog_db.close()
    trial = tmp_path / "db-trial-2.4.0.sqlite3"
    shutil.copyfile(live, trial)

    # WHEN the copy is restored and the trial carried over
    report = carry_submissions(copy, trial)

    # THEN every submission is there once, with its delivery state, and numbering continues
    assert report == CarryReport(submissions=2, outbox_rows=3, counters=1,
                                 columns_left_behind=("channel_hint",))
    restored = open_database(copy)
    box = outbox(restored)
    states = {item.uuid: item.state for item in box.list(limit=10)}
    assert states == {before.uuid: OutboxState.SENT, during[0].uuid: OutboxState.SENT,
                      during[1].uuid: OutboxState.PENDING}
    assert box.create(QueueTicketRequest(service="A"), now=MORNING).ticket_number == "A1-004"
    restored.close()


def test_carrying_twice_adds_nothing(catalog_db: Database, tmp_path: Path):
    outbox(catalog_db).create(QueueTicketRequest(service="A"), now=MORNING)
    catalog_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    live = Path(catalog_db.conn.execute("PRAGMA database_list").fetchone()[2])
    catalog_db.close()
    restored, trial = tmp_path / "restored.sqlite3", tmp_path / "trial.sqlite3"
    shutil.copyfile(live, restored)
    shutil.copyfile(live, trial)
    assert carry_submissions(restored, trial).submissions == 0
    with sqlite3.connect(restored) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (1,)
