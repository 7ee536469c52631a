"""The systemd units: systemd-analyze verify accepts them without a warning."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parent.parent / "systemd"
KIOSK_UNITS = ("motcua-kiosk-ui.service", "motcua-kiosk-sync.service")


def read_unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name)
    return parser


def test_systemd_analyze_verify_passes_without_warnings(tmp_path: Path) -> None:
    # GIVEN an image root holding systemd's own units, our units and the kiosk command
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    ours = [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]
    for unit in ours:
        shutil.copy(unit, root / "etc/systemd/system" / unit.name)
    for link in ("venv", "current/venv", "known-good/venv"):  # the server's, the kiosk's
        command = root / "opt/motcua-kiosk" / link / "bin/kiosk"
        command.parent.mkdir(parents=True)
        command.write_text("#!/bin/sh\n")
        command.chmod(0o755)
    names = sorted(f"/etc/systemd/system/{unit.name}" for unit in ours)
    assert len(names) == 6
    # WHEN systemd checks them THEN it accepts them and has nothing to say
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", *names],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


@pytest.mark.parametrize("name", KIOSK_UNITS)
def test_kiosk_services_are_watched_restarted_and_confined(name: str) -> None:
    unit = read_unit(name)
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never left dead
    assert service["User"] == "motcua-kiosk"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/motcua-kiosk"
    assert service["PrivateTmp"] == "yes"
    assert "\nEnvironment=KIOSK_DATA_DIR=/var/lib/motcua-kiosk\n" in (UNITS / name).read_text()


def test_the_hub_restarts_at_once_and_writes_only_its_own_directory() -> None:
    unit = read_unit("motcua-hub.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("kiosk hub serve --host 0.0.0.0 --port 8770")
    assert (service["Restart"], unit["Unit"]["StartLimitIntervalSec"]) == ("always", "0")
    assert (service["User"], service["StateDirectory"]) == ("motcua-hub", "motcua-hub")
    assert service["ReadWritePaths"] == "/var/lib/motcua-hub"
    assert service["ProtectSystem"] == "strict"
    assert "\nEnvironment=KIOSK_HUB_HOME=/var/lib/motcua-hub\n" in (
        UNITS / "motcua-hub.service").read_text()
    # not the kiosk's data directory: the kiosk user's alone
    assert "\nEnvironment=KIOSK_DATA_DIR=/var/lib/motcua-hub\n" in (
        UNITS / "motcua-hub.service").read_text()


@pytest.mark.parametrize("name", KIOSK_UNITS)
def test_the_kiosk_s_services_run_the_release_current_points_at(name: str) -> None:
    command = read_unit(name)["Service"]["ExecStart"]
    assert command.startswith("/opt/motcua-kiosk/current/venv/bin/kiosk ")


def test_the_hub_runs_the_release_in_trial_with_the_kiosk() -> None:
    # the updater switches, judges and rolls it back with the kiosk, its database too
    command = read_unit("motcua-hub.service")["Service"]["ExecStart"]
    assert command.startswith("/opt/motcua-kiosk/current/venv/bin/kiosk hub serve")


def test_the_update_unit_runs_as_root_from_the_last_kept_release_with_the_kiosk_s_data() -> None:
    unit = read_unit("motcua-kiosk-update.service")
    service = unit["Service"]
    assert (service["Type"], service["User"]) == ("oneshot", "root")
    # not `current`: a release in trial must not be the one judging itself
    assert service["ExecStart"] == "/opt/motcua-kiosk/known-good/venv/bin/kiosk update check"
    assert service["Environment"] == "KIOSK_DATA_DIR=/var/lib/motcua-kiosk"
    # one run installs (two pip steps of at most 15 min each), waits up to 10 min for nobody
    # to be at the kiosk and watches the 5 min trial
    assert service["TimeoutStartSec"] == "60min"
    assert "Restart" not in service  # the timer runs it again; a loop would fight the trial
    assert unit["Unit"]["After"] == ("network-online.target var-lib-motcua\\x2dkiosk.mount "
                                     "opt-motcua\\x2dkiosk.mount")


def test_the_update_timer_looks_every_15_minutes_and_soon_after_boot() -> None:
    timer = read_unit("motcua-kiosk-update.timer")
    assert timer["Timer"]["OnBootSec"] == "2min"  # a trial cut by a reboot is judged then
    assert timer["Timer"]["OnUnitInactiveSec"] == "15min"
    assert timer["Timer"]["RandomizedDelaySec"] == "5min"
    assert timer["Install"]["WantedBy"] == "timers.target"
