"""Build the configured receipt printer: one table from ``printer.driver`` to its module.

Each driver module has ``build(settings) -> ReceiptPrinter`` and imports its hardware
library itself, so a missing library breaks only that driver, with a
:class:`kiosk.printing.PrinterLoadError` that says what to install. A printer that cannot
be loaded is a fault to show (technician screen, ``kiosk doctor``), never replaced by a
fake: the fake is loaded only when the configuration says ``fake``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from devices.fonts import FontMissingError, find_fonts
from kiosk.printing import (
    PrinterLoadError,
    PrinterSettings,
    PrinterState,
    PrinterStatus,
    ReceiptPrinter,
)
from kiosk.receipt import Receipt

#: ``printer.driver`` -> the module that builds it.
PRINTER_DRIVERS: Mapping[str, str] = {
    "usb": "devices.escpos_usb",
    "serial": "devices.escpos_serial",
    "network": "devices.escpos_network",
    "file": "devices.file_printer",
    "fake": "devices.fake_printer",
    "none": "devices.printers",
}
#: Drivers that draw slips, and so need a font with Vietnamese letters.
_DRAWING_DRIVERS = frozenset({"usb", "serial", "network", "file"})


class NoPrinter:
    """The kiosk has no printer (``printer.driver = none``): every slip stays on screen."""

    @property
    def description(self) -> str:
        """Says there is none."""
        return "no printer (printer.driver = none)"

    def status(self) -> PrinterStatus:
        """Always DISABLED."""
        return PrinterStatus(PrinterState.DISABLED, "printer.driver is none")

    def print_receipt(self, receipt: Receipt) -> PrinterStatus:
        """Prints nothing: DISABLED."""
        del receipt
        return self.status()

    def close(self) -> None:
        """Nothing to release."""


def build(settings: PrinterSettings) -> NoPrinter:
    """The printer of ``printer.driver = none``."""
    del settings
    return NoPrinter()


def load_printer(settings: PrinterSettings) -> ReceiptPrinter:
    """The printer ``settings`` describe; PrinterLoadError saying why when it cannot load."""
    module_name = PRINTER_DRIVERS.get(settings.driver)
    if module_name is None:
        raise PrinterLoadError(
            f"unknown printer driver {settings.driver!r}; known: {', '.join(PRINTER_DRIVERS)}"
        )
    if settings.driver in _DRAWING_DRIVERS:
        try:
            find_fonts()
        except FontMissingError as error:
            raise PrinterLoadError(str(error)) from None
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise PrinterLoadError(
            f"printer driver {settings.driver!r} cannot load: {error}"
        ) from error
    printer: ReceiptPrinter = module.build(settings)
    return printer
