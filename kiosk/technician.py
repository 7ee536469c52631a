"""Technician mode's core: the PIN at the door, the diagnosis, settings, recent log lines.

The technician screens (``screens/technician*.py``) are thin: what they show and change
is decided here, in plain Python, and runs on the technician worker
(:class:`TechnicianDesk`, its own SQLite connection), never on the UI thread: a PIN check
costs a scrypt hash, a diagnosis talks to the printer and the backend, a setting is
written with an fsync.

- **The PIN.** :class:`~kiosk.technician_pin.PinGate` decides; every refused attempt,
  wait and lock is logged here (never the PIN itself).
- **The diagnosis** is :func:`kiosk.doctor.run_checks` with the check sources the caller
  passes (the running app gives the live state of the devices it holds), plus the
  failed submissions with their reasons.
- **Settings** are the keys a technician changes on site (:data:`EDITABLE_KEYS`), shown
  and validated by :data:`kiosk.config.SETTINGS` and written to the technician layer.
- **Recent log lines** for the screen are kept by :class:`kiosk.logs.RecentLogs`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk import clock
from kiosk.config import (
    SETTINGS_BY_KEY,
    Config,
    ConfigError,
    Setting,
    Value,
    parse_layer,
    shown,
    write_technician_layer,
)
from kiosk.doctor import (
    Check,
    CheckSource,
    CheckStatus,
    FileSystemLookup,
    mounted_file_system,
    run_checks,
)
from kiosk.masking import mask_id_number, mask_name
from kiosk.parts import SyncOutcome
from kiosk.receipt_code import display
from kiosk.scanned import ScanKind, ScannedCode
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox, OutboxState
from kiosk.technician_pin import (
    MAX_FAILURES,
    PIN_STATE_FILE,
    PinGate,
    PinOutcome,
    PinResult,
)

log = logging.getLogger(__name__)

#: The keys a technician sets on site (issue 6), in the order they are listed: what is
#: changed most often first.
EDITABLE_KEYS: tuple[str, ...] = (
    "ui.idle_seconds",
    "ui.idle_warning_seconds",
    "ui.language",
    "speech.volume",
    "speech.headphones",
    "speech.headphone_volume",
    "speech.touch_sound",
    "speech.error_sound",
    "kiosk.service_point_name",
    "kiosk.commune_code",
    "kiosk.id",
    "printer.driver",
    "printer.width_dots",
    "printer.host",
    "printer.port",
    "printer.serial_device",
    "printer.baudrate",
    "printer.usb_vendor_id",
    "printer.usb_product_id",
    "scanner.driver",
    "scanner.decoder",
    "scanner.serial_device",
    "scanner.keyboard_device",
    "scanner.camera_index",
    "sync.backend_url",
    "sync.token",
)
#: Keys whose values are Vietnamese words: their keyboard starts with Telex on.
WORDS_KEYS = frozenset({"kiosk.service_point_name"})
#: How much of an unclassified code the test scan shows.
SHOWN_CODE_LENGTH = 80


# -- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingView:
    """One editable setting as the editor shows it (a secret's value masked)."""

    key: str
    meaning: str
    allowed: str
    #: The value as it may be shown (a secret: its last 4 characters only).
    shown: str
    #: What may be typed to start from: the value itself, or "" for a secret.
    editable: str
    #: The allowed values as buttons; None when the value is typed.
    choices: tuple[str, ...] | None
    #: An integer typed on the digit pad.
    numeric: bool
    secret: bool
    #: Written to the technician layer in this run: it applies after a restart.
    pending: bool
    #: The value is Vietnamese words (the keyboard starts with Telex on).
    words: bool


def value_text(value: Value) -> str:
    """A value as typed and written in a layer: "90", "true", "file"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def setting_view(setting: Setting, value: Value, *, pending: bool = False) -> SettingView:
    """How ``setting`` with its current ``value`` is shown and edited."""
    if setting.choices is not None:
        choices: tuple[str, ...] | None = tuple(str(choice) for choice in setting.choices)
    elif setting.kind is bool:
        choices = ("true", "false")
    else:
        choices = None
    return SettingView(
        key=setting.key,
        meaning=setting.meaning,
        allowed=setting.allowed(),
        shown=value_text(shown(setting, value)),
        editable="" if setting.secret else value_text(value),
        choices=choices,
        numeric=setting.kind is int and choices is None,
        secret=setting.secret,
        pending=pending,
        words=setting.key in WORDS_KEYS,
    )


def editable_settings(config: Config, pending: Mapping[str, Value]) -> list[SettingView]:
    """Every editable setting with its value: as written in this run, else as running."""
    return [
        setting_view(
            SETTINGS_BY_KEY[key], pending.get(key, config.values[key]), pending=key in pending
        )
        for key in EDITABLE_KEYS
    ]


# -- test scans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanReport:
    """What the test scan shows of a code: its kind, its length, and what it may say."""

    kind: ScanKind
    length: int
    #: The code as it may be shown: an ID card masked, a long code cut, a refusal's reason.
    shown: str
    #: Why a code that looked like an ID card was refused (the reader may misread).
    problem: str | None


def describe_scan(scanned: ScannedCode) -> ScanReport:
    """The test scan's report; an ID card's content is shown masked, never whole."""
    text = scanned.raw.strip()
    if scanned.card is not None:
        card = scanned.card
        shown_text = f"{mask_name(card.full_name)} {mask_id_number(card.id_number)}"
    elif scanned.receipt_code is not None:
        shown_text = display(scanned.receipt_code)
    elif scanned.problem is not None:
        # It looked like an ID card: its text may be a citizen's, so only the reason shows.
        shown_text = ""
    elif len(text) > SHOWN_CODE_LENGTH:
        shown_text = text[:SHOWN_CODE_LENGTH] + "…"
    else:
        shown_text = text
    return ScanReport(scanned.kind, len(text), shown_text, scanned.problem)


# -- the diagnosis ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedItem:
    """A submission the backend refused for good, with the reason it gave."""

    receipt_code: str
    kind: str
    attempts: int
    reason: str


@dataclass(frozen=True)
class Diagnosis:
    """Every check, and the failed submissions behind the outbox check."""

    checks: tuple[Check, ...]
    failed: tuple[FailedItem, ...]
    checked_at: str

    def count(self, status: CheckStatus) -> int:
        """How many checks have ``status``."""
        return sum(1 for check in self.checks if check.status is status)


# -- the worker's resources ---------------------------------------------------------------------


class TechnicianDesk:
    """What the technician screens ask of the core, on the technician worker.

    It owns one database connection (opened and used on the worker's thread) and the PIN
    gate. ``clock`` is wall-clock seconds for the PIN's delays (kept across restarts);
    ``file_system`` tells the diagnosis which file system holds the data directory.
    """

    def __init__(
        self,
        config: Config,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        file_system: FileSystemLookup = mounted_file_system,
    ) -> None:
        self.config = config
        self.db = db
        self._clock = clock
        self._file_system = file_system

    def close(self) -> None:
        """Close the connection (the worker calls it when it stops)."""
        self.db.close()

    # -- the PIN ------------------------------------------------------------------------

    def _gate(self) -> PinGate:
        return PinGate(
            self.config.data_dir / PIN_STATE_FILE, current_pin_hash(self.config), self._clock
        )

    def pin_status(self) -> PinResult:
        """Whether a PIN may be entered now (NOT_SET, WAIT or LOCKED say why not)."""
        return self._gate().status()

    def enter_pin(self, pin: str) -> PinResult:
        """Try ``pin``; every refusal is logged (without the PIN), so is the way in."""
        result = self._gate().enter(pin)
        outcome = result.outcome
        if outcome is PinOutcome.ACCEPTED:
            log.info("technician mode entered with the PIN")
        elif outcome is PinOutcome.REJECTED:
            log.warning(
                "wrong technician PIN (%d of %d before the lock); next try in %d s",
                result.failures, MAX_FAILURES, round(result.retry_after),
            )
        elif outcome is PinOutcome.LOCKED:
            log.error(
                "technician entry locked after %d wrong PINs; %d s left "
                "(or: kiosk technician unlock)", result.failures, round(result.retry_after),
            )
        elif outcome is PinOutcome.WAIT:
            log.warning("technician PIN tried %d s too early: refused unchecked",
                        round(result.retry_after))
        else:
            log.warning("technician PIN tried, but none is set (kiosk technician set-pin)")
        return result

    # -- the diagnosis --------------------------------------------------------------------

    def diagnose(self, sources: Iterable[CheckSource]) -> Diagnosis:
        """Every check (the core's and ``sources``'), and the failed submissions."""
        checks = run_checks(self.config, sources, file_system=self._file_system)
        outbox = self._outbox()
        failed = tuple(
            FailedItem(display(item.receipt_code), item.kind.value, item.attempts,
                       item.last_error or "?")
            for item in outbox.list(state=OutboxState.FAILED)
        )
        stamp = clock.now().astimezone(clock.HANOI).isoformat(timespec="seconds")
        statuses = {status: sum(c.status is status for c in checks) for status in CheckStatus}
        log.info("technician diagnosis: %d fault(s), %d warning(s), %d OK",
                 statuses[CheckStatus.FAULT], statuses[CheckStatus.WARNING],
                 statuses[CheckStatus.OK])
        return Diagnosis(tuple(checks), failed, stamp)

    def retry_failed(self) -> int:
        """Put every failed submission back in the queue; returns how many."""
        count = self._outbox().retry_failed()
        log.info("technician queued %d failed submission(s) again", count)
        return count

    def _outbox(self) -> Outbox:
        return Outbox(self.db, kiosk_id=self.config.text("kiosk.id"),
                      queue_prefix=self.config.text("kiosk.queue_prefix"))

    # -- settings ---------------------------------------------------------------------------

    def save_setting(self, key: str, value: Value) -> Path:
        """Write ``key = value`` to the technician layer (atomically); returns the file.

        Raises :class:`~kiosk.config.ConfigError` when the layer on disk cannot be read
        or the result would not load; ``OSError`` when it cannot be written.
        """
        path = write_technician_layer(self.config, {key: value})
        log.info("technician set %s = %s in %s", key,
                 value_text(shown(SETTINGS_BY_KEY[key], value)), path)
        return path


def current_pin_hash(config: Config) -> str:
    """The PIN hash in force: the technician layer's now, else the running configuration's.

    ``kiosk technician set-pin`` writes the layer while the app runs: the new PIN counts
    at once, without a restart.
    """
    path = config.technician_path
    try:
        layer = parse_layer(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        return config.text("technician.pin_hash")
    except (OSError, UnicodeDecodeError, ConfigError) as error:
        log.error("the technician layer cannot be read (%s): using the PIN loaded at start",
                  error)
        return config.text("technician.pin_hash")
    value = layer.get("technician.pin_hash", config.text("technician.pin_hash"))
    return value if isinstance(value, str) else ""


def open_technician_desk(
    config: Config,
    *,
    clock: Callable[[], float] = time.time,
    file_system: FileSystemLookup = mounted_file_system,
) -> TechnicianDesk:
    """The technician worker's resources: the desk on a connection of its own."""
    return TechnicianDesk(
        config, open_database(config.database_path), clock=clock, file_system=file_system
    )


def summarise_sync(
    sent: int, refused: int, pending: int, error: str | None, notes: Sequence[str]
) -> SyncOutcome:
    """A sync round's report, as the technician screen shows it (logged too)."""
    outcome = SyncOutcome(sent, refused, pending, error, tuple(notes))
    if error is None:
        log.info("technician sync round: %d delivered, %d refused, %d pending",
                 sent, refused, pending)
    else:
        log.warning("technician sync round failed: %s", error)
    return outcome
