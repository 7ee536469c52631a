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
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, root / "etc/systemd/system" / unit.name)
    command = root / "opt/motcua-kiosk/venv/bin/kiosk"
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    names = sorted(f"/etc/systemd/system/{unit.name}" for unit in UNITS.glob("*.service"))
    assert len(names) == 4
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
