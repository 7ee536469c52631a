"""Diagnosis: each fault named with its fix; the command exits non-zero on any fault."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from kiosk.clock import HANOI
from kiosk.config import Config, load_config
from kiosk.doctor import (
    Check,
    CheckStatus,
    check_clock,
    check_data_dir,
    check_library,
    mount_of,
    mount_table,
    mounted_file_system,
    run_checks,
)
from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.storage import SCHEMA_VERSION, open_database
from kiosk.submissions import Outbox
from tests.conftest import Result, on_persistent_disk
from tests.damaged_databases import damage_a_page_of_submissions, fill

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
    check = check_data_dir(config, mount_table(mounts))
    assert check.status is CheckStatus.FAULT
    assert check.detail == (
        f"{tmp_path / 'data'} is on overlay ({tmp_path}): every submission would be lost at reboot"
    )
    assert "persistent storage" in check.fix
    assert check_data_dir(config, mount_table("/dev/root / ext4 rw 0 0\n")).status is CheckStatus.OK


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
    checks = {check.name: check for check in run_checks(config, file_system=on_persistent_disk)}
    assert checks["outbox"] == Check(
        "outbox", CheckStatus.WARNING,
        "1 pending, 0 sent, 1 failed: 400: schema version 0 unknown",
        "fix the cause, then kiosk sync retry-failed",
    )
    assert checks["catalog"].status is CheckStatus.FAULT


def test_a_check_source_that_raises_becomes_a_fault(tmp_path: Path) -> None:
    def broken(config: Config) -> Iterable[Check]:
        raise RuntimeError("printer driver exploded")

    checks = run_checks(config_in(tmp_path), [broken], file_system=on_persistent_disk)
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
    assert backend["detail"] == "not enrolled: sync.backend_url is not set, nothing is delivered"
    identity = next(c for c in unconfigured.json() if c["name"] == "kiosk identity")
    assert identity["detail"] == (
        "not enrolled: kiosk.id, sync.backend_url, sync.token not set; waiting for "
        "'kiosk provision --backend URL --token TOKEN'; kiosk.commune_code is 0: the ward "
        "this kiosk serves is not set")
    last_sync = next(c for c in unconfigured.json() if c["name"] == "last sync")
    assert (last_sync["status"], last_sync["detail"]) == (
        "warning", "never: the kiosk is not enrolled")
    assert identity["fix"] == ("kiosk provision --backend URL --token TOKEN and kiosk config "
                               "set kiosk.commune_code WARD_CODE (docs/install.md, site settings)")
    assert backend["fix"] == "kiosk provision --backend URL --token TOKEN"


# -- where the data directory lives ---------------------------------------------------------

ON_TMPFS = "/dev/root / ext4 rw 0 0\ntmpfs {} tmpfs rw 0 0\n"


def test_the_real_lookup_reads_this_machine_s_mounts_table() -> None:
    # Linux always mounts procfs at /proc: the real lookup must find it there.
    assert mounted_file_system(Path("/proc/self")) == ("/proc", "proc")


@pytest.mark.skipif(
    mount_of(Path("/dev/shm"), Path("/proc/self/mounts").read_text())[1] != "tmpfs",
    reason="this machine has no tmpfs at /dev/shm",
)
def test_the_real_check_calls_a_data_directory_on_tmpfs_volatile() -> None:
    # GIVEN a data directory really on tmpfs (/dev/shm), checked with the real lookup
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        config = config_in(Path(shm))
        check = check_data_dir(config)
    # THEN it is a fault: its contents would vanish at reboot
    assert check.status is CheckStatus.FAULT
    assert check.detail.endswith("every submission would be lost at reboot")
    assert " is on tmpfs (" in check.detail


def test_a_volatile_data_directory_still_has_its_database_catalog_and_outbox_checked(
    tmp_path: Path,
) -> None:
    # GIVEN a data directory on tmpfs holding two unsent submissions
    config = config_in(tmp_path)
    db = open_database(config.database_path)
    outbox = Outbox(db, kiosk_id="DEMO-K1", queue_prefix="1")
    outbox.create(RatingRequest(RatingLevel.SATISFIED))
    outbox.create(RatingRequest(RatingLevel.ACCEPTABLE))
    db.close()
    # WHEN the doctor runs
    checks = {c.name: c for c in run_checks(config, file_system=mount_table(
        ON_TMPFS.format(tmp_path)))}
    # THEN both are reported: the volatile directory, and what is at risk in it
    assert checks["data directory"].status is CheckStatus.FAULT
    assert "kiosk submissions export" in checks["data directory"].fix
    assert checks["database"].status is CheckStatus.OK
    assert checks["catalog"].status is CheckStatus.FAULT
    assert checks["outbox"] == Check("outbox", CheckStatus.OK, "2 pending, 0 sent, 0 failed")


def test_the_same_checks_run_on_tmpfs_or_on_disk(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    on_tmpfs = run_checks(config, file_system=mount_table(ON_TMPFS.format(tmp_path)))
    on_disk = run_checks(config, file_system=on_persistent_disk)
    assert [c.name for c in on_tmpfs] == [c.name for c in on_disk]


# -- a database that cannot be used ---------------------------------------------------------


def test_a_database_from_a_newer_release_is_named_and_kept(tmp_path: Path) -> None:
    # GIVEN a database written by a release with a newer schema
    config = config_in(tmp_path)
    open_database(config.database_path).close()
    with sqlite3.connect(config.database_path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
    conn.close()
    # WHEN the doctor runs
    checks = {c.name: c for c in run_checks(config, file_system=on_persistent_disk)}
    # THEN the file is named (not a Python object), with the release to install, and the
    # fix never says to discard it
    database = checks["database"]
    assert database.status is CheckStatus.FAULT
    assert database.detail.startswith(
        f"the database {config.database_path} has schema version {SCHEMA_VERSION + 1}, "
        f"newer than this release understands ({SCHEMA_VERSION})"
    )
    assert "sqlite3.Connection" not in database.detail
    assert database.fix.startswith("install the newer release again")
    assert "never delete it" in database.fix


def test_the_fix_for_a_damaged_database_exports_the_submissions_first(tmp_path: Path) -> None:
    # GIVEN a database file overwritten by garbage
    config = config_in(tmp_path)
    config.data_dir.mkdir(parents=True)
    config.database_path.write_bytes(b"not a database at all, " * 400)
    # WHEN the doctor runs
    database = next(c for c in run_checks(config, file_system=on_persistent_disk)
                    if c.name == "database")
    # THEN its fix keeps the submissions before anything else is done with the file
    assert database.status is CheckStatus.FAULT
    assert str(config.database_path) in database.detail
    fix = database.fix
    assert "kiosk submissions export" in fix
    assert fix.index("kiosk submissions export") < fix.index("move it aside")
    assert fix.index("kiosk submissions export") < fix.index(".recover")


def test_a_damaged_page_is_a_fault_of_the_checks_that_read_it_not_a_crash(
    tmp_path: Path,
) -> None:
    # GIVEN a database one of whose submission pages is damaged
    config = config_in(tmp_path)
    fill(config.database_path, 120)
    damage_a_page_of_submissions(config.database_path)
    # WHEN the doctor runs, THEN it does not raise: the damage is a fault with its fix
    checks = {c.name: c for c in run_checks(config, file_system=on_persistent_disk)}
    assert checks["database"].status is CheckStatus.FAULT
    assert checks["database"].detail == (
        f"cannot be read from {config.database_path}: database disk image is malformed"
    )
    assert "kiosk submissions export" in checks["database"].fix
    # ... and the checks after it still run (the outbox's own table is intact)
    assert checks["outbox"].detail == "118 pending, 1 sent, 1 failed: 400: refused"


def test_a_data_directory_that_cannot_be_created_has_no_storage_checks(tmp_path: Path) -> None:
    # GIVEN a data directory whose parent is a file: it cannot be created
    (tmp_path / "file").write_text("")
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "file" / "data")})
    checks = {c.name: c for c in run_checks(config, file_system=on_persistent_disk)}
    # THEN that is the fault, and no database is looked for in it
    assert checks["data directory"].status is CheckStatus.FAULT
    assert "is not writable" in checks["data directory"].detail
    assert not {"database", "catalog", "outbox"} & set(checks)


def test_an_enrolled_kiosk_without_its_ward_is_flagged(kiosk: Callable[..., Result]) -> None:
    # GIVEN a provisioned kiosk whose site settings were never made
    for key, value in (("kiosk.id", "HN-00004-K1"), ("sync.token", "t" * 43),
                       ("sync.backend_url", "http://127.0.0.1:9")):
        assert kiosk("config", "set", key, value).status == 0
    identity = next(c for c in kiosk("doctor", "--json").json() if c["name"] == "kiosk identity")
    assert (identity["status"], identity["detail"]) == (
        "fault", "kiosk.commune_code is 0: the ward this kiosk serves is not set")
    # WHEN the ward is set THEN the identity is whole
    kiosk("config", "set", "kiosk.commune_code", "4")
    identity = next(c for c in kiosk("doctor", "--json").json() if c["name"] == "kiosk identity")
    assert (identity["status"], identity["detail"]) == (
        "ok", "HN-00004-K1, commune 4, queue prefix 1")
