"""The udev rules that let the kiosk's user open its USB printer and reader, and their check."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from devices.access_checks import RULES_NAME, check_udev_rules, shipped_rules
from devices.readers import driver_factory
from kiosk.config import Config, load_config
from kiosk.doctor import CheckStatus
from kiosk.reading import ReaderError

ROOT = Path(__file__).resolve().parent.parent


def config_with(**values: str) -> Config:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": "/nonexistent"})
    return replace(config, values={**config.values, **values})


def rule_lines() -> list[str]:
    return [line for line in shipped_rules().splitlines() if line and not line.startswith("#")]


def test_printers_are_opened_by_interface_class_and_by_documented_vendor() -> None:
    lines = rule_lines()
    by_class = [line for line in lines if 'ENV{ID_USB_INTERFACES}=="*:0701??:*"' in line]
    assert len(by_class) == 1 and 'GROUP="lp"' in by_class[0] and 'MODE="0660"' in by_class[0]
    vendors = next(line for line in lines if '"0416|04b8' in line)
    assert 'GROUP="lp"' in vendors


def test_scanners_get_their_group_on_every_node_they_may_appear_as() -> None:
    scanner = [line for line in rule_lines() if "0c2e|05e0" in line]
    groups = {re.search(r'SUBSYSTEM=="(\w+)"', line)[1]: re.search(r'GROUP="(\w+)"', line)[1]
              for line in scanner}
    assert groups == {"tty": "dialout", "input": "input", "hidraw": "input", "usb": "plugdev"}


def test_every_rule_group_is_one_the_kiosk_user_joins_in_install_pi_and_the_ui_unit() -> None:
    groups = set(re.findall(r'GROUP="(\w+)"', shipped_rules()))
    install = (ROOT / "scripts/install-pi").read_text()
    unit = (ROOT / "systemd/motcua-kiosk-ui.service").read_text()
    joined = re.search(r"--groups ([\w,]+)", install)[1].split(",")
    supplementary = re.search(r"SupplementaryGroups=(.*)", unit)[1].split()
    assert groups <= set(joined) and groups <= set(supplementary)


def test_install_pi_installs_the_shipped_rules_and_reloads_udev() -> None:
    install = (ROOT / "scripts/install-pi").read_text()
    assert f'"$source/devices/udev/{RULES_NAME}" /etc/udev/rules.d/' in install
    assert "udevadm control --reload" in install and "udevadm trigger" in install


def test_without_a_usb_device_configured_the_rules_are_not_needed(tmp_path: Path) -> None:
    check = check_udev_rules(config_with(), installed=tmp_path / RULES_NAME)
    assert (check.status, check.detail) == (
        CheckStatus.OK, "not needed: no USB printer or reader configured")


def test_a_usb_printer_without_the_rules_is_a_fault_naming_the_fix(tmp_path: Path) -> None:
    installed = tmp_path / RULES_NAME
    check = check_udev_rules(config_with(**{"printer.driver": "usb"}), installed=installed)
    assert check.status is CheckStatus.FAULT
    assert check.detail == (f"{installed} is missing: with printer.driver = usb the kiosk's "
                            "user may not open the device")
    assert check.fix.startswith("sudo scripts/install-pi again")


def test_rules_from_another_release_warn_and_this_release_s_pass(tmp_path: Path) -> None:
    installed = tmp_path / RULES_NAME
    config = config_with(**{"scanner.driver": "serial"})
    installed.write_text("# older rules\n")
    assert check_udev_rules(config, installed=installed).status is CheckStatus.WARNING
    installed.write_text(shipped_rules())
    assert check_udev_rules(config, installed=installed).status is CheckStatus.OK


def test_a_camera_reader_without_the_camera_extra_names_the_way_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a kiosk installed without the camera extra (no opencv)
    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.delitem(sys.modules, "devices.camera_reader", raising=False)
    monkeypatch.delitem(sys.modules, "devices.qr_pipeline", raising=False)
    # WHEN the camera is chosen THEN the reader says how to add it
    with pytest.raises(ReaderError) as raised:
        driver_factory("camera")
    assert str(raised.value).endswith(
        "(the camera is optional: scripts/install-pi --camera, or "
        "pip install 'motcua-kiosk[camera]')")
