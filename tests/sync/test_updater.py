"""The updater end to end: the city publishes, the kiosk fetches, verifies, installs beside
the running release, switches, and keeps it or rolls back by itself without losing a
submission (fake installer, doctor and systemd; a real server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.clock import HANOI
from kiosk.release_signature import ReleaseKeyPair, generate_key_pair, sign
from kiosk.storage import SCHEMA_VERSION, open_database
from kiosk.submissions import Outbox, OutboxState, QueueTicketRequest
from kiosk.update_policy import OfferProblem, TrialVerdict, UpdateState
from office.store.releases import Releases
from sync.client import BackendClient
from sync.release_source import BackendReleaseSource
from sync.updater import UpdateError, UpdatePaths, Updater, UpdateRecord
from tests.conftest import catalog_bytes
from tests.sync.conftest import Backend
from tests.sync.fail_once import failing_once

START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 12, 7, 8, 0, tzinfo=HANOI)


@dataclass
class FakeInstaller:
    """Installs by writing a marker; fails for the versions in ``failing``."""

    failing: set[str] = field(default_factory=set)
    installed: list[str] = field(default_factory=list)

    def install(self, artifact: Path, target: Path) -> None:
        if target.name in self.failing:
            raise UpdateError("pip: no matching distribution")
        (target / "installed-from").write_text(artifact.name)
        self.installed.append(target.name)


class PowerCut(BaseException):
    """The process dies here (nothing after it runs)."""


@dataclass
class FakeCommands:
    """A release's migration (adds a column: a newer schema) and doctor, per version."""

    doctor: dict[str, frozenset[str] | None] = field(default_factory=dict)
    migrated: list[str] = field(default_factory=list)
    failing_migration: type[BaseException] | None = None

    def migrate(self, release: Path, database: Path) -> None:
        if self.failing_migration is not None:
            raise self.failing_migration("migration 20: no such table")
        with sqlite3.connect(database) as conn:
            column = f"added_by_{release.name.replace('.', '_')}"
            conn.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")
            conn.execute("UPDATE schema_version SET version = version + 1")
        self.migrated.append(release.name)

    def doctor_faults(self, release: Path) -> frozenset[str] | None:
        return self.doctor.get(release.name, frozenset())


@dataclass
class FakeServices:
    """The UI ("ui") and the agent ("sync"); ``restart_count`` is the UI's restarts."""

    calls: list[str] = field(default_factory=list)
    restart_count: int = 0
    sync_restarts: int = 0
    watchdog: bool = False
    running: bool = True
    ui_failing: bool = False  # no screen: the UI never comes up
    boot: str = "boot-1"
    busy_looks: int = 0
    start_fails: bool = False  # `systemctl start` fails: a UI that dies before it is ready

    def stop(self) -> None:
        self.calls.append("stop")
        self.running = False

    def start(self) -> None:
        self.calls.append("start")
        self.running = True
        if self.start_fails:
            self.start_fails = False
            raise UpdateError("systemctl start motcua-kiosk-ui.service: exit status 1")

    def restarts(self) -> dict[str, int]:
        return {"ui": self.restart_count, "sync": self.sync_restarts}

    def watchdog_fired(self) -> bool:
        return self.watchdog

    def active_units(self) -> frozenset[str]:
        if not self.running:
            return frozenset()
        return frozenset({"sync"} if self.ui_failing else {"ui", "sync"})

    def boot_id(self) -> str:
        return self.boot

    def citizen_present(self) -> bool:
        """The UI says a citizen is here while ``busy_looks`` is above 0."""
        self.calls.append("citizen?")
        if self.busy_looks > 0:
            self.busy_looks -= 1
            return True
        return False


@dataclass
class Kiosk:
    updater: Updater
    paths: UpdatePaths
    installer: FakeInstaller
    commands: FakeCommands
    services: FakeServices
    now: list[dt.datetime]
    slept: list[float]

    def outbox(self) -> Outbox:
        return Outbox(open_database(self.paths.database), kiosk_id="K-1", queue_prefix="1")

    def submit(self) -> str:
        box = self.outbox()
        try:
            return box.create(QueueTicketRequest(service="A"), now=MORNING).uuid
        finally:
            box.db.close()


def submit_under_newer_schema(database: Path, code: str) -> str:
    """What the migrated release writes for a submission (this code cannot open its file)."""
    made = str(uuid.uuid4())
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO submissions (uuid, kind, receipt_code, kiosk_id, service_day, "
            "created_at, details) VALUES (?, 'queue_ticket', ?, 'K-1', '2026-12-07', "
            "'2026-12-07T08:01:00+07:00', '{}')", [made, code])
        conn.execute("INSERT INTO outbox (submission_uuid, state) VALUES (?, 'pending')", [made])
    return made


def schema_of(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])


@pytest.fixture
def key() -> ReleaseKeyPair:
    return generate_key_pair()


def publish(backend: Backend, key: ReleaseKeyPair, version: str, channel: str = "stable",
            schema_min: int = 0, schema_max: int = SCHEMA_VERSION + 1) -> None:
    wheel = f"the {version} wheel".encode()
    raw = json.dumps({
        "format": "motcua-release/1", "version": version, "channel": channel,
        "artifact": {"name": f"motcua_kiosk-{version}-py3-none-any.whl",
                     "sha256": hashlib.sha256(wheel).hexdigest(), "size": len(wheel)},
        "schema": {"min": schema_min, "max": schema_max},
        "created_at": "2026-12-07T09:00:00+07:00"}).encode()
    Releases(backend.store.engine).publish(
        channel, raw, signature=sign(raw, key.private), artifact=wheel,
        trusted_keys=[key.public], publisher="test")


@pytest.fixture
def kiosk(tmp_path: Path, sqlite_backend: Backend, serve, key, small_catalog) -> Kiosk:
    """A kiosk running 2.3.1 with a database holding one submission, and its updater."""
    server = serve(sqlite_backend)
    root = tmp_path / "opt"
    (root / "releases" / "2.3.1").mkdir(parents=True)
    (root / "current").symlink_to("releases/2.3.1")
    data = tmp_path / "data"
    data.mkdir()
    paths = UpdatePaths(root=root, database=data / "kiosk.sqlite3")
    from kiosk.catalog import import_catalog
    db = open_database(paths.database)
    import_catalog(db, catalog_bytes(small_catalog))
    db.close()
    client = BackendClient(server.url, sqlite_backend.token("K-1"), connect_timeout=2,
                           read_timeout=5)
    now = [START]
    installer, commands, services = FakeInstaller(), FakeCommands(), FakeServices()
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the clock moves as the updater waits
        slept.append(seconds)
        now[0] += dt.timedelta(seconds=seconds)

    updater = Updater(paths, channel="stable", trusted_keys=[key.public],
                      source=BackendReleaseSource(client), installer=installer,
                      commands=commands, services=services, clock=lambda: now[0], sleep=sleep)
    made = Kiosk(updater, paths, installer, commands, services, now, slept)
    made.submit()
    return made


def test_an_update_applies_and_is_kept_after_its_trial(kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")

    record = kiosk.updater.check_for_update()

    assert record.state is UpdateState.TRIAL
    assert (record.from_version, record.to_version) == ("2.3.1", "2.4.0")
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.4.0")
    assert kiosk.installer.installed == ["2.4.0"]
    assert list((kiosk.paths.root / "downloads").iterdir()) == []  # installed: not kept
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION + 1
    assert schema_of(kiosk.paths.copy_before("2.4.0")) == SCHEMA_VERSION
    assert kiosk.services.calls == ["citizen?", "stop", "start"]
    # Within the trial nothing is decided; at the deadline the release is kept.
    assert kiosk.updater.check_trial().verdict is TrialVerdict.WAIT
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP
    assert kiosk.updater.record().state is UpdateState.CONFIRMED
    # Asked again, the same release is not applied twice.
    assert kiosk.updater.check_for_update().state is UpdateState.CONFIRMED
    assert kiosk.installer.installed == ["2.4.0"]


def test_a_broken_build_rolls_back_by_itself_and_keeps_the_trials_submissions(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    # A citizen submits during the trial, on the migrated database.
    during = submit_under_newer_schema(kiosk.paths.database, "TRIAL-1")

    judgement = kiosk.updater.check_trial()

    assert (judgement.verdict, judgement.reason) == (
        TrialVerdict.ROLL_BACK, "new doctor fault(s): database")
    record = kiosk.updater.record()
    assert record.state is UpdateState.ROLLED_BACK
    assert record.reason == ("rolled back to 2.3.1: new doctor fault(s): database "
                             "(1 submission(s) from the trial kept)")
    assert record.problem is OfferProblem.NONE  # the state says it: no later offer failed
    assert record.bad_versions == ["2.4.0"]
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION  # the old release opens it
    box = kiosk.outbox()
    assert [item.state for item in box.list()] == [OutboxState.PENDING, OutboxState.PENDING]
    assert box.get(during) is not None
    box.db.close()
    assert kiosk.paths.trial_copy("2.4.0").exists()  # kept, never destroyed
    assert kiosk.services.calls == ["citizen?", "stop", "start", "stop", "start"]
    # The bad release is not tried again until the channel serves another.
    assert kiosk.updater.check_for_update().state is UpdateState.ROLLED_BACK
    assert kiosk.installer.installed == ["2.4.0"]


def test_a_crash_loop_or_a_reboot_during_the_trial_rolls_back(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.services.restart_count += 3
    assert kiosk.updater.check_trial().reason == "the services restarted 3 times"
    publish(sqlite_backend, key, "2.4.1")
    kiosk.updater.check_for_update()
    kiosk.services.boot = "boot-2"
    assert kiosk.updater.check_trial().reason == "the kiosk restarted during the trial"
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")


def test_a_failed_install_touches_nothing(kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.installer.failing.add("2.4.0")
    record = kiosk.updater.check_for_update()
    assert (record.state, record.problem, record.problem_reason) == (
        UpdateState.IDLE, OfferProblem.FAILED,
        "install of 2.4.0 failed: pip: no matching distribution")
    assert kiosk.updater.record() == record  # as written to update.json
    assert not (kiosk.paths.root / "releases" / "2.4.0").exists()
    # the verified artifact is kept for the next run's retry (not downloaded again)
    assert [path.name for path in (kiosk.paths.root / "downloads").iterdir()] == [
        "motcua_kiosk-2.4.0-py3-none-any.whl"]
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")
    assert kiosk.services.calls == []
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION


def test_a_release_signed_by_another_key_or_for_another_channel_is_refused(
        kiosk: Kiosk, sqlite_backend):
    stranger = generate_key_pair()
    publish(sqlite_backend, stranger, "2.4.0")
    record = kiosk.updater.check_for_update()
    assert (record.problem, record.problem_reason) == (
        OfferProblem.REFUSED,
        "refused: the manifest's signature does not match any trusted release key")
    assert kiosk.installer.installed == []


def test_a_downgrade_below_the_databases_schema_is_refused(kiosk: Kiosk, sqlite_backend, key):
    # 2.4.0 applied and kept: the database is at SCHEMA_VERSION + 1, and its pre-update copy
    # was deleted (say, by hand).
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    kiosk.paths.copy_before("2.4.0").unlink()
    publish(sqlite_backend, key, "2.3.5", schema_max=SCHEMA_VERSION)
    record = kiosk.updater.check_for_update()
    assert (record.state, record.reason, record.problem) == (
        UpdateState.CONFIRMED, "trial passed", OfferProblem.REFUSED)
    assert record.problem_reason.startswith(
        f"refused: 2.3.5 reads schema up to {SCHEMA_VERSION} but the database is at "
        f"{SCHEMA_VERSION + 1}")
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.4.0")


def test_a_downgrade_restores_the_pre_update_copy_with_later_submissions(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    later = submit_under_newer_schema(kiosk.paths.database, "LATER-1")  # under 2.4.0
    publish(sqlite_backend, key, "2.3.5", schema_max=SCHEMA_VERSION)

    record = kiosk.updater.check_for_update()

    assert (record.state, record.to_version) == (UpdateState.TRIAL, "2.3.5")
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION
    # Rolling the downgrade back would restore the newer file it replaced.
    assert schema_of(kiosk.paths.copy_before("2.3.5")) == SCHEMA_VERSION + 1
    box = kiosk.outbox()
    assert len(box.list()) == 2
    assert box.get(later) is not None
    box.db.close()


def test_a_failed_migration_leaves_the_running_release_and_its_database(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.failing_migration = UpdateError
    record = kiosk.updater.check_for_update()
    assert (record.state, record.problem, record.problem_reason) == (
        UpdateState.IDLE, OfferProblem.FAILED,
        "database for 2.4.0 failed: migration 20: no such table")
    assert kiosk.updater.record() == record
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION
    assert kiosk.services.calls == ["citizen?", "stop", "start"]


def test_a_switch_cut_by_a_power_failure_is_rolled_back_at_the_next_boot(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.failing_migration = PowerCut
    with pytest.raises(PowerCut):
        kiosk.updater.check_for_update()
    kiosk.services.boot = "boot-2"  # the kiosk boots again; the update unit runs

    judgement = kiosk.updater.check_trial()

    assert judgement.reason == "the kiosk restarted during the trial"
    assert kiosk.updater.record().state is UpdateState.ROLLED_BACK
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION
    box = kiosk.outbox()
    assert len(box.list()) == 1
    box.db.close()


def test_a_kept_release_becomes_the_known_good_one_the_update_unit_runs(
        kiosk: Kiosk, sqlite_backend, key):
    (kiosk.paths.root / "known-good").symlink_to("releases/2.3.1")  # as install-pi leaves it
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    # during the trial the update unit still runs the release it replaced
    assert kiosk.paths.known_good.readlink() == Path("releases/2.3.1")
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    assert kiosk.paths.known_good.readlink() == Path("releases/2.4.0")


def test_a_rolled_back_release_never_becomes_the_known_good_one(
        kiosk: Kiosk, sqlite_backend, key):
    (kiosk.paths.root / "known-good").symlink_to("releases/2.3.1")
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = None  # its doctor does not even start
    kiosk.updater.check_for_update()
    kiosk.updater.check_trial()
    assert kiosk.paths.known_good.readlink() == Path("releases/2.3.1")


def test_the_update_run_watches_the_trial_every_20_seconds_until_a_verdict(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the clock moves as the unit waits
        slept.append(seconds)
        kiosk.now[0] += dt.timedelta(seconds=seconds)

    judgement = kiosk.updater.watch_trial(sleep)

    assert judgement.verdict is TrialVerdict.KEEP
    assert slept == [20.0] * 15  # 5 minutes
    assert kiosk.updater.record().state is UpdateState.CONFIRMED
    # nothing in trial: nothing to watch, no wait
    assert kiosk.updater.watch_trial(sleep) is None
    assert len(slept) == 15


def test_a_crash_loop_is_rolled_back_at_the_first_look_of_the_watch(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.services.restart_count += 3
    slept: list[float] = []
    judgement = kiosk.updater.watch_trial(slept.append)
    assert (judgement.verdict, slept) == (TrialVerdict.ROLL_BACK, [])


def test_a_new_release_that_fails_to_start_is_judged_and_rolled_back_in_the_same_run(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN a release whose UI dies before it is ready: `systemctl start` fails at the switch
    publish(sqlite_backend, key, "2.4.0")
    kiosk.services.start_fails = True
    # WHEN the update unit runs: the check switches, then watches the trial
    record = kiosk.updater.check_for_update()
    kiosk.services.restart_count += 3  # systemd restarting the UI that died
    judgement = kiosk.updater.watch_trial(kiosk.slept.append)
    # THEN the failed start did not end the run: the trial rolled it back at once
    assert record.state is UpdateState.TRIAL
    assert judgement is not None and judgement.verdict is TrialVerdict.ROLL_BACK
    assert kiosk.updater.record().state is UpdateState.ROLLED_BACK
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")


NOBODY = 65534


def owners(folder: Path) -> dict[str, tuple[int, int]]:
    return {path.name: (path.stat().st_uid, path.stat().st_gid)
            for path in sorted(folder.iterdir())}


@pytest.mark.skipif(os.geteuid() != 0, reason="root's update unit: only root can chown")
def test_files_root_writes_in_the_data_directory_belong_to_its_owner(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN the data directory and database owned by the kiosk user, the updater root
    data = kiosk.paths.database.parent
    for path in (data, *data.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    publish(sqlite_backend, key, "2.4.0")
    # WHEN a release is applied and rolled back
    kiosk.updater.check_for_update()
    assert {name for name in owners(data) if "migrating" in name} == set()
    assert set(owners(data).values()) == {(NOBODY, NOBODY)}
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_trial()
    # THEN every file it left there is the kiosk user's (read-only copies keep their -wal
    # and -shm: the kiosk user's too)
    assert {name.split("-wal")[0].split("-shm")[0] for name in owners(data)} == {
        "kiosk.sqlite3", "db-before-2.4.0.sqlite3", "db-trial-2.4.0.sqlite3"}
    assert set(owners(data).values()) == {(NOBODY, NOBODY)}


def test_the_ui_is_stopped_only_once_nobody_is_using_the_kiosk(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.services.busy_looks = 3  # a citizen finishes 15 s after the install
    record = kiosk.updater.check_for_update()
    assert record.state is UpdateState.TRIAL
    assert kiosk.slept == [5.0, 5.0, 5.0]
    assert kiosk.services.calls == ["citizen?"] * 4 + ["stop", "start"]


def test_a_kiosk_in_use_for_10_minutes_postpones_the_update_and_touches_nothing(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.services.busy_looks = 1000
    record = kiosk.updater.check_for_update()
    assert (record.problem, record.problem_reason) == (
        OfferProblem.POSTPONED, "2.4.0 postponed: a citizen was using the kiosk for 10 min")
    assert sum(kiosk.slept) == 600
    assert "stop" not in kiosk.services.calls
    assert (kiosk.paths.root / "current").readlink() == Path("releases/2.3.1")
    assert not (kiosk.paths.releases / "2.4.0").exists()
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION
    # the next run, the kiosk free, applies it
    kiosk.services.busy_looks = 0
    record = kiosk.updater.check_for_update()
    assert (record.state, record.problem, record.problem_reason) == (
        UpdateState.TRIAL, OfferProblem.NONE, "")


def test_a_kiosk_whose_ui_was_already_failing_can_still_take_a_release(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN the UI restarting forever before the update (no screen attached)
    kiosk.services.ui_failing = True
    publish(sqlite_backend, key, "2.4.0")
    record = kiosk.updater.check_for_update()
    assert record.watched_services == ["sync"]
    assert kiosk.updater.record().watched_services == ["sync"]  # kept for the next run
    # WHEN it goes on restarting under the new release
    kiosk.services.restart_count += 30
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    # THEN that is no reason to go back; the release is kept
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP


def test_the_services_that_ran_before_the_switch_are_still_judged(
        kiosk: Kiosk, sqlite_backend, key):
    kiosk.services.ui_failing = True
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.services.sync_restarts += 3  # the new release breaks the agent
    judgement = kiosk.updater.check_trial()
    assert (judgement.verdict, judgement.reason) == (
        TrialVerdict.ROLL_BACK, "the services restarted 3 times")


def test_a_kept_release_keeps_its_own_pre_update_copy_and_no_older_one(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    publish(sqlite_backend, key, "2.5.0", schema_max=SCHEMA_VERSION + 2)
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=10)
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP
    data = sorted(path.name for path in kiosk.paths.database.parent.glob("db-*"))
    assert data == ["db-before-2.5.0.sqlite3"]
    assert sorted(p.name for p in kiosk.paths.releases.iterdir()) == ["2.4.0", "2.5.0"]


def test_a_refusal_is_cleared_once_the_channel_serves_what_the_kiosk_runs(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN 2.4.0 kept, then 2.5.0 refused (signed by a key this kiosk does not trust)
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    kiosk.updater.check_trial()
    publish(sqlite_backend, generate_key_pair(), "2.5.0")
    assert kiosk.updater.check_for_update().problem is OfferProblem.REFUSED
    # WHEN the city withdraws it: the channel serves the running 2.4.0 again (ignored)
    publish(sqlite_backend, key, "2.4.0")
    record = kiosk.updater.check_for_update()
    # THEN nothing stands in the way any more, in update.json too; the state's words stay
    assert (record.state, record.reason, record.problem, record.problem_reason) == (
        UpdateState.CONFIRMED, "trial passed", OfferProblem.NONE, "")
    assert kiosk.updater.record() == record
    assert kiosk.installer.installed == ["2.4.0"]


def test_a_failure_is_cleared_when_the_channel_serves_only_a_release_already_rolled_back(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN 2.4.0 rolled back, then 2.4.1 failing to install
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.services.restart_count += 3
    kiosk.updater.check_trial()
    publish(sqlite_backend, key, "2.4.1")
    kiosk.installer.failing.add("2.4.1")
    assert kiosk.updater.check_for_update().problem is OfferProblem.FAILED
    # WHEN the channel goes back to 2.4.0, which failed its trial here (ignored)
    publish(sqlite_backend, key, "2.4.0")
    record = kiosk.updater.check_for_update()
    # THEN the rollback is what is left, in its own words
    assert (record.state, record.problem, record.problem_reason) == (
        UpdateState.ROLLED_BACK, OfferProblem.NONE, "")
    assert record.reason == ("rolled back to 2.3.1: the services restarted 3 times "
                             "(0 submission(s) from the trial kept)")


def test_a_postponement_is_cleared_when_the_channel_offers_nothing(
        kiosk: Kiosk, sqlite_backend, key):
    publish(sqlite_backend, key, "2.4.0")
    kiosk.services.busy_looks = 1000
    assert kiosk.updater.check_for_update().problem is OfferProblem.POSTPONED
    kiosk.updater.channel = "pilot"  # the technician moved the kiosk to an empty channel
    record = kiosk.updater.check_for_update()
    assert (record.state, record.problem, record.problem_reason) == (
        UpdateState.IDLE, OfferProblem.NONE, "")
    assert kiosk.updater.record() == record


def test_an_update_json_of_the_first_updater_is_read_and_rewritten_with_its_problem(
        kiosk: Kiosk, sqlite_backend, key):
    # GIVEN the file the first updater left: 2.4.0 rolled back, then a refusal over its words
    old = {"state": "rolled_back", "from": "2.3.1", "to": "2.4.0", "since": None,
           "deadline": None, "reason": "refused: the release is signed for channel 'pilot'",
           "baseline_faults": [], "restarts_at_switch": {"ui": 0}, "boot_id": "boot-1",
           "bad_versions": ["2.4.0"], "watched_services": ["sync", "ui"]}
    kiosk.paths.state_file.write_text(json.dumps(old))
    # THEN the refusal is known as one, the rollback's lost words as none
    record = kiosk.updater.record()
    assert (record.state, record.reason, record.problem, record.problem_reason) == (
        UpdateState.ROLLED_BACK, "", OfferProblem.REFUSED,
        "refused: the release is signed for channel 'pilot'")
    # WHEN the channel serves the release that failed here: the refusal is cleared
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    written = json.loads(kiosk.paths.state_file.read_text())
    assert (written["state"], written["problem"], written["problem_reason"]) == (
        "rolled_back", "none", "")
    assert UpdateRecord.from_json(written) == kiosk.updater.record()


def test_a_rollback_whose_carry_failed_keeps_the_trial_s_file_and_submissions_when_retried(
        kiosk: Kiosk, sqlite_backend, key, monkeypatch):
    import sync.updater as updater_module
    publish(sqlite_backend, key, "2.4.0")
    kiosk.commands.doctor["2.4.0"] = frozenset({"database"})
    kiosk.updater.check_for_update()
    during = submit_under_newer_schema(kiosk.paths.database, "TRIAL-1")
    # GIVEN a carry of the submissions that fails once
    monkeypatch.setattr(updater_module, "carry_submissions", failing_once(
        updater_module.carry_submissions, sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(sqlite3.OperationalError):
        kiosk.updater.check_trial()
    assert kiosk.updater.record().state is UpdateState.TRIAL
    # WHEN the next check retries the rollback
    kiosk.updater.check_trial()
    # THEN the submission is kept, and the trial's file is still the trial's (newer schema)
    assert kiosk.updater.record().reason == ("rolled back to 2.3.1: new doctor fault(s): "
                                             "database (1 submission(s) from the trial kept)")
    box = kiosk.outbox()
    assert box.get(during) is not None
    box.db.close()
    assert schema_of(kiosk.paths.database) == SCHEMA_VERSION
    assert schema_of(kiosk.paths.trial_copy("2.4.0")) > SCHEMA_VERSION


class CountedSource:
    """The kiosk's release source, counting the downloads it makes."""

    def __init__(self, source: BackendReleaseSource) -> None:
        self.source = source
        self.downloads: list[str] = []

    def offer(self, channel: str) -> tuple[bytes, str] | None:
        return self.source.offer(channel)

    def download(self, channel: str, target: Path, sha256: str) -> None:
        self.downloads.append(target.name)
        self.source.download(channel, target, sha256)


def counted_busy(kiosk: Kiosk) -> CountedSource:
    """The kiosk's source counting its downloads, and the kiosk busy (updates postponed)."""
    source = CountedSource(kiosk.updater.source)
    kiosk.updater.source = source
    kiosk.services.busy_looks = 1000
    return source


def downloaded(kiosk: Kiosk) -> list[str]:
    return sorted(path.name for path in (kiosk.paths.root / "downloads").iterdir())


def test_a_postponed_update_is_applied_later_without_downloading_it_again(
        kiosk: Kiosk, sqlite_backend, key):
    source = counted_busy(kiosk)
    publish(sqlite_backend, key, "2.4.0")
    # two busy runs: one download, kept verified
    for _ in range(2):
        assert kiosk.updater.check_for_update().problem is OfferProblem.POSTPONED
    assert source.downloads == ["motcua_kiosk-2.4.0-py3-none-any.whl"]
    assert downloaded(kiosk) == ["motcua_kiosk-2.4.0-py3-none-any.whl"]
    # the kiosk free: applied from the kept file, which goes once switched
    kiosk.services.busy_looks = 0
    assert kiosk.updater.check_for_update().state is UpdateState.TRIAL
    assert source.downloads == ["motcua_kiosk-2.4.0-py3-none-any.whl"]
    assert kiosk.installer.installed == ["2.4.0"] * 3  # (a postponement drops the build)
    assert downloaded(kiosk) == []


def test_a_kept_artifact_goes_when_the_channel_offers_another_release(
        kiosk: Kiosk, sqlite_backend, key):
    source = counted_busy(kiosk)
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    publish(sqlite_backend, key, "2.4.1")
    assert kiosk.updater.check_for_update().problem is OfferProblem.POSTPONED
    assert source.downloads == ["motcua_kiosk-2.4.0-py3-none-any.whl",
                                "motcua_kiosk-2.4.1-py3-none-any.whl"]
    assert downloaded(kiosk) == ["motcua_kiosk-2.4.1-py3-none-any.whl"]
    # the channel goes back to what the kiosk runs: nothing to install, nothing kept
    publish(sqlite_backend, key, "2.3.1")
    assert kiosk.updater.check_for_update().problem is OfferProblem.NONE
    assert downloaded(kiosk) == []


def test_a_kept_artifact_that_no_longer_matches_the_manifest_is_downloaded_again(
        kiosk: Kiosk, sqlite_backend, key):
    source = counted_busy(kiosk)
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kept = kiosk.paths.root / "downloads" / "motcua_kiosk-2.4.0-py3-none-any.whl"
    kept.write_bytes(b"the 2.4.0 wheeL")  # the SD card flipped a bit
    kiosk.services.busy_looks = 0
    assert kiosk.updater.check_for_update().state is UpdateState.TRIAL
    assert source.downloads == ["motcua_kiosk-2.4.0-py3-none-any.whl"] * 2
