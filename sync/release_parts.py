"""The real parts of the updater: venv + pip, the release's own commands, systemd.

Each runs programs through one ``run`` callable (``subprocess.run`` in production), so the
exact command lines are tested with a recording fake, and the venv installer once for real.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kiosk.release_bundle import (
    APP_FOLDER,
    LOCKS_FOLDER,
    RELEASE_LOCK,
    WHEELS_FOLDER,
    BundleError,
    is_bundle,
    lock_name,
    unpack_bundle,
    wheel_fits,
)
from kiosk.session_status import citizen_present
from sync.updater import UpdateError

Run = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]

#: The kiosk's units (scripts/install-pi installs them); the UI first: it reports whether a
#: citizen is using the kiosk.
UNITS = ("motcua-kiosk-ui.service", "motcua-kiosk-sync.service")
#: The point's hub, on a box that is also its hub (install-pi --hub): it runs from
#: ``current`` and switches with the kiosk's units.
HUB_UNIT = "motcua-hub.service"
#: Longest wait for one pip install on a Pi (building nothing: wheels only).
INSTALL_TIMEOUT = 900
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
#: What a release runs to migrate a database file: the release's own storage code.
_MIGRATE = ("import sys, pathlib; from kiosk.storage import open_database; "
            "open_database(pathlib.Path(sys.argv[1])).close()")


def run_program(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` without a shell, capturing its output (never raises on exit status)."""
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, check=False,  # noqa: S603 - fixed programs, no shell
                              timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(list(argv), 124, "", f"timed out after "
                                           f"{INSTALL_TIMEOUT} s")
    except OSError as error:  # the program is missing or not executable
        return subprocess.CompletedProcess(list(argv), 127, "", str(error))


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


#: How pip --require-hashes says a wheel is not the one the lock names.
_HASH_MISMATCH = "DO NOT MATCH THE HASHES"
#: What an extra's name may be (pyproject.toml's optional-dependencies).
_EXTRA = re.compile(r"[a-z][a-z0-9-]*")


def installed_extras(path: Path) -> tuple[str, ...]:
    """The extras named in install-pi's ``extras`` file (comma separated; none if absent).

    UpdateError for a name that is not an extra's: a mistyped file must not make every
    update install something else."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    wrong = [name for name in names if not _EXTRA.fullmatch(name)]
    if wrong:
        raise UpdateError(f"{path}: not an extra's name: {', '.join(wrong)}")
    return names


class VenvInstaller:
    """A release is a venv built from the artifact and the wheels the kiosk keeps, offline.

    The artifact is a bundle (kiosk/release_bundle.py: the application's wheel, its locks
    and the wheels the kiosk may lack) or, in the older form, the application's wheel
    alone. ``wheels`` is the kiosk's own wheelhouse (``/opt/motcua-kiosk/wheels``: every
    locked wheel, install-pi's, then each bundle's); a bundle's dependencies are installed
    from both with ``--require-hashes`` against the bundle's signed lock for this kiosk's
    kind, and the bundle's wheels this machine runs are added to ``wheels`` (the next
    bundle may leave them out). ``extras`` are the optional parts the kiosk was installed
    with (``camera``, ``backend`` for a hub: install-pi writes them to
    ``/opt/motcua-kiosk/extras``): each release gets them too (their lock, for a bundle),
    or an update would drop a camera kiosk's reader or a hub's server.
    """

    def __init__(self, python: str = sys.executable, run: Run = run_program,
                 wheels: Path | None = None, extras: Sequence[str] = (),
                 machine: str = platform.machine()) -> None:
        self.python = python
        self.run = run
        self.wheels = wheels
        self.extras = tuple(extras)
        self.machine = machine

    def install(self, artifact: Path, target: Path) -> None:
        """``python -m venv target/venv`` then ``pip install --no-index`` the artifact."""
        venv = target / "venv"
        # --system-site-packages, as install-pi's: Debian's python3-evdev (keyboard
        # scanners) and python3-picamera2 are not on PyPI as wheels.
        self._must([self.python, "-m", "venv", "--system-site-packages", str(venv)])
        pip = [str(venv / "bin" / "pip"), "install", "--no-index"]
        if not is_bundle(artifact.name):
            # --no-index: only the release's own wheels, never the network (docs/updates.md).
            self._must([*pip, *self._find_links(artifact.parent),
                        f"{artifact}[{','.join(self.extras)}]" if self.extras
                        else str(artifact)])
            return
        unpacked = target / "bundle"
        try:
            contents = unpack_bundle(artifact, unpacked)
            lock = lock_name(self.extras)
        except (BundleError, OSError, UnicodeDecodeError) as error:
            raise UpdateError(f"bundle: {error}") from None
        if lock not in contents.locks:
            raise UpdateError(f"bundle: no {lock} for this kiosk's extras "
                              f"({', '.join(self.extras) or 'none'})")
        try:
            # Exactly the signed lock's versions and hashes, wherever a wheel comes from.
            self._must([*pip, *self._find_links(unpacked / WHEELS_FOLDER), "--require-hashes",
                        "-r", str(unpacked / LOCKS_FOLDER / lock)])
            # Its dependencies are the lock's (and its extras' too): nothing else resolved.
            # --force-reinstall, as install-pi's: the same version seen elsewhere on the
            # path (Debian's site packages, a source tree's metadata) must not stand in.
            self._must([*pip, "--no-deps", "--force-reinstall",
                        str(unpacked / APP_FOLDER / contents.app)])
            self._keep_wheels(unpacked / WHEELS_FOLDER, contents.wheels)
            # Which wheels this release needs, for the updater's pruning at keep.
            shutil.copyfile(unpacked / LOCKS_FOLDER / lock, target / RELEASE_LOCK)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)

    def _find_links(self, first: Path) -> list[str]:
        folders = [first] if self.wheels is None else [first, self.wheels]
        return [option for folder in folders for option in ("--find-links", str(folder))]

    def _keep_wheels(self, folder: Path, names: Sequence[str]) -> None:
        """Add the bundle's wheels for this machine to the kiosk's wheelhouse."""
        if self.wheels is None:
            return
        self.wheels.mkdir(parents=True, exist_ok=True)
        for name in names:
            if wheel_fits(name, self.machine):
                temporary = self.wheels / f".{name}.tmp"
                shutil.copyfile(folder / name, temporary)
                temporary.replace(self.wheels / name)  # never a half-copied wheel

    def _must(self, argv: list[str]) -> None:
        result = self.run(argv)
        if result.returncode == 0:
            return
        output = f"{result.stdout}\n{result.stderr}"
        if _HASH_MISMATCH in output:
            # pip's last line is then a bare digest: name the wheel instead.
            which = next((line.strip().split(" (from ")[0].rstrip(":")
                          for line in output.splitlines() if " from " in line and "==" in line),
                         "?")
            raise UpdateError(f"pip: a wheel differs from the release's signed lock: {which}")
        raise UpdateError(f"{Path(argv[0]).name}: {_last_line(result)}")


class ReleaseProcesses:
    """An installed release's commands, run from its own venv as the kiosk runs them.

    The update unit is root; the release's doctor and migration run as ``user`` (the owner
    of the data directory, in production) with the kiosk's settings (``KIOSK_DATA_DIR``,
    ``KIOSK_CONFIG``) and without the caller's ``PYTHONPATH``/``PYTHONHOME``, so they see
    what the kiosk's services see (device access included) and every file they create in
    the data directory is the kiosk user's. ``user`` None: run as ourselves (tests, a
    developer's machine).
    """

    def __init__(self, run: Run = run_program, *, user: str | None = None,
                 environment: Mapping[str, str] | None = None) -> None:
        self.run = run
        self.user = user
        self.environment = dict(environment or {})

    def _as_kiosk(self, argv: Sequence[str]) -> list[str]:
        settings = [f"{name}={value}" for name, value in sorted(self.environment.items())]
        prefix = ["runuser", "-u", self.user, "--"] if self.user is not None else []
        # Only the release's own code: no PYTHONPATH or PYTHONHOME from the caller.
        return [*prefix, "env", "-u", "PYTHONPATH", "-u", "PYTHONHOME", *settings, *argv]

    def migrate(self, release: Path, database: Path) -> None:
        """The release opens (and so migrates) ``database``."""
        # -I: isolated, so `python -c` does not put the working directory first on sys.path
        # (run by hand from a source tree, that tree's kiosk would migrate, not the release).
        result = self.run(self._as_kiosk([str(release / "venv" / "bin" / "python"), "-I",
                                          "-c", _MIGRATE, str(database)]))
        if result.returncode != 0:
            raise UpdateError(f"migration: {_last_line(result)}")

    def doctor_faults(self, release: Path) -> frozenset[str] | None:
        """The checks in fault per ``kiosk doctor --json``; None when it did not answer."""
        result = self.run(self._as_kiosk([str(release / "venv" / "bin" / "kiosk"), "doctor",
                                          "--json"]))
        try:
            checks = json.loads(result.stdout)
            return frozenset(str(check["name"]) for check in checks
                             if check["status"] == "fault")
        except (ValueError, TypeError, KeyError):
            return None


class SystemdServices:
    """The kiosk's units through ``systemctl``."""

    def __init__(self, units: Sequence[str] = UNITS, run: Run = run_program,
                 boot_id_file: Path = BOOT_ID) -> None:
        self.units = tuple(units)
        self.run = run
        self.boot_id_file = boot_id_file

    def stop(self) -> None:
        """``systemctl stop`` every unit."""
        self._must(["systemctl", "stop", *self.units])

    def start(self) -> None:
        """``systemctl start`` every unit (from what ``current`` points at)."""
        self._must(["systemctl", "start", *self.units])

    def restarts(self) -> dict[str, int]:
        """systemd's NRestarts of each unit."""
        return {unit: int(value or 0)
                for unit, value in zip(self.units, self._show("NRestarts"), strict=False)}

    def watchdog_fired(self) -> bool:
        """Whether a unit's last result was a watchdog stop."""
        return "watchdog" in self._show("Result")

    def active_units(self) -> frozenset[str]:
        """The units ``systemctl is-active`` says are active (one answer line per unit)."""
        answers = self.run(["systemctl", "is-active", *self.units]).stdout.split()
        return frozenset(unit for unit, answer in zip(self.units, answers, strict=False)
                         if answer == "active")

    def boot_id(self) -> str:
        """The kernel's id of this boot."""
        return self.boot_id_file.read_text().strip()

    def citizen_present(self) -> bool:
        """Whether the UI's status line says a citizen is using it (kiosk/session_status)."""
        result = self.run(["systemctl", "show", "--property", "StatusText", "--value",
                           self.units[0]])
        return citizen_present(result.stdout.strip())

    def _show(self, prop: str) -> list[str]:
        result = self.run(["systemctl", "show", "--property", prop, "--value", *self.units])
        return result.stdout.split()

    def _must(self, argv: list[str]) -> None:
        result = self.run(argv)
        if result.returncode != 0:
            raise UpdateError(f"{' '.join(argv)}: {_last_line(result)}")
