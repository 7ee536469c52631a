"""A box that is also its point's hub: the hub's database is copied at the switch, kept
with its release, and restored at a rollback with the trial's queue carried over (fake
installer, doctor and systemd; a real server on 127.0.0.1; the hub's real schema)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

import sync.updater as updater_module
from hub.database import HubDatabase
from kiosk.storage import SCHEMA_VERSION
from kiosk.update_policy import TrialVerdict, UpdateState
from tests.sync.fail_once import failing_once
from tests.sync.test_updater import START, Kiosk, key, kiosk, publish  # noqa: F401 - fixtures
from tests.test_hub_carry_over import opened, ticket


@pytest.fixture
def hub(kiosk: Kiosk, tmp_path: Path) -> Path:  # noqa: F811 - the imported fixture
    """The hub's database, one ticket waiting, known to the kiosk's updater."""
    home = tmp_path / "motcua-hub"
    home.mkdir()
    database = home / "hub.sqlite3"
    HubDatabase(database).close()
    with opened(database) as db:
        ticket(db, "u-before", "A001")
    kiosk.updater.paths = dataclasses.replace(kiosk.paths, hub_database=database)
    kiosk.paths = kiosk.updater.paths
    return database


def tickets(database: Path) -> list[tuple[str, str]]:
    with opened(database) as db:
        return db.execute("SELECT number, state FROM tickets ORDER BY id").fetchall()


def test_the_hub_s_database_is_copied_at_the_switch_and_only_the_kept_copy_stays(
        kiosk: Kiosk, hub: Path, sqlite_backend, key):  # noqa: F811
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    assert tickets(hub.with_name("db-before-2.4.0.sqlite3")) == [("A001", "waiting")]
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP
    publish(sqlite_backend, key, "2.5.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=10)
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP
    assert sorted(path.name for path in hub.parent.glob("db-*")) == ["db-before-2.5.0.sqlite3"]


def test_a_rollback_restores_the_hub_s_database_with_the_trial_s_queue(
        kiosk: Kiosk, hub: Path, sqlite_backend, key):  # noqa: F811
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    # GIVEN the trial's hub, which migrated its file, called the ticket and took a new one
    with opened(hub) as db:
        db.execute("ALTER TABLE tickets ADD COLUMN added_by_2_4_0 TEXT")
        db.execute("UPDATE tickets SET state = 'called', updated_at = '08:03'")
        ticket(db, "u-trial", "A002", updated_at="08:04")

    judgement = kiosk.updater.check_trial()

    # THEN the hub's file is the copy from before the switch, with the trial's queue
    assert judgement.verdict is TrialVerdict.ROLL_BACK
    record = kiosk.updater.record()
    assert record.state is UpdateState.ROLLED_BACK
    assert record.reason == ("rolled back to 2.3.1: new doctor fault(s): database "
                             "(0 submission(s) and 1 hub ticket(s) from the trial kept)")
    assert tickets(hub) == [("A001", "called"), ("A002", "waiting")]
    with opened(hub) as db:  # the older hub's schema: it opens it
        assert "added_by_2_4_0" not in [row[1] for row in db.execute(
            "PRAGMA table_info(tickets)")]
    assert tickets(hub.with_name("db-trial-2.4.0.sqlite3")) == [  # kept, never destroyed
        ("A001", "called"), ("A002", "waiting")]


def test_a_hub_that_never_started_has_nothing_to_copy(
        kiosk: Kiosk, hub: Path, sqlite_backend, key):  # noqa: F811
    hub.unlink()
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    assert list(hub.parent.iterdir()) == []
    kiosk.updater.check_trial()
    assert kiosk.updater.record().reason == (
        "rolled back to 2.3.1: new doctor fault(s): database "
        "(0 submission(s) from the trial kept)")


def test_a_downgrade_restores_the_hub_s_copy_with_its_later_queue(
        kiosk: Kiosk, hub: Path, sqlite_backend, key):  # noqa: F811
    # GIVEN 2.4.0 kept, whose hub migrated its file and took a ticket since
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    with opened(hub) as db:
        db.execute("ALTER TABLE tickets ADD COLUMN added_by_2_4_0 TEXT")
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    with opened(hub) as db:
        ticket(db, "u-later", "A002")
    # WHEN the channel goes back below the kiosk's schema
    publish(sqlite_backend, key, "2.3.5", schema_max=SCHEMA_VERSION)
    assert kiosk.updater.check_for_update().state is UpdateState.TRIAL
    # THEN the hub's file is its copy from before 2.4.0, with the ticket taken since
    assert tickets(hub) == [("A001", "waiting"), ("A002", "waiting")]
    with opened(hub) as db:
        assert "added_by_2_4_0" not in [row[1] for row in db.execute(
            "PRAGMA table_info(tickets)")]


def test_a_rollback_whose_hub_carry_failed_keeps_the_trial_s_tickets_when_retried(
        kiosk: Kiosk, hub: Path, sqlite_backend, key, monkeypatch):  # noqa: F811
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    with opened(hub) as db:
        ticket(db, "u-trial", "A002", updated_at="08:04")
    # GIVEN a carry of the hub's queue that fails once (an SQLite error, a full disk)
    monkeypatch.setattr(updater_module, "carry_hub_queue", failing_once(
        updater_module.carry_hub_queue, sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(sqlite3.OperationalError):
        kiosk.updater.check_trial()
    # THEN the hub's file is still the trial's whole queue, the rollback still to do
    assert kiosk.updater.record().state is UpdateState.TRIAL
    assert tickets(hub) == [("A001", "waiting"), ("A002", "waiting")]
    # WHEN the next check retries it
    assert kiosk.updater.check_trial().verdict is TrialVerdict.ROLL_BACK
    # THEN the trial's tickets are in the restored file and in the trial's, kept as it was
    assert kiosk.updater.record().state is UpdateState.ROLLED_BACK
    assert tickets(hub) == [("A001", "waiting"), ("A002", "waiting")]
    assert tickets(hub.with_name("db-trial-2.4.0.sqlite3")) == [
        ("A001", "waiting"), ("A002", "waiting")]
    assert sorted(path.name for path in hub.parent.glob("*.sqlite3*")  # no scratch left
                  if not path.name.startswith("db-before")) == [
        "db-trial-2.4.0.sqlite3", "hub.sqlite3"]


def test_a_rollback_retried_after_the_hub_was_restored_keeps_what_the_older_hub_took(
        kiosk: Kiosk, hub: Path, sqlite_backend, key, monkeypatch):  # noqa: F811
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    with opened(hub) as db:
        db.execute("ALTER TABLE tickets ADD COLUMN added_by_2_4_0 TEXT")
        ticket(db, "u-trial", "A002", updated_at="08:04")
    # GIVEN a rollback whose state file could not be written once the databases were back
    real_save, saves = kiosk.updater._save, []

    def fails_once(record: object) -> None:
        saves.append(record)
        if len(saves) == 1:
            raise OSError("No space left on device")
        real_save(record)

    monkeypatch.setattr(kiosk.updater, "_save", fails_once)
    with pytest.raises(OSError, match="No space"):
        kiosk.updater.check_trial()
    assert tickets(hub) == [("A001", "waiting"), ("A002", "waiting")]
    # AND the older hub, started again, took a ticket in its restored file
    with opened(hub) as db:
        ticket(db, "u-after", "A003", updated_at="08:10")
    # WHEN the next check retries the rollback
    kiosk.updater.check_trial()
    # THEN nothing is lost: the trial's ticket and the later one are both there
    assert kiosk.updater.record().state is UpdateState.ROLLED_BACK
    assert tickets(hub) == [("A001", "waiting"), ("A002", "waiting"), ("A003", "waiting")]
    with opened(hub) as db:
        assert "added_by_2_4_0" not in [row[1] for row in db.execute(
            "PRAGMA table_info(tickets)")]
    with opened(hub.with_name("db-trial-2.4.0.sqlite3")) as db:  # the trial's, untouched
        assert "added_by_2_4_0" in [row[1] for row in db.execute(
            "PRAGMA table_info(tickets)")]


def test_a_hub_first_started_in_the_trial_has_its_file_set_aside_at_the_rollback(
        kiosk: Kiosk, hub: Path, sqlite_backend, key):  # noqa: F811
    hub.unlink()
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    # GIVEN the trial's hub, started for the first time: its file has the newer schema
    HubDatabase(hub).close()
    with opened(hub) as db:
        db.execute("ALTER TABLE tickets ADD COLUMN added_by_2_4_0 TEXT")
        ticket(db, "u-trial", "A001")

    kiosk.updater.check_trial()

    # THEN the older hub finds no file (it starts a fresh one); the trial's is kept
    assert not hub.exists()
    assert tickets(hub.with_name("db-trial-2.4.0.sqlite3")) == [("A001", "waiting")]
    assert kiosk.updater.record().reason == (
        "rolled back to 2.3.1: new doctor fault(s): database (0 submission(s) from the "
        "trial kept; the hub's database of the trial set aside as db-trial-2.4.0.sqlite3)")
    assert sorted(path.name for path in hub.parent.iterdir()) == ["db-trial-2.4.0.sqlite3"]
