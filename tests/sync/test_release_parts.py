"""The updater's real parts: exact command lines, and one real offline venv install."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from kiosk.release_bundle import build_bundle, lock_hashes
from sync.release_parts import (
    ReleaseProcesses,
    SystemdServices,
    VenvInstaller,
    installed_extras,
)
from sync.updater import UpdateError
from tests.tiny_wheels import lock, wheel


class FakeRun:
    """Records each command line; answers from a table of command-line beginnings (exit 0,
    no output by default)."""

    def __init__(self, answers: dict[str, tuple[int, str]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        line = " ".join(argv)
        code, out = next((answer for start, answer in self.answers.items()
                          if line.startswith(start)), (0, ""))
        return subprocess.CompletedProcess(list(argv), code, out, "boom" if code else "")


def test_systemd_services_use_systemctl_on_both_units(tmp_path: Path):
    boot = tmp_path / "boot_id"
    boot.write_text("abc\n")
    run = FakeRun({"systemctl show --property": (0, "1\n2\n"),
                   "systemctl is-active": (3, "activating\nactive\n")})
    services = SystemdServices(run=run, boot_id_file=boot)
    services.stop()
    assert services.restarts() == {"motcua-kiosk-ui.service": 1, "motcua-kiosk-sync.service": 2}
    assert services.active_units() == frozenset({"motcua-kiosk-sync.service"})
    assert services.boot_id() == "abc"
    assert run.calls[:3] == [
        ["systemctl", "stop", "motcua-kiosk-ui.service", "motcua-kiosk-sync.service"],
        ["systemctl", "show", "--property", "NRestarts", "--value",
         "motcua-kiosk-ui.service", "motcua-kiosk-sync.service"],
        ["systemctl", "is-active", "motcua-kiosk-ui.service", "motcua-kiosk-sync.service"],
    ]
    failing = SystemdServices(run=FakeRun({"systemctl start motcua-kiosk-ui.service": (5, "")}))
    with pytest.raises(UpdateError, match=r"systemctl start .*: boom"):
        failing.start()


@pytest.mark.parametrize(("status_text", "present"), [
    ("session: browsing\n", True), ("session: identified\n", True),
    ("session: idle_warning\n", True), ("session: welcome\n", False),
    ("first frame drawn\n", False), ("\n", False),  # starting, or not running
])
def test_the_ui_s_status_line_says_whether_a_citizen_is_there(status_text: str,
                                                                present: bool):
    run = FakeRun({"systemctl show --property StatusText": (0, status_text)})
    assert SystemdServices(run=run).citizen_present() is present
    assert run.calls == [["systemctl", "show", "--property", "StatusText", "--value",
                          "motcua-kiosk-ui.service"]]


def test_the_release_doctor_is_read_from_its_json(tmp_path: Path):
    answer = json.dumps([{"name": "printer", "status": "fault"},
                         {"name": "database", "status": "ok"}])
    release = tmp_path / "2.4.0"
    clean = ["env", "-u", "PYTHONPATH", "-u", "PYTHONHOME"]
    run = FakeRun({f"{' '.join(clean)} {release}/venv/bin/kiosk doctor --json": (1, answer)})
    assert ReleaseProcesses(run).doctor_faults(release) == frozenset({"printer"})
    assert run.calls == [[*clean, f"{release}/venv/bin/kiosk", "doctor", "--json"]]
    # A release that cannot even start its doctor is a failed one.
    assert ReleaseProcesses(FakeRun()).doctor_faults(release) is None


def test_root_runs_the_release_s_doctor_and_migration_as_the_kiosk_with_its_settings(
        tmp_path: Path):
    release, database = tmp_path / "2.4.0", tmp_path / "data" / "db-migrating-2.4.0.sqlite3"
    run = FakeRun()
    processes = ReleaseProcesses(run, user="motcua-kiosk", environment={
        "KIOSK_DATA_DIR": "/var/lib/motcua-kiosk", "KIOSK_CONFIG": "/etc/k.toml"})
    processes.doctor_faults(release)
    processes.migrate(release, database)
    # the kiosk's settings, and only the release's code (nothing from the caller's paths)
    as_kiosk = ["runuser", "-u", "motcua-kiosk", "--", "env", "-u", "PYTHONPATH", "-u",
                "PYTHONHOME", "KIOSK_CONFIG=/etc/k.toml", "KIOSK_DATA_DIR=/var/lib/motcua-kiosk"]
    assert run.calls[0] == [*as_kiosk, f"{release}/venv/bin/kiosk", "doctor", "--json"]
    assert run.calls[1][:len(as_kiosk) + 3] == [*as_kiosk, f"{release}/venv/bin/python", "-I",
                                                "-c"]
    assert run.calls[1][-1] == str(database)


def test_a_failed_migration_is_an_update_error_with_its_last_line(tmp_path: Path):
    run = FakeRun({"runuser -u motcua-kiosk": (1, "")})
    with pytest.raises(UpdateError, match=r"^migration: boom$"):
        ReleaseProcesses(run, user="motcua-kiosk").migrate(tmp_path, tmp_path / "db")


def tiny_wheel(folder: Path) -> Path:
    wheel = folder / "hello_release-1.0.0-py3-none-any.whl"
    info = "hello_release-1.0.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("hello_release/__init__.py", "GREETING = 'xin chào'\n")
        archive.writestr(f"{info}/METADATA",
                         "Metadata-Version: 2.1\nName: hello-release\nVersion: 1.0.0\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", f"hello_release/__init__.py,,\n{info}/METADATA,,\n"
                         f"{info}/WHEEL,,\n{info}/RECORD,,\n")
    return wheel


@pytest.mark.slow
def test_the_venv_installer_builds_a_release_offline(tmp_path: Path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    target = tmp_path / "releases" / "1.0.0"
    target.mkdir(parents=True)
    VenvInstaller().install(tiny_wheel(downloads), target)
    python = target / "venv" / "bin" / "python"
    printed = subprocess.run([str(python), "-c", "import hello_release as h; print(h.GREETING)"],
                             capture_output=True, text=True, check=True)
    assert printed.stdout == "xin chào\n"


def test_a_pip_failure_is_an_update_error_with_pips_last_line(tmp_path: Path):
    run = FakeRun({f"{tmp_path}/venv/bin/pip install --no-index": (1, "")})
    with pytest.raises(UpdateError) as error:
        VenvInstaller(python="python3", run=run).install(tmp_path / "a.whl", tmp_path)
    assert str(error.value) == "pip: boom"
    assert run.calls[1] == [f"{tmp_path}/venv/bin/pip", "install", "--no-index",
                            "--find-links", str(tmp_path), str(tmp_path / "a.whl")]


def test_a_release_venv_sees_debian_s_packages_and_the_kiosk_s_wheels(tmp_path: Path):
    run = FakeRun()
    downloads, wheels = tmp_path / "downloads", tmp_path / "wheels"
    VenvInstaller(python="python3", run=run, wheels=wheels).install(
        downloads / "a.whl", tmp_path / "2.4.0")
    venv = tmp_path / "2.4.0" / "venv"
    assert run.calls == [
        # as install-pi's venv: Debian's python3-evdev and python3-picamera2
        ["python3", "-m", "venv", "--system-site-packages", str(venv)],
        # the release's wheel, its dependencies from the wheels install-pi keeps
        [f"{venv}/bin/pip", "install", "--no-index", "--find-links", str(downloads),
         "--find-links", str(wheels), str(downloads / "a.whl")],
    ]


def test_a_release_gets_the_extras_the_kiosk_was_installed_with(tmp_path: Path):
    # GIVEN a camera kiosk that is also its point's hub (install-pi --camera --hub)
    (tmp_path / "extras").write_text("camera,backend\n")
    extras = installed_extras(tmp_path / "extras")
    run = FakeRun()
    # WHEN a release is installed
    VenvInstaller(python="python3", run=run, extras=extras).install(
        tmp_path / "a.whl", tmp_path / "2.4.0")
    # THEN its wheel is installed with them (else the update drops the reader and the hub)
    assert extras == ("camera", "backend")
    assert run.calls[1][-1] == f"{tmp_path / 'a.whl'}[camera,backend]"


def test_no_extras_file_means_none_and_a_mistyped_one_is_refused(tmp_path: Path):
    assert installed_extras(tmp_path / "extras") == ()
    (tmp_path / "extras").write_text("camera, ../evil")
    with pytest.raises(UpdateError) as error:
        installed_extras(tmp_path / "extras")
    assert str(error.value) == f"{tmp_path / 'extras'}: not an extra's name: ../evil"


class Bundle:
    """A release 2.4.0 whose bundle adds a dependency the kiosk's wheels lack, and a kiosk
    that keeps one it already had."""

    def __init__(self, root: Path) -> None:
        self.build, self.wheels = root / "build", root / "opt" / "wheels"
        for folder in (self.build / "dl", self.build / "locks", self.wheels):
            folder.mkdir(parents=True)
        self.kept = wheel(self.wheels, "kept-dep", "1.0", {"kept_dep/__init__.py": "KEPT = 1\n"})
        self.new = wheel(self.build / "dl", "new-dep", "1.0",
                         {"new_dep/__init__.py": "GREETING = 'xin chào'\n"})
        # A binary wheel for another machine: carried, but not kept by this kiosk.
        self.other = self.build / "dl" / "fast-1.0-cp311-cp311-manylinux_2_17_riscv64.whl"
        shutil.copyfile(self.new, self.other)
        self.app = wheel(self.build, "hello-release", "2.4.0",
                         {"hello_release/__init__.py":
                          "from kept_dep import KEPT\nfrom new_dep import GREETING\n"},
                         requires=("kept-dep", "new-dep"))
        self.lock = lock(self.build / "locks" / "kiosk.lock", self.kept, self.new)
        with self.lock.open("a") as text:  # as a universal lock names a machine's wheel
            text.write(f"fast==1.0 ; platform_machine == 'riscv64' \\\n"
                       f"    --hash=sha256:{sha256(self.other)}\n")
        self.artifact = root / "downloads" / "motcua-kiosk-2.4.0.release.tar"
        self.artifact.parent.mkdir()
        build_bundle(self.artifact, self.app, [self.lock], [self.build / "dl"],
                     since={"kiosk.lock": lock_hashes(f"--hash=sha256:{sha256(self.kept)}")})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bundle_installs_its_lock_with_hashes_then_the_app_and_keeps_its_wheels(
        tmp_path: Path):
    made = Bundle(tmp_path)
    run = FakeRun()
    target = tmp_path / "releases" / "2.4.0"
    target.mkdir(parents=True)

    VenvInstaller(python="python3", run=run, wheels=made.wheels, machine="x86_64").install(
        made.artifact, target)

    venv, unpacked = target / "venv", target / "bundle"
    assert run.calls == [
        ["python3", "-m", "venv", "--system-site-packages", str(venv)],
        # every dependency the signed lock's, from the bundle or the kiosk's wheels
        [f"{venv}/bin/pip", "install", "--no-index", "--find-links", f"{unpacked}/wheels",
         "--find-links", str(made.wheels), "--require-hashes", "-r",
         f"{unpacked}/locks/kiosk.lock"],
        [f"{venv}/bin/pip", "install", "--no-index", "--no-deps", "--force-reinstall",
         f"{unpacked}/app/{made.app.name}"],
    ]
    # The next bundle may leave out the new wheel: this kiosk keeps it (not the riscv64 one)
    assert sorted(path.name for path in made.wheels.iterdir()) == [made.kept.name,
                                                                   made.new.name]
    assert not unpacked.exists()
    # The lock it was installed from stays with the release (the updater prunes by it)
    assert (target / "requirements.lock").read_text() == made.lock.read_text()


def test_a_bundle_without_this_kiosk_s_lock_is_an_update_error(tmp_path: Path):
    made = Bundle(tmp_path)
    run = FakeRun()
    with pytest.raises(UpdateError) as error:
        VenvInstaller(python="python3", run=run, extras=("backend",)).install(
            made.artifact, tmp_path / "2.4.0")
    assert str(error.value) == "bundle: no kiosk-hub.lock for this kiosk's extras (backend)"
    assert len(run.calls) == 1  # the venv, no pip


@pytest.mark.slow
def test_a_release_that_adds_a_dependency_installs_it_from_its_bundle_offline(
        tmp_path: Path):
    made = Bundle(tmp_path)
    target = tmp_path / "releases" / "2.4.0"
    target.mkdir(parents=True)

    VenvInstaller(wheels=made.wheels).install(made.artifact, target)

    python = target / "venv" / "bin" / "python"
    printed = subprocess.run(
        [str(python), "-c", "import hello_release as h; print(h.GREETING, h.KEPT)"],
        capture_output=True, text=True, check=True)
    assert printed.stdout == "xin chào 1\n"


@pytest.mark.slow
def test_a_kept_wheel_that_differs_from_the_signed_lock_is_refused(tmp_path: Path):
    # GIVEN a kiosk whose kept dependency was changed on its disk after install-pi
    made = Bundle(tmp_path)
    with zipfile.ZipFile(made.kept, "a") as archive:
        archive.writestr("kept_dep/evil.py", "import os\n")
    target = tmp_path / "releases" / "2.4.0"
    target.mkdir(parents=True)

    # WHEN a bundle that relies on it is installed
    with pytest.raises(UpdateError) as error:
        VenvInstaller(wheels=made.wheels).install(made.artifact, target)

    # THEN pip refuses it by the lock's hash, and installs nothing of the release
    assert str(error.value) == (
        f"pip: a wheel differs from the release's signed lock: kept-dep==1.0 from "
        f"{made.kept.as_uri()}"), error.value
    python = target / "venv" / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import hello_release"],
                          capture_output=True, check=False).returncode == 1
