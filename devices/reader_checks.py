"""The code reader's checks for ``kiosk doctor`` and the technician screen.

:func:`reader_checks` is a :data:`kiosk.doctor.CheckSource`: the configured reader loads
and its device opens; its known limits are said (keyboard-wedge scanners may lose
diacritics); for cameras, the configured QR decoder is available.
"""

from __future__ import annotations

from devices.qr_decoders import DecoderUnavailableError, load_decoder
from devices.readers import UnavailableReader, build_reader
from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus

CAMERA_DRIVERS = frozenset({"camera", "picamera", "images"})


def reader_checks(config: Config) -> list[Check]:
    """The code reader and, for cameras, its QR decoder."""
    checks = [check_reader(config)]
    if config.text("scanner.driver") in CAMERA_DRIVERS:
        checks.append(check_decoder(config))
    return checks


def check_reader(config: Config) -> Check:
    """The configured reader can be built and its device opened (then released)."""
    name = "code reader"
    reader = build_reader(config)
    if reader is None:
        return Check(name, CheckStatus.WARNING, "scanner.driver is none: nothing reads codes",
                     "set scanner.driver (serial is recommended, docs/scanning.md)")
    if isinstance(reader, UnavailableReader):
        return Check(name, CheckStatus.FAULT, f"{reader.describe()}: {reader.problem}",
                     "install what the message names, or fix scanner.* (kiosk config)")
    try:
        reader.open()
    except Exception as error:  # noqa: BLE001 - any driver failure is a finding here
        return Check(name, CheckStatus.FAULT, f"{reader.describe()}: {error}",
                     "check the cable and scanner.* settings; a device held by the running "
                     "kiosk app shows as busy: stop it first (systemctl stop motcua-kiosk-ui)")
    finally:
        reader.close()
    limits = reader.known_limits()
    detail = f"{reader.describe()}: {limits}" if limits else reader.describe()
    if config.text("scanner.driver") == "keyboard":
        # Keyboard-wedge scanners type through a keyboard layout: names may lose diacritics.
        return Check(name, CheckStatus.WARNING, detail,
                     "switch the scanner to USB serial (CDC) mode and set scanner.driver = "
                     "serial (docs/scanning.md)")
    return Check(name, CheckStatus.OK, detail)


def check_decoder(config: Config) -> Check:
    """The QR decoder the camera uses is installed."""
    choice = config.text("scanner.decoder")
    try:
        decoder = load_decoder(choice)
    except DecoderUnavailableError as error:
        return Check("QR decoder", CheckStatus.FAULT, str(error),
                     "pip install zxing-cpp (or apt-get install libzbar0 for pyzbar)")
    return Check("QR decoder", CheckStatus.OK, f"{choice}: {type(decoder).__name__}")
