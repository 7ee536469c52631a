"""USB receipt printers through python-escpos ``Usb`` (pyusb and libusb-1.0).

``printer.usb_vendor_id`` / ``usb_product_id`` pick the printer (``lsusb`` shows them);
0 picks the first device with a USB printer-class interface, which is what almost every
ESC/POS printer has. The bulk endpoints are read from the device's descriptors rather than
assumed (python-escpos assumes 0x01/0x82; many 58 mm printers use others). Every write and
read has the ``printer.timeout_ms`` timeout (python-escpos's default is none: a printer
that stops taking data would hang the kiosk). The kiosk's user needs access to the device
(a udev rule, see docs/printing.md).
"""

from __future__ import annotations

from typing import Any

from escpos.printer import Usb  # type: ignore[import-untyped]

from devices.escpos_printer import EscposReceiptPrinter
from devices.printer_profile import configured_profile
from kiosk.config import Config
from kiosk.printing import PrinterLoadError, io_timeout_seconds

try:
    import usb.backend.libusb1  # type: ignore[import-untyped]
    import usb.core  # type: ignore[import-untyped]
    import usb.util  # type: ignore[import-untyped]
except ImportError as missing:
    raise PrinterLoadError(
        f"the USB printer driver needs pyusb ({missing}): pip install pyusb "
        "(scripts/setup installs it)"
    ) from missing

#: The USB interface class of printers.
PRINTER_CLASS = 7


def is_printer(device: Any) -> bool:
    """Whether a pyusb device has a printer-class interface in any configuration."""
    try:
        return any(
            usb.util.find_descriptor(configuration, bInterfaceClass=PRINTER_CLASS) is not None
            for configuration in device
        )
    except usb.core.USBError:
        return False


def bulk_endpoints(interface: Any) -> tuple[int | None, int | None]:
    """The OUT and IN endpoint addresses of a pyusb interface (None where it has none)."""
    addresses = [endpoint.bEndpointAddress for endpoint in interface]
    out = [a for a in addresses if usb.util.endpoint_direction(a) == usb.util.ENDPOINT_OUT]
    into = [a for a in addresses if usb.util.endpoint_direction(a) == usb.util.ENDPOINT_IN]
    return (out[0] if out else None), (into[0] if into else None)


def from_config(config: Config) -> EscposReceiptPrinter:
    """The USB printer ``printer.usb_vendor_id``/``usb_product_id`` name (0: the first
    printer-class device)."""
    if usb.backend.libusb1.get_backend() is None:
        raise PrinterLoadError(
            "the USB printer driver needs libusb-1.0: install the Debian package "
            "libusb-1.0-0 (scripts/setup does)"
        )
    profile = configured_profile(config)
    vendor = config.number("printer.usb_vendor_id")
    product = config.number("printer.usb_product_id")
    timeout_ms = int(io_timeout_seconds(config) * 1000)
    if vendor:
        which = f"USB printer {vendor:04x}:{product:04x}"
        match: dict[str, Any] = {"idVendor": vendor}
        if product:
            match["idProduct"] = product
    else:
        which = "the first USB printer"
        match = {"custom_match": is_printer}

    def open_usb() -> Any:
        printer = Usb(usb_args=dict(match), timeout=timeout_ms)
        printer.open()  # raises DeviceNotFoundError naming the ids and the reason
        device = printer.device
        device.default_timeout = timeout_ms  # python-escpos reads without a timeout
        configuration = device.get_active_configuration()
        interface = usb.util.find_descriptor(configuration, bInterfaceClass=PRINTER_CLASS)
        out, into = bulk_endpoints(interface if interface is not None else configuration[(0, 0)])
        if out is not None:
            printer.out_ep = out
        if into is not None:
            printer.in_ep = into
        return printer

    return EscposReceiptPrinter(open_usb, profile, description=which, keep_open=True)
