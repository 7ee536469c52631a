"""The concrete parts the app runs with, as the core sees them.

The app (:mod:`screens`) never imports drivers or the wire: the composition root
(:mod:`motcua.wiring`) builds the printer, the code reader, the desk with its office
look-up, the check sources and the sync round, and hands them to the app through
:class:`KioskParts`. Tests hand it the same wiring, or their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.desk import ServiceDesk
    from kiosk.doctor import CheckSource
    from kiosk.kiosk_voice import KioskVoice
    from kiosk.printing import PrinterStatus, ReceiptPrinter
    from kiosk.reading import CodeReader, ReaderStatus
    from kiosk.storage import Database


@dataclass
class KioskDevices:
    """The devices the app runs with (built from the configuration, or given by tests).

    The printer is always there: one that is not configured or could not be built is an
    :class:`~kiosk.printing.UnavailablePrinter` saying why.
    """

    printer: ReceiptPrinter
    reader: CodeReader | None = None
    #: The voice that reads screens aloud (None: the kiosk is silent, no Listen button).
    voice: KioskVoice | None = None


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync round did (``kiosk sync once``, the technician's "sync now")."""

    sent: int
    refused: int
    pending: int
    #: Why the round ended early (the backend unreachable...), None when it did not.
    error: str | None
    notes: tuple[str, ...] = ()


class SyncNotReadyError(Exception):
    """The kiosk cannot sync yet (no backend address or token): the message says what."""


class KioskParts(Protocol):
    """What the composition root builds for the app."""

    def build_devices(self, config: Config) -> KioskDevices:
        """The configured reader and printer; a device that cannot load is its stand-in
        saying why, never replaced by a simulated one."""
        ...

    def open_desk(self, config: Config) -> ServiceDesk:
        """The desk on its own database connection (called on the desk worker's thread),
        with the office look-up for codes this kiosk does not know."""
        ...

    def running_app_checks(
        self,
        config: Config,
        printer: tuple[str, PrinterStatus] | None,
        reader: ReaderStatus | None,
    ) -> list[CheckSource]:
        """Every check source for the running app, whose devices are open already.

        ``printer`` is the held printer's description and state, ``reader`` the scan
        service's state (None: the app holds none, and the device is checked as
        ``kiosk doctor`` does)."""
        ...

    def sync_round(self, db: Database, config: Config) -> SyncOutcome:
        """One sync round: deliver, heartbeat, pull updates (raises SyncNotReadyError)."""
        ...
