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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__, clock
from kiosk.catalog import installed_version
from kiosk.config import Config
from kiosk.storage import Database, StorageError, open_database
from kiosk.submissions import Outbox, OutboxState

#: File systems whose contents vanish at reboot: the data directory must not be on one.
VOLATILE_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs", "overlay", "zram"})
DISK_WARNING_BYTES = 500 * 1024 * 1024
DISK_FAULT_BYTES = 50 * 1024 * 1024

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


def check_data_dir(config: Config, mounts_text: str | None = None) -> Check:
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
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/self/mounts").read_text()
        except OSError:
            mounts_text = ""
    point, kind = mount_of(directory, mounts_text)
    if kind in VOLATILE_FILE_SYSTEMS:
        return Check(
            name, CheckStatus.FAULT,
            f"{directory} is on {kind} ({point}): every submission would be lost at reboot",
            "put the data directory on persistent storage (see docs/install.md, read-only root)",
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
    """The kiosk has its identity (set by provisioning)."""
    kiosk_id = config.text("kiosk.id")
    if kiosk_id == "unconfigured":
        return Check("kiosk identity", CheckStatus.FAULT, "kiosk.id is not set",
                     "kiosk provision --backend URL --token TOKEN (or kiosk config set kiosk.id)")
    return _ok("kiosk identity", f"{kiosk_id}, queue prefix {config.text('kiosk.queue_prefix')}")


def core_checks(config: Config) -> list[Check]:
    """The checks of what the core owns, cheapest first; storage checks need the database."""
    checks = [
        _ok("software", f"motcua-kiosk {__version__}"),
        check_identity(config),
        check_data_dir(config),
        check_disk(config),
        check_clock(),
        check_library("QR decoder library", "zbar", "libzbar0"),
    ]
    if checks[2].status is CheckStatus.FAULT:
        return checks
    try:
        db = open_database(config.database_path)
    except StorageError as error:
        checks.append(Check("database", CheckStatus.FAULT, str(error),
                            "move the damaged file aside; the kiosk creates a new one"))
        return checks
    try:
        checks.extend(_storage_checks(db, config))
    finally:
        db.close()
    return checks


def _storage_checks(db: Database, config: Config) -> list[Check]:
    checks: list[Check] = []
    verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    checks.append(
        _ok("database", f"{config.database_path}: {verdict}")
        if verdict == "ok"
        else Check("database", CheckStatus.FAULT, f"quick_check: {verdict}",
                   "stop the kiosk, copy the file, run sqlite3 .recover into a new one")
    )
    version = installed_version(db)
    checks.append(
        Check("catalog", CheckStatus.FAULT, "no procedure catalog imported",
              "kiosk sync once (pulls it from the backend) or kiosk catalog import FILE")
        if version is None
        else _ok("catalog", f"version {version}")
    )
    outbox = Outbox(db, kiosk_id=config.text("kiosk.id"),
                    queue_prefix=config.text("kiosk.queue_prefix"))
    counts = outbox.counts()
    detail = f"{counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed"
    if counts["failed"]:
        reasons = sorted({s.last_error or "?" for s in outbox.list(state=OutboxState.FAILED)})
        checks.append(Check("outbox", CheckStatus.WARNING, f"{detail}: {'; '.join(reasons)}",
                            "fix the cause, then kiosk sync retry-failed"))
    else:
        checks.append(_ok("outbox", detail))
    return checks


def run_checks(config: Config, sources: Iterable[CheckSource] = ()) -> list[Check]:
    """Core checks then each source's; a source that raises becomes a FAULT."""
    checks = core_checks(config)
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
