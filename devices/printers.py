"""Receipt printers built from the configuration, through one driver -> module table.

``printer.driver`` names the transport. Each driver module has ``from_config(config) ->
ReceiptPrinter``, reads its own keys and imports its hardware library itself, so a missing
library breaks only that driver, with a :class:`kiosk.printing.PrinterLoadError` that says
what to install. :func:`build_printer` never fails: a printer that cannot be built becomes
an :class:`~kiosk.printing.UnavailablePrinter` in state UNAVAILABLE saying why, a fault to
show (technician screen, ``kiosk doctor``) and never replaced by a fake: the fake is loaded
only when the configuration says ``fake``. ``none`` is a driver too: the stand-in in state
DISABLED.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import cast

from devices.fonts import FontMissingError, find_fonts
from kiosk.config import Config
from kiosk.printing import PrinterLoadError, ReceiptPrinter, UnavailablePrinter

log = logging.getLogger(__name__)

#: ``printer.driver`` -> the module whose ``from_config(config)`` builds it. Modules are
#: imported only when chosen, so one driver's missing library never stops another.
PRINTER_DRIVERS: Mapping[str, str] = MappingProxyType(
    {
        "usb": "devices.escpos_usb",
        "serial": "devices.escpos_serial",
        "network": "devices.escpos_network",
        "file": "devices.file_printer",
        "fake": "devices.fake_printer",
        "none": "devices.printers",
    }
)
#: Drivers that draw slips, and so need a font with Vietnamese letters.
_DRAWING_DRIVERS = frozenset({"usb", "serial", "network", "file"})


def from_config(config: Config) -> UnavailablePrinter:
    """The printer of ``printer.driver = none``: every slip stays on screen."""
    del config
    return UnavailablePrinter.not_configured()


def driver_factory(driver: str) -> Callable[[Config], ReceiptPrinter]:
    """The ``from_config`` of the module the table names for ``driver``.

    Raises :class:`~kiosk.printing.PrinterLoadError` when the driver is unknown, its module
    cannot be imported, or it draws slips and no font has the Vietnamese letters.
    """
    module_name = PRINTER_DRIVERS.get(driver)
    if module_name is None:
        raise PrinterLoadError(
            f"unknown printer driver {driver!r}; known: {', '.join(PRINTER_DRIVERS)}"
        )
    if driver in _DRAWING_DRIVERS:
        try:
            find_fonts()
        except FontMissingError as error:
            raise PrinterLoadError(str(error)) from None
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise PrinterLoadError(f"printer driver {driver!r} cannot load: {error}") from error
    return cast("Callable[[Config], ReceiptPrinter]", module.from_config)


def load_printer(config: Config) -> ReceiptPrinter:
    """The printer ``printer.driver`` names; PrinterLoadError saying why when it cannot load."""
    return driver_factory(config.text("printer.driver"))(config)


def build_printer(config: Config) -> ReceiptPrinter:
    """The printer ``printer.driver`` names, or the stand-in saying why there is none.

    Never raises: a driver that cannot be built (or fails in an unexpected way while being
    built, which is logged as an error) becomes an UNAVAILABLE :class:`UnavailablePrinter`.
    """
    driver = config.text("printer.driver")
    try:
        return load_printer(config)
    except PrinterLoadError as error:
        problem = str(error)
    except Exception as error:
        log.exception("building the %s printer failed", driver)
        problem = f"{type(error).__name__}: {error}"
    # Not a warning: the stand-in carries the problem to whoever holds it, and each reports
    # it as a fault (the command line, kiosk doctor, the technician screen); a warning here
    # would print it twice on a command line.
    log.info("the printer cannot be used: %s", problem)
    return UnavailablePrinter.cannot_load(driver, problem)
