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
from kiosk.reading import FAULT_STATES, ReaderState, ReaderStatus

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
    return _working(config, reader.describe(), reader.known_limits())


def check_running_reader(config: Config, status: ReaderStatus) -> Check:
    """The running app's reader, from its scan service (the device is not opened again).

    Opening a device the app holds would report it busy, or take codes meant for the app.
    """
    name = "code reader"
    if status.state in FAULT_STATES:
        return Check(name, CheckStatus.FAULT, status.fault or status.description,
                     "check the cable and scanner.* settings (kiosk config); the kiosk "
                     "opens the reader again every few seconds")
    if status.state is not ReaderState.READING:
        return Check(name, CheckStatus.WARNING, f"{status.description}: {status.state.value}",
                     "wait a few seconds; if it stays so, restart the kiosk app")
    return _working(config, status.description, status.limits)


def _working(config: Config, description: str, limits: str | None) -> Check:
    name = "code reader"
    detail = f"{description}: {limits}" if limits else description
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
