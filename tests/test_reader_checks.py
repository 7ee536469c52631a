"""The code reader as kiosk doctor sees it."""

from __future__ import annotations

from pathlib import Path

from devices.reader_checks import reader_checks
from kiosk.config import load_config
from kiosk.doctor import CheckStatus


def doctor_with(tmp_path: Path, layer: str) -> list[tuple[str, CheckStatus, str]]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "technician.toml").write_text(layer)
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(data)})
    return [(check.name, check.status, check.detail) for check in reader_checks(config)]


def test_the_demo_scanner_is_fine(tmp_path: Path) -> None:
    assert doctor_with(tmp_path, "") == [
        ("code reader", CheckStatus.OK, "simulated scanner (demo)")
    ]


def test_no_reader_is_a_warning(tmp_path: Path) -> None:
    [(name, status, detail)] = doctor_with(tmp_path, '[scanner]\ndriver = "none"\n')
    assert (name, status, detail) == (
        "code reader", CheckStatus.WARNING, "scanner.driver is none: nothing reads codes",
    )


def test_a_missing_serial_device_is_a_fault_that_names_it(tmp_path: Path) -> None:
    layer = '[scanner]\ndriver = "serial"\nserial_device = "/dev/ttyNOSUCH0"\n'
    [(name, status, detail)] = doctor_with(tmp_path, layer)
    assert (name, status) == ("code reader", CheckStatus.FAULT)
    assert "/dev/ttyNOSUCH0" in detail


def test_a_camera_reader_also_checks_its_decoder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "inbox").mkdir()
    layer = '[scanner]\ndriver = "images"\nimage_folder = "inbox"\ndecoder = "zxing"\n'
    checks = doctor_with(tmp_path, layer)
    assert [(name, status) for name, status, _ in checks] == [
        ("code reader", CheckStatus.OK), ("QR decoder", CheckStatus.OK),
    ]
    assert checks[0][2].startswith("image folder ")
    assert checks[1][2] == "zxing: ZxingDecoder"
