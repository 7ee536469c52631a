"""The printer's checks for ``kiosk doctor``: each fault named, with its fix."""

from __future__ import annotations

import socket
from pathlib import Path

from devices.fake_printer import FakeReceiptPrinter
from devices.printer_checks import check_print_queue, check_printer, check_slip_font
from kiosk.config import Config, load_config
from kiosk.doctor import CheckStatus
from kiosk.printing import PrinterState, PrintQueue
from kiosk.receipt import Receipt, SlipKind, Title
from kiosk.storage import open_database
from tests import fake_tcp_printer as script
from tests.fake_tcp_printer import ScriptedTcpPrinter


def config_with(tmp_path: Path, printer: str) -> Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[printer]\n{printer}\n", encoding="utf-8")
    return load_config(environ={"KIOSK_CONFIG": str(path), "KIOSK_DATA_DIR": str(tmp_path)})


def test_a_printer_out_of_paper_is_a_fault_with_its_fix(tmp_path: Path) -> None:
    with ScriptedTcpPrinter(script.PAPER_OUT) as printer:
        config = config_with(tmp_path, f'driver = "network"\nhost = "127.0.0.1"\n'
                                       f"port = {printer.port}\ntimeout_ms = 300")
        check = check_printer(config)
    assert (check.status, check.fix) == (CheckStatus.FAULT, "put a new paper roll in")
    assert check.detail.endswith(": paper_out (status 0x1a 0x32 0x72)")


def test_an_unreachable_network_printer_says_where_to_look(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:  # a port nobody listens on
        port = listener.getsockname()[1]
    config = config_with(tmp_path, f'driver = "network"\nhost = "127.0.0.1"\nport = {port}\n'
                                   "timeout_ms = 300")
    check = check_printer(config)
    assert check.status is CheckStatus.FAULT
    assert check.fix == "check the printer is on and printer.host/printer.port reach it (ping)"


def test_a_printer_that_cannot_load_and_one_that_is_not_configured(tmp_path: Path) -> None:
    broken = check_printer(config_with(tmp_path, 'driver = "network"'))
    assert broken.status is CheckStatus.FAULT
    assert broken.detail.startswith("printer.driver is 'network' but printer.host is empty")
    none = check_printer(load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)}))
    assert (none.status, none.fix) == (
        CheckStatus.WARNING, "slips are shown on screen only: set printer.driver to use one")


def test_the_slip_font_and_a_waiting_slip(tmp_path: Path) -> None:
    assert check_slip_font().status is CheckStatus.OK
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert check_print_queue(config).status is CheckStatus.OK
    db = open_database(config.database_path)
    PrintQueue(db, FakeReceiptPrinter(PrinterState.PAPER_OUT)).submit(
        Receipt(SlipKind.TEST, (Title("x"),)))
    db.close()
    waiting = check_print_queue(config)
    assert (waiting.status, waiting.detail, waiting.fix) == (
        CheckStatus.WARNING, "1 waiting, 0 printed, 0 expired unprinted",
        "fix the printer, then: kiosk printer retry")
