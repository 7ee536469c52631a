"""The updater with its real parts (venv + pip offline, the release's own doctor and
migration run as the kiosk user through runuser) on tiny release wheels; only systemd and
the city are fakes. Root only (runuser, chown), slow (two venvs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pwd
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.catalog import import_catalog
from kiosk.clock import HANOI
from kiosk.release_bundle import build_bundle, lock_hashes, unpack_bundle
from kiosk.release_signature import ReleaseKeyPair, generate_key_pair, sign
from kiosk.storage import open_database
from kiosk.submissions import Outbox, QueueTicketRequest
from kiosk.update_policy import OfferProblem, TrialVerdict, UpdateState
from sync.release_parts import ReleaseProcesses, VenvInstaller
from sync.updater import UpdatePaths, Updater
from tests.conftest import catalog_bytes
from tests.tiny_wheels import lock, wheel

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                                 reason="runs the release as another user: root only")]

NOBODY = 65534
START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 12, 7, 8, 0, tzinfo=HANOI)

#: The release's storage: "migrates" by recording its version and who ran it.
STORAGE = '''\
import os, sqlite3
VERSION = {version!r}
def open_database(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS migrated (version TEXT, uid INTEGER)")
    conn.execute("INSERT INTO migrated VALUES (?, ?)", [VERSION, os.geteuid()])
    conn.commit()
    return conn
'''
#: The release's `kiosk doctor --json`: a fault when run as root or without the data dir.
CLI = '''\
import json, os, sys
import motcua_fake_dep
def main():
    assert sys.argv[1:] == ["doctor", "--json"], sys.argv
    faults = BROKEN
    if os.geteuid() == 0:
        faults.append("run as root")
    if not os.environ.get("KIOSK_DATA_DIR"):
        faults.append("no data directory")
    print(json.dumps([{"name": f, "status": "fault"} for f in faults]
                     + [{"name": "software", "status": "ok"}]))
'''


def release_wheel(folder: Path, version: str, broken: tuple[str, ...] = ()) -> Path:
    return wheel(folder, "motcua-kiosk", version,
                 {"kiosk/__init__.py": "", "kiosk/storage.py": STORAGE.format(version=version),
                  "kiosk/cli.py": CLI.replace("BROKEN", repr(list(broken)))},
                 requires=("motcua-fake-dep",), scripts="kiosk = kiosk.cli:main")


class Source:
    """The channel: one signed release."""

    def __init__(self, artifact: Path, key: str, version: str | None = None) -> None:
        self.artifact = artifact
        version = version or artifact.name.split("-")[1]
        data = artifact.read_bytes()
        self.manifest = json.dumps({
            "format": "motcua-release/1", "version": version, "channel": "stable",
            "artifact": {"name": artifact.name, "sha256": hashlib.sha256(data).hexdigest(),
                         "size": len(data)},
            "schema": {"min": 0, "max": 99},
            "created_at": "2026-12-07T09:00:00+07:00"}).encode()
        self.signature = sign(self.manifest, key)

    def offer(self, channel: str) -> tuple[bytes, str] | None:
        return self.manifest, self.signature

    def download(self, channel: str, target: Path, sha256: str) -> None:
        shutil.copyfile(self.artifact, target)


class Services:
    """systemd, faked: both services run; nobody at the kiosk."""

    def stop(self) -> None: ...
    def start(self) -> None: ...
    def restarts(self) -> dict[str, int]:
        return {"ui": 0, "sync": 0}
    def watchdog_fired(self) -> bool:
        return False
    def active_units(self) -> frozenset[str]:
        return frozenset({"ui", "sync"})
    def boot_id(self) -> str:
        return "boot-1"
    def citizen_present(self) -> bool:
        return False


@pytest.fixture
def world() -> Iterator[Path]:
    """A folder the kiosk user can reach (pytest's own is root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="motcua-update-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base)


@dataclass
class Kiosk:
    root: Path
    data: Path
    build: Path
    installer: VenvInstaller
    key: ReleaseKeyPair
    now: list[dt.datetime]

    @property
    def live(self) -> Path:
        return self.data / "kiosk.sqlite3"

    def updater(self, release: Path | Source) -> Updater:
        source = release if isinstance(release, Source) else Source(release, self.key.private)
        return Updater(
            UpdatePaths(root=self.root, database=self.live), channel="stable",
            trusted_keys=[self.key.public], source=source,
            installer=self.installer,
            commands=ReleaseProcesses(user=pwd.getpwuid(NOBODY).pw_name,
                                      environment={"KIOSK_DATA_DIR": str(self.data)}),
            services=Services(), clock=lambda: self.now[0])

    def owners(self) -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_uid, p.stat().st_gid) for p in self.data.iterdir()}


@pytest.fixture
def kiosk(world: Path, small_catalog) -> Kiosk:
    """A kiosk running 0.1.0 from a venv, its locked wheels kept beside, its database (the
    kiosk's real schema, one submission) in a data directory the kiosk user owns."""
    root, data, build = world / "opt", world / "data", world / "build"
    for folder in (root / "wheels", data, build):
        folder.mkdir(parents=True)
    wheel(root / "wheels", "motcua-fake-dep", "1.0",
          {"motcua_fake_dep/__init__.py": "DEP = 1\n"})
    installer = VenvInstaller(wheels=root / "wheels")
    (root / "releases" / "0.1.0").mkdir(parents=True)
    installer.install(release_wheel(build, "0.1.0"), root / "releases" / "0.1.0")
    (root / "current").symlink_to("releases/0.1.0")
    (root / "known-good").symlink_to("releases/0.1.0")
    made = Kiosk(root, data, build, installer, generate_key_pair(), [START])
    db = open_database(made.live)
    import_catalog(db, catalog_bytes(small_catalog))
    box = Outbox(db, kiosk_id="K-1", queue_prefix="1")
    box.create(QueueTicketRequest(service="A"), now=MORNING)
    db.close()
    for path in (data, *data.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    return made


def test_a_real_release_is_installed_offline_migrated_and_judged_as_the_kiosk_user(
        kiosk: Kiosk) -> None:
    # GIVEN 0.2.0 signed on the kiosk's channel
    updater = kiosk.updater(release_wheel(kiosk.build, "0.2.0"))

    # WHEN the update unit's run applies it
    record = updater.check_for_update()

    # THEN it is in trial from its own venv, migrated by its own code as the kiosk user,
    # and every file in the data directory is still the kiosk user's
    assert (record.state, record.reason) == (UpdateState.TRIAL, "trial of 0.2.0")
    assert record.baseline_faults == []  # 0.1.0's doctor ran as the kiosk user
    assert (kiosk.root / "current").readlink() == Path("releases/0.2.0")
    with sqlite3.connect(kiosk.live) as conn:
        assert conn.execute("SELECT version, uid FROM migrated").fetchall() == [
            ("0.2.0", NOBODY)]
    assert set(kiosk.owners().values()) == {(NOBODY, NOBODY)}, kiosk.owners()
    assert list((kiosk.root / "downloads").iterdir()) == []
    # AND at the deadline its doctor (as the kiosk user) keeps it
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    judgement = updater.check_trial()
    assert judgement is not None
    assert judgement.verdict is TrialVerdict.KEEP
    assert (kiosk.root / "known-good").readlink() == Path("releases/0.2.0")


def test_a_real_broken_release_is_rolled_back_and_the_kiosk_user_keeps_its_files(
        kiosk: Kiosk) -> None:
    updater = kiosk.updater(release_wheel(kiosk.build, "0.2.0", broken=("database",)))
    assert updater.check_for_update().state is UpdateState.TRIAL

    judgement = updater.check_trial()

    assert judgement is not None
    assert (judgement.verdict, judgement.reason) == (
        TrialVerdict.ROLL_BACK, "new doctor fault(s): database")
    assert (kiosk.root / "current").readlink() == Path("releases/0.1.0")
    assert (kiosk.root / "known-good").readlink() == Path("releases/0.1.0")
    with sqlite3.connect(kiosk.live) as conn:  # the copy from before the migration
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'migrated'"
                            ).fetchall() == []
    box = Outbox(open_database(kiosk.live), kiosk_id="K-1", queue_prefix="1")
    assert len(box.list()) == 1
    box.db.close()
    assert "db-trial-0.2.0.sqlite3" in kiosk.owners()
    assert set(kiosk.owners().values()) == {(NOBODY, NOBODY)}, kiosk.owners()


def bundle_with_a_new_dependency(kiosk: Kiosk) -> Path:
    """0.2.0 as a bundle: its code needs motcua-new-dep, which the kiosk's wheels lack; built
    since 0.1.0's lock, so it carries that wheel only (motcua-fake-dep is the kiosk's)."""
    build = kiosk.build / "0.2.0"
    (build / "dl").mkdir(parents=True)
    app = wheel(build, "motcua-kiosk", "0.2.0",
                {"kiosk/__init__.py": "", "kiosk/storage.py": STORAGE.format(version="0.2.0"),
                 "kiosk/cli.py": "import motcua_new_dep\n" + CLI.replace("BROKEN", "[]")},
                requires=("motcua-fake-dep", "motcua-new-dep"), scripts="kiosk = kiosk.cli:main")
    new = wheel(build / "dl", "motcua-new-dep", "1.0", {"motcua_new_dep/__init__.py": ""})
    kept = next((kiosk.root / "wheels").glob("motcua_fake_dep-*.whl"))
    shutil.copyfile(kept, build / "dl" / kept.name)  # as pip download fetches every locked one
    older = lock(build / "kiosk-0.1.0.lock", kept)  # what install-pi installed
    bundle = build / "motcua-kiosk-0.2.0.release.tar"
    build_bundle(bundle, app, [lock(build / "kiosk.lock", kept, new)], [build / "dl"],
                 since={"kiosk.lock": lock_hashes(older.read_text())})
    return bundle


def test_a_release_that_adds_a_dependency_brings_it_and_runs_offline(kiosk: Kiosk) -> None:
    # GIVEN 0.2.0, whose bundle carries the one wheel the kiosk lacks
    bundle = bundle_with_a_new_dependency(kiosk)
    assert unpack_bundle(bundle, kiosk.build / "look").wheels == (
        "motcua_new_dep-1.0-py3-none-any.whl",)
    updater = kiosk.updater(Source(bundle, kiosk.key.private, version="0.2.0"))

    # WHEN the update unit's run applies it (pip --no-index: no network)
    record = updater.check_for_update()

    # THEN it runs: its doctor, which imports the new dependency, answers as the kiosk user
    assert (record.state, record.reason) == (UpdateState.TRIAL, "trial of 0.2.0"), record
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    judgement = updater.check_trial()
    assert judgement is not None
    assert judgement.verdict is TrialVerdict.KEEP, judgement
    # AND the kiosk keeps the new wheel for the next bundle, which may leave it out
    assert sorted(path.name for path in (kiosk.root / "wheels").iterdir()) == [
        "motcua_fake_dep-1.0-py3-none-any.whl", "motcua_new_dep-1.0-py3-none-any.whl"]
    assert not (kiosk.root / "releases" / "0.2.0" / "bundle").exists()


def test_a_bundle_with_a_tampered_wheel_is_refused_before_anything_is_installed(
        kiosk: Kiosk) -> None:
    # GIVEN 0.2.0 signed, then one wheel inside its bundle changed on the way
    bundle = bundle_with_a_new_dependency(kiosk)
    source = Source(bundle, kiosk.key.private, version="0.2.0")
    data = bundle.read_bytes()
    marker = data.index(b"motcua_new_dep/__init__.py")
    tampered = kiosk.build / "tampered" / bundle.name
    tampered.parent.mkdir()
    tampered.write_bytes(data[:marker] + b"X" + data[marker + 1:])
    source.artifact = tampered

    record = kiosk.updater(source).check_for_update()

    assert record.state is UpdateState.IDLE
    assert (record.problem, record.problem_reason) == (
        OfferProblem.FAILED,
        "download of 0.2.0 failed: motcua-kiosk-0.2.0.release.tar's SHA-256 differs "
        "from the manifest's: refused")
    assert (kiosk.root / "current").readlink() == Path("releases/0.1.0")
    assert sorted(path.name for path in (kiosk.root / "releases").iterdir()) == ["0.1.0"]
    assert sorted(path.name for path in (kiosk.root / "wheels").iterdir()) == [
        "motcua_fake_dep-1.0-py3-none-any.whl"]
