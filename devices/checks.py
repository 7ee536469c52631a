"""Every device and sync check source, for ``kiosk doctor`` and the technician screen."""

from __future__ import annotations

from devices.printer_checks import printer_checks
from devices.reader_checks import reader_checks
from kiosk.doctor import CheckSource
from sync.checks import sync_checks


def all_check_sources() -> list[CheckSource]:
    """The printer, the code reader and the sync side, in the order a technician reads."""
    return [printer_checks, reader_checks, sync_checks]
