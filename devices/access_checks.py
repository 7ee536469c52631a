"""Whether the kiosk's user may open its USB printer and code reader: the udev rules.

Without ``/etc/udev/rules.d/60-motcua-kiosk.rules`` (installed by ``scripts/install-pi``)
a USB printer's device node belongs to root and libusb answers "access denied" at the
first slip. The check compares the installed file with the one this release ships, so an
upgrade that changed the rules is noticed too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus

RULES_NAME = "60-motcua-kiosk.rules"
#: Where scripts/install-pi puts the rules.
INSTALLED_RULES = Path("/etc/udev/rules.d") / RULES_NAME
#: Transports that open a device node the rules cover (network/file printers do not).
NEEDS_RULES = {("printer.driver", "usb"), ("scanner.driver", "serial"),
               ("scanner.driver", "keyboard")}
CHECK_NAME = "device access rules"
INSTALL_FIX = "sudo scripts/install-pi again (it installs the rules), then unplug and replug"


def shipped_rules() -> str:
    """The rules this release ships (devices/udev/)."""
    return resources.files("devices").joinpath("udev", RULES_NAME).read_text(encoding="utf-8")


def check_udev_rules(config: Config, installed: Path = INSTALLED_RULES) -> Check:
    """The udev rules are installed, and are this release's, when a USB device is used."""
    used = sorted(f"{key} = {value}" for key, value in NEEDS_RULES
                  if config.text(key) == value)
    if not used:
        return Check(CHECK_NAME, CheckStatus.OK, "not needed: no USB printer or reader configured")
    try:
        text = installed.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Check(CHECK_NAME, CheckStatus.FAULT,
                     f"{installed} is missing: with {', '.join(used)} the kiosk's user may "
                     "not open the device", INSTALL_FIX)
    except OSError as error:
        return Check(CHECK_NAME, CheckStatus.FAULT, f"{installed}: {error.strerror}", INSTALL_FIX)
    if text != shipped_rules():
        return Check(CHECK_NAME, CheckStatus.WARNING,
                     f"{installed} differs from this release's rules", INSTALL_FIX)
    return Check(CHECK_NAME, CheckStatus.OK, f"{installed} (printer class 07, documented "
                 "printer and scanner vendor ids)")


def access_checks(config: Config) -> list[Check]:
    """The :data:`kiosk.doctor.CheckSource` of device access."""
    return [check_udev_rules(config)]
