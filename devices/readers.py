"""Code readers built from the configuration, through one driver -> class table.

``scanner.driver`` names the transport. A driver that cannot be built (its module does
not load, a setting is missing) becomes an :class:`UnavailableReader`: it reads nothing
and fails to open with the reason, so the fault shows on the technician screen and in
``kiosk doctor``. It is never replaced by a simulated reader; those are chosen by
configuration alone (``fake``, ``images``).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import cast

from kiosk.config import Config
from kiosk.reading import CodeCallback, CodeReader, ReaderError, ScanService

log = logging.getLogger(__name__)

#: ``scanner.driver`` -> "module:Class"; each class has ``from_config(config)``. Modules
#: are imported only when chosen, so one driver's missing library never stops another.
READER_DRIVERS: Mapping[str, str] = MappingProxyType(
    {
        "serial": "devices.serial_scanner:SerialScanner",
        "keyboard": "devices.keyboard_scanner:KeyboardScanner",
        "camera": "devices.camera_reader:UsbCameraReader",
        "picamera": "devices.picamera_reader:PiCameraReader",
        "images": "devices.image_folder_reader:ImageFolderReader",
        "fake": "devices.fake_reader:FakeCodeReader",
    }
)

#: Modules of the ``camera`` extra (pyproject.toml), missing on a kiosk installed without it.
CAMERA_EXTRA_MODULES = frozenset({"cv2", "pyzbar"})


class UnavailableReader:
    """Stands in for a reader that could not be built: every ``open`` fails with why."""

    def __init__(self, driver: str, problem: str) -> None:
        self.driver = driver
        self.problem = problem

    def describe(self) -> str:
        """The driver that was asked for."""
        return f"code reader '{self.driver}'"

    def known_limits(self) -> str | None:
        """None."""
        return None

    def open(self) -> None:
        """Fail with the reason the reader could not be built."""
        raise ReaderError(f"cannot be used: {self.problem}")

    def read(self, timeout: float) -> Sequence[str]:
        """Never reached (open always fails); reads nothing."""
        del timeout
        return ()

    def close(self) -> None:
        """Nothing to release."""


def driver_factory(driver: str) -> Callable[[Config], CodeReader]:
    """The ``from_config`` of the class the table names for ``driver``.

    Raises :class:`~kiosk.reading.ReaderError` when the driver is unknown or its module
    cannot be imported.
    """
    target = READER_DRIVERS.get(driver)
    if target is None:
        known = ", ".join(["none", *READER_DRIVERS])
        raise ReaderError(f"unknown scanner.driver {driver!r}: use one of {known}")
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        hint = ""
        if error.name in CAMERA_EXTRA_MODULES:
            # The camera's libraries are an extra: most kiosks read codes with a USB scanner.
            hint = (" (the camera is optional: scripts/install-pi --camera, or "
                    "pip install 'motcua-kiosk[camera]')")
        raise ReaderError(f"the {driver} driver cannot load: {error}{hint}") from error
    return cast("Callable[[Config], CodeReader]", getattr(module, class_name).from_config)


def build_reader(config: Config) -> CodeReader | None:
    """The reader ``scanner.driver`` asks for; None for ``none``; never raises."""
    driver = config.text("scanner.driver")
    if driver == "none":
        return None
    try:
        return driver_factory(driver)(config)
    except ReaderError as error:
        problem = str(error)
    except Exception as error:
        log.exception("building the %s code reader failed", driver)
        problem = f"{type(error).__name__}: {error}"
    log.warning("code reader %s is not usable: %s", driver, problem)
    return UnavailableReader(driver, problem)


def build_scan_service(
    config: Config, on_code: CodeCallback, *, clock: Callable[[], float] = time.monotonic
) -> ScanService | None:
    """A :class:`~kiosk.reading.ScanService` for the configured reader (not started).

    None when ``scanner.driver`` is ``none``. ``clock`` times the repeat window (tests).
    """
    reader = build_reader(config)
    if reader is None:
        return None
    return ScanService(
        reader,
        on_code,
        repeat_seconds=float(config.number("scanner.repeat_seconds")),
        clock=clock,
    )
