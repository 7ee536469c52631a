"""Building the configured printer: the driver table, load faults, serial and USB details."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from devices.escpos_encode import render_job
from devices.fake_printer import FakeReceiptPrinter
from devices.file_printer import FileReceiptPrinter
from devices.fonts import FontFiles
from devices.printer_profile import resolve_profile
from devices.printers import PRINTER_DRIVERS, build_printer, load_printer
from kiosk.config import Config, load_config
from kiosk.printing import PrinterLoadError, PrinterState, UnavailablePrinter
from kiosk.receipt import Line, Receipt, SlipKind

SLIP = Receipt(SlipKind.TEST, (Line("Nguyễn Thị Ánh Tuyết"),), "vi", "A1-007")


def settings(tmp_path: Path, **changes: str | int) -> Config:
    """A configuration whose ``printer.*`` keys are these (``changes`` by short name)."""
    values: dict[str, str | int] = {
        "driver": "file", "profile": "default", "width_dots": 384, "usb_vendor_id": 0,
        "usb_product_id": 0, "serial_device": "/dev/ttyNOPE", "baudrate": 9600,
        "host": "127.0.0.1", "port": 9100, "output_dir": str(tmp_path / "printed"),
        "timeout_ms": 300, "job_expiry_minutes": 15,
    }
    values.update(changes)
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values,
                                   **{f"printer.{key}": value for key, value in values.items()}})


def test_the_table_builds_each_configured_driver(tmp_path: Path) -> None:
    assert set(PRINTER_DRIVERS) == {"none", "usb", "serial", "network", "file", "fake"}
    assert isinstance(load_printer(settings(tmp_path, driver="none")), UnavailablePrinter)
    assert isinstance(load_printer(settings(tmp_path, driver="fake")), FakeReceiptPrinter)
    file_printer = load_printer(settings(tmp_path, driver="file"))
    assert isinstance(file_printer, FileReceiptPrinter)
    assert file_printer.status().state is PrinterState.READY
    network = load_printer(settings(tmp_path, driver="network", host="10.0.0.5"))
    assert network.description == (
        "network printer 10.0.0.5:9100 (default, 384 dots, QR by printer, cutter)")


def test_build_printer_never_fails_a_printer_it_cannot_build_is_its_stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devices import fake_printer

    # GIVEN no printer configured THEN the stand-in says so, and is not a fault
    none = build_printer(settings(tmp_path, driver="none"))
    assert isinstance(none, UnavailablePrinter)
    assert (none.state, none.detail) == (PrinterState.DISABLED, "printer.driver is none")
    # GIVEN a printer that cannot load THEN the stand-in is UNAVAILABLE, saying why
    broken = build_printer(settings(tmp_path, driver="network", host=""))
    assert isinstance(broken, UnavailablePrinter)
    assert broken.state is PrinterState.UNAVAILABLE
    assert broken.detail.startswith("printer.driver is 'network' but printer.host is empty")
    unknown = build_printer(settings(tmp_path, driver="lpt"))
    assert isinstance(unknown, UnavailablePrinter)
    assert unknown.detail.startswith("unknown printer driver 'lpt'")

    # GIVEN a driver that fails in a way nobody planned THEN that is UNAVAILABLE too
    def explode(config: Config) -> None:
        raise RuntimeError("driver bug")

    monkeypatch.setattr(fake_printer, "from_config", explode)
    exploded = build_printer(settings(tmp_path, driver="fake"))
    assert isinstance(exploded, UnavailablePrinter)
    assert (exploded.state, exploded.detail) == (PrinterState.UNAVAILABLE,
                                                 "RuntimeError: driver bug")


def test_an_unknown_driver_or_profile_is_a_load_fault(tmp_path: Path) -> None:
    with pytest.raises(PrinterLoadError, match="unknown printer driver 'lpt'"):
        load_printer(settings(tmp_path, driver="lpt"))
    for driver in ("file", "network", "serial", "usb"):
        with pytest.raises(PrinterLoadError, match="unknown printer profile 'XP-58'"):
            load_printer(settings(tmp_path, driver=driver, profile="XP-58"))


@pytest.mark.parametrize(
    ("driver", "library", "message"),
    [
        ("usb", "usb", "the USB printer driver needs pyusb"),
        ("serial", "serial", "the serial printer driver needs pyserial"),
    ],
)
def test_a_missing_hardware_library_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, driver: str, library: str, message: str
) -> None:
    # GIVEN the library cannot be imported (None in sys.modules blocks the import)
    monkeypatch.setitem(sys.modules, library, None)
    monkeypatch.delitem(sys.modules, PRINTER_DRIVERS[driver], raising=False)
    # THEN loading that driver is a fault naming the package, never a silent fake
    with pytest.raises(PrinterLoadError, match=message):
        load_printer(settings(tmp_path, driver=driver))


def test_a_missing_font_is_a_load_fault_for_drawing_drivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devices import fonts

    absent = FontFiles("nothing", tmp_path / "a.ttf", tmp_path / "b.ttf")
    monkeypatch.setattr(fonts, "candidates", lambda: [absent])
    fonts.find_fonts.cache_clear()
    try:
        with pytest.raises(PrinterLoadError, match="fonts-dejavu-core"):
            load_printer(settings(tmp_path, driver="file"))
        assert isinstance(load_printer(settings(tmp_path, driver="fake")), FakeReceiptPrinter)
    finally:
        fonts.find_fonts.cache_clear()


def test_a_serial_printer_that_is_not_plugged_in_is_unreachable(tmp_path: Path) -> None:
    printer = load_printer(settings(tmp_path, driver="serial"))
    status = printer.status()
    assert status.state is PrinterState.UNREACHABLE
    assert status.detail.startswith(
        "cannot open serial printer /dev/ttyNOPE at 9600 baud: Device not found (Unable to "
        "open serial printer on /dev/ttyNOPE: ")


def test_serial_jobs_go_out_in_pieces_that_pass_the_line_within_the_timeout() -> None:
    from devices.escpos_serial import chunk_bytes

    assert chunk_bytes(9600, 3.0) == 1440  # 960 bytes/s for 1.5 s
    assert chunk_bytes(115200, 0.3) == 1728
    assert chunk_bytes(9600, 0.1) == 64


def test_a_serial_printer_on_a_pseudo_terminal_prints_between_status_queries(
    tmp_path: Path,
) -> None:
    # GIVEN a "printer" on the other end of a pseudo-terminal, answering "ready"
    controller, terminal = os.openpty()
    received = bytearray()
    stop = threading.Event()

    def printer_side() -> None:
        os.set_blocking(controller, False)
        while not stop.is_set():
            try:
                chunk = os.read(controller, 65536)
            except BlockingIOError:
                stop.wait(0.01)
                continue
            except OSError:
                return
            received.extend(chunk)
            os.write(controller, bytes([0x12]) * chunk.count(b"\x10\x04"))

    worker = threading.Thread(target=printer_side, daemon=True)
    worker.start()
    try:
        printer = load_printer(settings(tmp_path, driver="serial", baudrate=115200,
                                        serial_device=os.ttyname(terminal)))
        # WHEN a slip is printed
        after = printer.print_receipt(SLIP)
        printer.close()
    finally:
        stop.set()
        worker.join(2)
        os.close(controller)
        os.close(terminal)
    # THEN the whole job went out between two sets of status queries
    queries = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
    job = render_job(SLIP, resolve_profile("default", 384))[1]
    assert after.state is PrinterState.READY
    assert bytes(received) == queries + job + queries


def test_usb_printers_are_found_by_their_printer_class_interface() -> None:
    from devices.escpos_usb import bulk_endpoints, is_printer

    printer = [[SimpleNamespace(bInterfaceClass=7)]]  # one configuration, one interface
    keyboard = [[SimpleNamespace(bInterfaceClass=3)]]
    assert is_printer(printer) and not is_printer(keyboard)
    interface = [SimpleNamespace(bEndpointAddress=0x81), SimpleNamespace(bEndpointAddress=0x03)]
    assert bulk_endpoints(interface) == (0x03, 0x81)
    assert bulk_endpoints([SimpleNamespace(bEndpointAddress=0x02)]) == (0x02, None)


def test_a_usb_printer_that_is_not_plugged_in_is_unreachable(tmp_path: Path) -> None:
    try:
        printer = load_printer(settings(tmp_path, driver="usb", usb_vendor_id=0x0416,
                                        usb_product_id=0x5011))
    except PrinterLoadError as error:  # no libusb on this machine: that is the fault
        assert "libusb-1.0" in str(error)
        return
    status = printer.status()
    assert status.state is PrinterState.UNREACHABLE
    assert status.detail.startswith("cannot open USB printer 0416:5011: ")


class FakeBackend:
    """Not libusb1: python-escpos leaves the kernel driver alone."""


class FakeInterface(list[SimpleNamespace]):
    """A printer-class interface: its endpoints, as pyusb iterates them."""

    bInterfaceClass = 7


class FakeUsbPrinter:
    """A pyusb device as python-escpos uses it: a printer-class interface, two endpoints."""

    backend = FakeBackend()

    def __init__(self) -> None:
        self.released = 0
        # What pyusb's dispose_resources calls when python-escpos closes the printer.
        self._ctx = SimpleNamespace(dispose=self._dispose)
        self.default_timeout = 1000
        self.writes: list[tuple[int, int, int]] = []
        self.reads: list[tuple[int, int]] = []
        self.interface = FakeInterface([SimpleNamespace(bEndpointAddress=0x81),
                                        SimpleNamespace(bEndpointAddress=0x03)])

    def __iter__(self):  # configurations
        return iter([[self.interface]])

    def _dispose(self, device: object) -> None:
        self.released += 1

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        pass

    def get_active_configuration(self) -> list[FakeInterface]:
        return [self.interface]

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self.writes.append((endpoint, len(data), timeout))
        return len(data)

    def read(self, endpoint: int, size: int) -> bytes:
        self.reads.append((endpoint, self.default_timeout))
        return bytes([0x12])


def test_usb_writes_and_reads_have_the_timeout_and_use_the_device_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usb.core

    # GIVEN a USB printer whose bulk endpoints are 0x03 (out) and 0x81 (in)
    device = FakeUsbPrinter()
    monkeypatch.setattr(usb.core, "find", lambda **match: device)
    printer = load_printer(settings(tmp_path, driver="usb", timeout_ms=300))
    # WHEN a slip is printed
    after = printer.print_receipt(SLIP)
    # THEN every write went to 0x03 with a 300 ms timeout, every read to 0x81 with one too
    assert after.state is PrinterState.READY
    assert {(endpoint, timeout) for endpoint, _, timeout in device.writes} == {(0x03, 300)}
    assert set(device.reads) == {(0x81, 300)}
    job = render_job(SLIP, resolve_profile("default", 384))[1]
    assert sum(size for _, size, _ in device.writes) == len(job) + 18  # + 6 status queries
    printer.close()
    assert device.released == 1
