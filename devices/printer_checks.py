"""The printer's checks for ``kiosk doctor`` and the technician screen.

:func:`printer_checks` is a :data:`kiosk.doctor.CheckSource`: the printer loads, answers
and can print; the slip font has every Vietnamese letter; no slip is waiting in the print
queue. Each fault comes with a one-line fix.
"""

from __future__ import annotations

from collections.abc import Mapping

from devices.fonts import VIETNAMESE_LETTERS, FontMissingError, find_fonts, missing_characters
from devices.printers import build_printer
from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus
from kiosk.printing import (
    FAULT_STATES,
    UNCERTAIN_STATES,
    WARNING_STATES,
    PrinterSettings,
    PrinterState,
    PrinterStatus,
    PrintJobs,
    guarded_status,
)
from kiosk.storage import StorageError, open_database

_FIXES: Mapping[PrinterState, str] = {
    PrinterState.PAPER_NEAR_END: "put a new paper roll in soon",
    PrinterState.PAPER_OUT: "put a new paper roll in",
    PrinterState.COVER_OPEN: "close the printer's cover",
    PrinterState.OFFLINE: "check the printer's panel (feed button, error light), "
                          "then switch it off and on",
    PrinterState.ERROR: "clear the paper path and cutter, then switch the printer off and on",
    PrinterState.UNKNOWN: "the printer does not answer status queries (DLE EOT): check the "
                          "cable; without answers no slip counts as printed (docs/printing.md)",
    PrinterState.DISABLED: "slips are shown on screen only: set printer.driver to use one",
    PrinterState.UNAVAILABLE: "install what the message names, or fix printer.* (kiosk config)",
}
_UNREACHABLE_FIXES: Mapping[str, str] = {
    "usb": "check the USB cable and the printer's power; lsusb must list it (and the udev "
           "rule of docs/printing.md must let the kiosk use it)",
    "serial": "check the cable, printer.serial_device and printer.baudrate",
    "network": "check the printer is on and printer.host/printer.port reach it (ping)",
    "file": "make printer.output_dir writable",
}


def printer_checks(config: Config) -> list[Check]:
    """The printer, the slip font and the print queue, checked."""
    return [check_printer(config), check_slip_font(), check_print_queue(config)]


def check_printer(config: Config) -> Check:
    """The configured printer loads, answers, and can print (one that cannot be built
    is its stand-in, UNAVAILABLE: a fault)."""
    printer = build_printer(config)
    try:
        status = guarded_status(printer)
    finally:
        printer.close()
    return check_printer_status(config, printer.description, status)


def check_printer_status(config: Config, description: str, status: PrinterStatus) -> Check:
    """A printer's state as a check: the running app's printer, asked by its print worker.

    (The app holds its printer: the technician screen reports that one's answer instead of
    opening the device a second time.)
    """
    name = "receipt printer"
    settings = PrinterSettings.from_config(config)
    if status.state is PrinterState.UNAVAILABLE:
        detail = status.detail  # the load problem alone: it is the whole story
    else:
        detail = f"{description}: {status.state.value}" + (
            f" ({status.detail})" if status.detail else "")
    if status.state in FAULT_STATES | UNCERTAIN_STATES:
        fix = _UNREACHABLE_FIXES.get(settings.driver, "") if (
            status.state is PrinterState.UNREACHABLE) else _FIXES[status.state]
        return Check(name, CheckStatus.FAULT, detail, fix)
    if status.state in WARNING_STATES or status.state is PrinterState.DISABLED:
        return Check(name, CheckStatus.WARNING, detail, _FIXES[status.state])
    return Check(name, CheckStatus.OK, detail)


def check_slip_font() -> Check:
    """The font slips are drawn with has every Vietnamese letter, in both faces."""
    name = "slip font"
    try:
        fonts = find_fonts()
    except FontMissingError as error:
        return Check(name, CheckStatus.FAULT, str(error), "apt-get install fonts-dejavu-core")
    missing = sorted(set(missing_characters(fonts.regular, VIETNAMESE_LETTERS))
                     | set(missing_characters(fonts.bold, VIETNAMESE_LETTERS)))
    if missing:
        return Check(name, CheckStatus.FAULT,
                     f"{fonts.name} lacks {''.join(missing)}", "apt-get install fonts-dejavu-core")
    return Check(name, CheckStatus.OK, f"{fonts.name} ({fonts.regular})")


def check_print_queue(config: Config) -> Check:
    """No slip waits in the print queue."""
    name = "print queue"
    try:
        db = open_database(config.database_path)
    except StorageError as error:
        return Check(name, CheckStatus.FAULT, str(error), "see the database check")
    try:
        counts = PrintJobs(db).counts()
    finally:
        db.close()
    detail = (f"{counts['queued']} waiting, {counts['printed']} printed, "
              f"{counts['expired']} expired unprinted")
    if counts["queued"]:
        return Check(name, CheckStatus.WARNING, detail,
                     "fix the printer, then: kiosk printer retry")
    return Check(name, CheckStatus.OK, detail)
