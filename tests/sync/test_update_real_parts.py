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
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.release_signature import generate_key_pair, sign
from kiosk.update_policy import TrialVerdict, UpdateState
from sync.release_parts import ReleaseProcesses, VenvInstaller
from sync.updater import UpdatePaths, Updater

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                                 reason="runs the release as another user: root only")]

NOBODY = 65534
START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)

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
    faults = []
    if os.geteuid() == 0:
        faults.append("run as root")
    if not os.environ.get("KIOSK_DATA_DIR"):
        faults.append("no data directory")
    print(json.dumps([{"name": f, "status": "fault"} for f in faults]
                     + [{"name": "software", "status": "ok"}]))
'''


def wheel(folder: Path, name: str, version: str, files: dict[str, str],
          requires: tuple[str, ...] = (), scripts: str = "") -> Path:
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-py3-none-any.whl"
    info = f"{dist}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    contents = {**files, f"{info}/METADATA": metadata,
                f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                 "Tag: py3-none-any\n"}
    if scripts:
        contents[f"{info}/entry_points.txt"] = f"[console_scripts]\n{scripts}\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in contents.items():
            archive.writestr(member, text)
        archive.writestr(f"{info}/RECORD", "".join(f"{m},,\n" for m in contents)
                         + f"{info}/RECORD,,\n")
    return path


def release_wheel(folder: Path, version: str) -> Path:
    return wheel(folder, "motcua-kiosk", version,
                 {"kiosk/__init__.py": "", "kiosk/storage.py": STORAGE.format(version=version),
                  "kiosk/cli.py": CLI},
                 requires=("motcua-fake-dep",), scripts="kiosk = kiosk.cli:main")


class Source:
    """The channel: one signed release."""

    def __init__(self, artifact: Path, key: str) -> None:
        self.artifact = artifact
        version = artifact.name.split("-")[1]
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

    def download(self, channel: str, target: Path) -> None:
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


def test_a_real_release_is_installed_offline_migrated_and_judged_as_the_kiosk_user(
        world: Path) -> None:
    # GIVEN a kiosk running 0.1.0 from a venv, its locked wheels kept beside, its data
    # directory the kiosk user's, and 0.2.0 signed on its channel
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
    live = data / "kiosk.sqlite3"
    sqlite3.connect(live).close()
    for path in (data, live):
        os.chown(path, NOBODY, NOBODY)
    key = generate_key_pair()
    now = [START]
    updater = Updater(
        UpdatePaths(root=root, database=live), channel="stable", trusted_keys=[key.public],
        source=Source(release_wheel(build, "0.2.0"), key.private), installer=installer,
        commands=ReleaseProcesses(user=pwd.getpwuid(NOBODY).pw_name,
                                  environment={"KIOSK_DATA_DIR": str(data)}),
        services=Services(), clock=lambda: now[0])

    # WHEN the update unit's run applies it
    record = updater.check_for_update()

    # THEN it is in trial from its own venv, migrated by its own code as the kiosk user,
    # and every file in the data directory is still the kiosk user's
    assert (record.state, record.reason) == (UpdateState.TRIAL, "trial of 0.2.0")
    assert record.baseline_faults == []  # 0.1.0's doctor ran as the kiosk user
    assert (root / "current").readlink() == Path("releases/0.2.0")
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT version, uid FROM migrated").fetchall() == [
            ("0.2.0", NOBODY)]
    owners = {p.name: (p.stat().st_uid, p.stat().st_gid) for p in data.iterdir()}
    assert set(owners.values()) == {(NOBODY, NOBODY)}, owners
    assert list((root / "downloads").iterdir()) == []
    # AND at the deadline its doctor (as the kiosk user) keeps it
    now[0] = START + dt.timedelta(minutes=5)
    judgement = updater.check_trial()
    assert judgement is not None
    assert judgement.verdict is TrialVerdict.KEEP
    assert (root / "known-good").readlink() == Path("releases/0.2.0")

