"""Simulated code readers, selected by configuration only: tests and demo mode.

:class:`FakeCodeReader` (``scanner.driver = "fake"``) delivers the texts it is fed, records
what was done to it and can be told to fail, so that the unhappy paths have tests.
:class:`ImageFolderReader` (``scanner.driver = "images"``) is a camera whose pictures are
the image files dropped into a folder, decoded by the real pipeline: demo mode without a
card, and a technician's check of the decoder on photos.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Self

from devices.camera_reader import CameraReader, pipeline_from_config
from devices.image_files import IMAGE_SUFFIXES, UnreadableImageError, load_gray
from devices.qr_decoders import GrayFrame
from kiosk.config import Config
from kiosk.reading import ReaderError

log = logging.getLogger(__name__)


class FakeCodeReader:
    """A reader that reads what it is fed; records opens, reads and closes.

    Set ``fail_open``, ``fail_read`` or ``fail_close`` to a message to make that call raise
    :class:`~kiosk.reading.ReaderError` with it; set it back to None to heal the device.
    """

    def __init__(self, *, description: str = "simulated scanner") -> None:
        self.description = description
        self.fail_open: str | None = None
        self.fail_read: str | None = None
        self.fail_close: str | None = None
        self.is_open = False
        self.opens = 0
        self.reads = 0
        self.closes = 0
        self._fed: queue.SimpleQueue[str] = queue.SimpleQueue()

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The demo reader (the configuration has nothing for it)."""
        del config
        return cls(description="simulated scanner (demo)")

    def feed(self, *texts: str) -> None:
        """Have the reader read ``texts``, as if scanned one after the other."""
        for text in texts:
            self._fed.put(text)

    def describe(self) -> str:
        """The description given."""
        return self.description

    def known_limits(self) -> str | None:
        """None: it reads exactly what it is fed."""
        return None

    def open(self) -> None:
        """Open, or fail as told."""
        self.opens += 1
        if self.fail_open is not None:
            raise ReaderError(self.fail_open)
        self.is_open = True

    def read(self, timeout: float) -> Sequence[str]:
        """Everything fed so far (waiting up to ``timeout`` when nothing was), or fail."""
        self.reads += 1
        if self.fail_read is not None:
            raise ReaderError(self.fail_read)
        texts: list[str] = []
        try:
            texts.append(self._fed.get(timeout=timeout) if timeout > 0 else self._fed.get_nowait())
            while True:
                texts.append(self._fed.get_nowait())
        except queue.Empty:
            pass
        return texts

    def close(self) -> None:
        """Close, or fail as told (the device then stays open)."""
        self.closes += 1
        if self.fail_close is not None:
            raise ReaderError(self.fail_close)
        self.is_open = False


class ImageFolderCamera:
    """A camera that shows each image file in a folder once, then nothing.

    A file is shown again when it changes (its modification time), so a demo can drop
    or touch a picture to "hold up" a card.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._shown: set[tuple[str, int]] = set()
        self._idle = threading.Event()

    def describe(self) -> str:
        """The folder."""
        return f"image folder {self.folder} (simulated camera)"

    def open(self) -> None:
        """Check the folder exists."""
        if not self.folder.is_dir():
            raise ReaderError(
                f"the image folder {self.folder} does not exist: create it or change "
                "scanner.image_folder"
            )

    def grab(self, timeout: float) -> GrayFrame | None:
        """The next new picture, or None after ``timeout`` seconds when there is none."""
        try:
            paths = sorted(self.folder.iterdir())
        except OSError as error:
            raise ReaderError(f"cannot list {self.folder}: {error.strerror}") from error
        for path in paths:
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                key = (path.name, path.stat().st_mtime_ns)
            except OSError:
                continue  # removed while listing
            if key in self._shown:
                continue
            self._shown.add(key)
            try:
                return load_gray(path)
            except UnreadableImageError as error:
                log.warning("image folder camera skips %s: %s", path.name, error)
        # Nothing new: wait like a camera waiting for its next frame.
        self._idle.wait(timeout)
        return None

    def close(self) -> None:
        """Nothing to release (pictures already shown stay shown)."""


class ImageFolderReader(CameraReader):
    """``scanner.driver = "images"``: pictures in ``scanner.image_folder``.

    A relative folder is taken in the data directory.
    """

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The reader the configuration asks for."""
        setting = config.text("scanner.image_folder")
        if not setting:
            raise ReaderError("scanner.image_folder is not set (the folder to read pictures from)")
        folder = Path(setting)
        if not folder.is_absolute():
            folder = config.data_dir / folder
        return cls(ImageFolderCamera(folder), pipeline_from_config(config))
