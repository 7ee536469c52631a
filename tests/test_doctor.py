"""Diagnosis: each fault named with its fix; the command exits non-zero on any fault."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from kiosk.clock import HANOI
from kiosk.config import Config, load_config
from kiosk.doctor import (
    Check,
    CheckStatus,
    check_clock,
    check_data_dir,
    check_library,
    mount_of,
    run_checks,
)
from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from tests.conftest import Result

MOUNTS = """\
/dev/root / ext4 rw,noatime 0 0
tmpfs /run tmpfs rw 0 0
overlay /var overlay rw 0 0
/dev/mmcblk0p3 /var/lib/motcua-kiosk ext4 rw 0 0
"""


def config_in(tmp_path: Path) -> Config:
    return load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})


def test_the_longest_mount_prefix_holds_a_path() -> None:
    assert mount_of(Path("/var/lib/motcua-kiosk/x"), MOUNTS) == ("/var/lib/motcua-kiosk", "ext4")
    assert mount_of(Path("/var/lib/other"), MOUNTS) == ("/var", "overlay")
    assert mount_of(Path("/run/kiosk"), MOUNTS) == ("/run", "tmpfs")
    assert mount_of(Path("/home/x"), MOUNTS) == ("/", "ext4")


def test_a_data_directory_on_a_ram_overlay_is_a_fault(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    mounts = f"/dev/root / ext4 rw 0 0\noverlay {tmp_path} overlay rw 0 0\n"
    check = check_data_dir(config, mounts)
    assert check.status is CheckStatus.FAULT
    assert check.detail == (
        f"{tmp_path / 'data'} is on overlay ({tmp_path}): every submission would be lost at reboot"
    )
    assert "persistent storage" in check.fix
    assert check_data_dir(config, "/dev/root / ext4 rw 0 0\n").status is CheckStatus.OK


def test_a_clock_in_1970_is_a_fault_with_its_fix() -> None:
    check = check_clock(dt.datetime(1970, 1, 1, 7, 0, tzinfo=HANOI))
    assert (check.status, check.detail) == (
        CheckStatus.FAULT, "the clock reads 1970-01-01 07:00, before this release existed",
    )
    assert check.fix.startswith("connect the network so NTP can set it")
    assert check_clock(dt.datetime(2026, 12, 1, tzinfo=HANOI)).status is CheckStatus.OK


def test_a_missing_library_names_the_package() -> None:
    missing = check_library("QR decoder library", "no-such-library-xyz", "libzbar0")
    assert (missing.status, missing.fix) == (CheckStatus.FAULT, "apt-get install libzbar0")


def test_failed_submissions_are_listed_with_their_reasons(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    db = open_database(config.database_path)
    outbox = Outbox(db, kiosk_id="DEMO-K1", queue_prefix="1")
    failed = outbox.create(RatingRequest(RatingLevel.SATISFIED))
    outbox.create(RatingRequest(RatingLevel.ACCEPTABLE))
    outbox.mark_failed(failed.uuid, "400: schema version 0 unknown")
    db.close()
    checks = {check.name: check for check in run_checks(config)}
    assert checks["outbox"] == Check(
        "outbox", CheckStatus.WARNING,
        "1 pending, 0 sent, 1 failed: 400: schema version 0 unknown",
        "fix the cause, then kiosk sync retry-failed",
    )
    assert checks["catalog"].status is CheckStatus.FAULT


def test_a_check_source_that_raises_becomes_a_fault(tmp_path: Path) -> None:
    def broken(config: Config) -> Iterable[Check]:
        raise RuntimeError("printer driver exploded")

    checks = run_checks(config_in(tmp_path), [broken])
    assert checks[-1].status is CheckStatus.FAULT
    assert checks[-1].detail == "the check itself failed: printer driver exploded"


def test_an_unconfigured_kiosk_has_faults_and_doctor_exits_non_zero(
    kiosk: Callable[..., Result],
) -> None:
    unconfigured = kiosk("doctor", "--json")
    assert unconfigured.status == 1
    faults = {c["name"] for c in unconfigured.json() if c["status"] == "fault"}
    assert faults == {"kiosk identity", "catalog", "city backend", "sealing key"}
    backend = next(c for c in unconfigured.json() if c["name"] == "city backend")
    assert backend["detail"] == "sync.backend_url is not set: nothing is delivered"
    assert backend["fix"] == "kiosk provision --backend URL --token TOKEN"
