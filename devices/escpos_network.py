"""Network receipt printers: raw ESC/POS on TCP port 9100 (python-escpos ``Network``).

One connection per exchange, closed after it: many printers accept a single client and
drop idle sockets. The socket timeout bounds the connect, every send and every status
read.
"""

from __future__ import annotations

from typing import Any

from escpos.printer import Network  # type: ignore[import-untyped]

from devices.escpos_printer import EscposReceiptPrinter
from devices.printer_profile import configured_profile
from kiosk.config import Config
from kiosk.printing import PrinterLoadError, io_timeout_seconds


def from_config(config: Config) -> EscposReceiptPrinter:
    """The network printer at ``printer.host``:``printer.port``."""
    host = config.text("printer.host")
    if not host:
        raise PrinterLoadError(
            "printer.driver is 'network' but printer.host is empty: "
            "set it to the printer's address (kiosk config set printer.host ...)"
        )
    profile = configured_profile(config)
    port, timeout = config.number("printer.port"), io_timeout_seconds(config)

    def open_network() -> Any:
        printer = Network(host, port, timeout=timeout)
        printer.open()  # raises DeviceNotFoundError naming the host and the reason
        return printer

    return EscposReceiptPrinter(
        open_network, profile, description=f"network printer {host}:{port}", keep_open=False
    )
