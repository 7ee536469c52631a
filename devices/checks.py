"""Every device and sync check source, for ``kiosk doctor`` and the technician screen."""

from __future__ import annotations

from collections.abc import Iterable

from devices.printer_checks import check_print_queue, check_slip_font, printer_checks
from devices.reader_checks import CAMERA_DRIVERS, check_decoder, reader_checks
from kiosk.config import Config
from kiosk.doctor import Check, CheckSource
from sync.checks import sync_checks


def all_check_sources() -> list[CheckSource]:
    """The printer, the code reader and the sync side, in the order a technician reads."""
    return [printer_checks, reader_checks, sync_checks]


def running_app_sources(printer: Check | None, reader: Check | None) -> list[CheckSource]:
    """:func:`all_check_sources` for the running app, whose devices are already open.

    ``printer`` and ``reader`` are the live checks of the devices the app holds (None: the
    app holds none, and the device is checked as ``kiosk doctor`` does).
    """
    if printer is None and reader is None:
        return all_check_sources()

    def printer_part(config: Config) -> Iterable[Check]:
        if printer is None:
            return printer_checks(config)
        return [printer, check_slip_font(), check_print_queue(config)]

    def reader_part(config: Config) -> Iterable[Check]:
        if reader is None:
            return reader_checks(config)
        camera = config.text("scanner.driver") in CAMERA_DRIVERS
        return [reader, check_decoder(config)] if camera else [reader]

    return [printer_part, reader_part, sync_checks]
