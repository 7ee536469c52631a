"""Diagnosis: every dependency of the kiosk checked, each fault with a one-line fix.

The same checks serve ``kiosk doctor`` and the technician screen. The core checks what it
owns (configuration, data directory, database, disk, clock, outbox, catalog, libraries
the devices need); device drivers and the sync agent add their own checks through
:data:`CheckSource` functions that the caller passes in. A check never raises: whatever
goes wrong becomes a FAULT with its message.
"""

from __future__ import annotations

import ctypes.util
import datetime as dt
import enum
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__, clock
from kiosk.catalog import installed_version
from kiosk.config import Config
from kiosk.enrolment import enrolment_of
from kiosk.storage import Database, NewerSchemaError, StorageError, open_database
from kiosk.submissions import Outbox, OutboxState

#: File systems whose contents vanish at reboot: the data directory must not be on one.
VOLATILE_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs", "overlay", "zram"})
DISK_WARNING_BYTES = 500 * 1024 * 1024
DISK_FAULT_BYTES = 50 * 1024 * 1024

#: What to do with a database that cannot be used or fails its integrity check. Never
#: "start afresh" alone: the file may hold submissions not yet sent to the city.
DAMAGED_DATABASE_FIX = (
    "stop the kiosk; keep its submissions: kiosk submissions export --output FILE "
    "(reads a damaged file read-only); then copy the file aside, sqlite3 FILE .recover "
    "into a new one, or move it aside so the kiosk creates a new one"
)
#: What to do with a database written by a newer release: it is not damaged.
NEWER_SCHEMA_FIX = (
    "install the newer release again (the file is not damaged: never delete it, it may "
    "hold unsent submissions; kiosk submissions export --output FILE keeps a copy)"
)

class CheckStatus(enum.Enum):
    """How one dependency is."""

    OK = "ok"
    WARNING = "warning"
    FAULT = "fault"


@dataclass(frozen=True)
class Check:
    """One diagnosed dependency. ``fix`` says in one line what to do when it is not OK."""

    name: str
    status: CheckStatus
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        """The check as a JSON object."""
        return {
            "name": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
        }


CheckSource = Callable[[Config], Iterable[Check]]


def _ok(name: str, detail: str) -> Check:
    return Check(name, CheckStatus.OK, detail)


#: Where the kernel lists the mounted file systems (read when a check runs).
MOUNTS_TABLE = Path("/proc/self/mounts")

#: Which mount holds a path and its file system type, as ``(mount point, type)``. The
#: doctor is given one so tests pin where a data directory "lives" whatever file system
#: their temporary directory is on (Debian 13 mounts /tmp as tmpfs).
FileSystemLookup = Callable[[Path], tuple[str, str]]


def mount_of(path: Path, mounts_text: str) -> tuple[str, str]:
    """The mount point and file system type holding ``path`` (from /proc/self/mounts)."""
    best = ("/", "unknown")
    resolved = str(path.resolve())
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[0]):
            best = (point, parts[2])
    return best


def mount_table(mounts_text: str) -> FileSystemLookup:
    """A lookup in the given mounts table (the format of /proc/self/mounts)."""
    return lambda path: mount_of(path, mounts_text)


def mounted_file_system(path: Path) -> tuple[str, str]:
    """The real lookup: the mount holding ``path`` in this machine's mounts table."""
    try:
        mounts_text = MOUNTS_TABLE.read_text()
    except OSError:
        mounts_text = ""
    return mount_of(path, mounts_text)


def check_data_dir(config: Config, file_system: FileSystemLookup = mounted_file_system) -> Check:
    """The data directory exists, is writable and survives a reboot."""
    name = "data directory"
    directory = config.data_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".doctor-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        return Check(name, CheckStatus.FAULT, f"{directory} is not writable: {error.strerror}",
                     f"create it and give the kiosk user write access: chown -R kiosk {directory}")
    point, kind = file_system(directory)
    if kind in VOLATILE_FILE_SYSTEMS:
        return Check(
            name, CheckStatus.FAULT,
            f"{directory} is on {kind} ({point}): every submission would be lost at reboot",
            "export the submissions first (kiosk submissions export --output FILE on "
            "persistent storage), then put the data directory on persistent storage "
            "(see docs/install.md, read-only root)",
        )
    return _ok(name, f"{directory} writable, on {kind} ({point})")


def check_disk(config: Config) -> Check:
    """Enough free space for the database to grow."""
    try:
        free = shutil.disk_usage(config.data_dir).free
    except OSError as error:
        return Check("disk space", CheckStatus.FAULT, f"cannot measure: {error.strerror}",
                     "check that the data directory exists")
    detail = f"{free // (1024 * 1024)} MB free"
    if free < DISK_FAULT_BYTES:
        return Check("disk space", CheckStatus.FAULT, detail,
                     "free space: old logs (journalctl --vacuum-size=50M) or a larger card")
    if free < DISK_WARNING_BYTES:
        return Check("disk space", CheckStatus.WARNING, detail,
                     "free space soon: journalctl --vacuum-size=50M")
    return _ok("disk space", detail)


def check_clock(current: dt.datetime | None = None) -> Check:
    """The device clock is plausible (a Pi without a battery boots in 1970 until NTP)."""
    current = clock.now() if current is None else current
    if clock.trusted_today(current) is None:
        return Check("clock", CheckStatus.FAULT,
                     f"the clock reads {current:%Y-%m-%d %H:%M}, before this release existed",
                     "connect the network so NTP can set it (timedatectl status), "
                     "or fit an RTC battery")
    return _ok("clock", f"{current:%Y-%m-%d %H:%M %Z}")


def check_library(name: str, library: str, package: str) -> Check:
    """A shared library the devices load is installed."""
    found = ctypes.util.find_library(library)
    if found is None:
        return Check(name, CheckStatus.FAULT, f"lib{library} not found",
                     f"apt-get install {package}")
    return _ok(name, found)


def check_identity(config: Config) -> Check:
    """The kiosk is enrolled (``kiosk provision``) and its site is set: the ward it serves
    (``kiosk.commune_code`` 0 means none: no queue is pulled, slips name no desk)."""
    name = "kiosk identity"
    problems = []
    enrolment = enrolment_of(config)
    if not enrolment.enrolled:
        problems.append(enrolment.describe())
    if config.number("kiosk.commune_code") == 0:
        problems.append("kiosk.commune_code is 0: the ward this kiosk serves is not set")
    if problems:
        fixes = []
        if not enrolment.enrolled:
            fixes.append("kiosk provision --backend URL --token TOKEN")
        if config.number("kiosk.commune_code") == 0:
            fixes.append("kiosk config set kiosk.commune_code WARD_CODE")
        return Check(name, CheckStatus.FAULT, "; ".join(problems),
                     " and ".join(fixes) + " (docs/install.md, site settings)")
    return _ok(name, f"{config.text('kiosk.id')}, commune {config.number('kiosk.commune_code')}, "
                     f"queue prefix {config.text('kiosk.queue_prefix')}")


def core_checks(
    config: Config, file_system: FileSystemLookup = mounted_file_system
) -> list[Check]:
    """The checks of what the core owns, cheapest first.

    The database, catalog and outbox are checked whatever the data directory's check
    says: a data directory on a RAM file system is exactly when unsent submissions are
    at risk, and the technician must see how many there are.
    """
    checks = [
        _ok("software", f"motcua-kiosk {__version__}"),
        check_identity(config),
        check_data_dir(config, file_system),
        check_disk(config),
        check_clock(),
        check_library("QR decoder library", "zbar", "libzbar0"),
    ]
    if not config.data_dir.is_dir():
        return checks  # it could not be created: no database there, nor anywhere to make one
    try:
        db = open_database(config.database_path)
    except NewerSchemaError as error:
        checks.append(Check("database", CheckStatus.FAULT, str(error), NEWER_SCHEMA_FIX))
        return checks
    except StorageError as error:
        checks.append(Check("database", CheckStatus.FAULT, str(error), DAMAGED_DATABASE_FIX))
        return checks
    try:
        for name, check in _STORAGE_CHECKS:
            try:
                checks.append(check(db, config))
            except sqlite3.DatabaseError as error:
                # A damaged page is met only when read: it is this check's fault, and
                # the checks after it still run.
                checks.append(Check(name, CheckStatus.FAULT,
                                    f"cannot be read from {config.database_path}: {error}",
                                    DAMAGED_DATABASE_FIX))
    finally:
        db.close()
    return checks


def _check_integrity(db: Database, config: Config) -> Check:
    verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    return (
        _ok("database", f"{config.database_path}: {verdict}")
        if verdict == "ok"
        else Check("database", CheckStatus.FAULT, f"quick_check: {verdict}", DAMAGED_DATABASE_FIX)
    )


def _check_catalog(db: Database, config: Config) -> Check:
    version = installed_version(db)
    return (
        Check("catalog", CheckStatus.FAULT, "no procedure catalog imported",
              "kiosk sync once (pulls it from the backend) or kiosk catalog import FILE")
        if version is None
        else _ok("catalog", f"version {version}")
    )


def _check_outbox(db: Database, config: Config) -> Check:
    outbox = Outbox(db, kiosk_id=config.text("kiosk.id"),
                    queue_prefix=config.text("kiosk.queue_prefix"))
    counts = outbox.counts()
    detail = f"{counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed"
    if counts["failed"]:
        reasons = sorted({s.last_error or "?" for s in outbox.list(state=OutboxState.FAILED)})
        return Check("outbox", CheckStatus.WARNING, f"{detail}: {'; '.join(reasons)}",
                     "fix the cause, then kiosk sync retry-failed")
    return _ok("outbox", detail)


#: The checks that read the database, each named as its result is.
_STORAGE_CHECKS: tuple[tuple[str, Callable[[Database, Config], Check]], ...] = (
    ("database", _check_integrity),
    ("catalog", _check_catalog),
    ("outbox", _check_outbox),
)


def run_checks(
    config: Config,
    sources: Iterable[CheckSource] = (),
    *,
    file_system: FileSystemLookup = mounted_file_system,
) -> list[Check]:
    """Core checks then each source's; a source that raises becomes a FAULT."""
    checks = core_checks(config, file_system)
    for source in sources:
        try:
            checks.extend(source(config))
        except Exception as error:  # noqa: BLE001 - a broken check must not hide the rest
            name = getattr(source, "__module__", "check")
            checks.append(Check(name, CheckStatus.FAULT, f"the check itself failed: {error}",
                                "report this with the output of kiosk doctor --json"))
    return checks


def has_fault(checks: Iterable[Check]) -> bool:
    """Whether any check is a FAULT."""
    return any(check.status is CheckStatus.FAULT for check in checks)
