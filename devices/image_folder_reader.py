"""The image-folder camera (``scanner.driver = "images"``): demo mode without a card.

:class:`ImageFolderReader` is a camera whose pictures are the image files dropped into a
folder, decoded by the real pipeline (OpenCV, zxing-cpp): demo mode without a card, and a
technician's check of the decoder on photos. It lives apart from the simulated scanner of
``devices/fake_reader.py`` so that only this driver loads the camera libraries.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Self

from devices.camera_reader import CameraReader, pipeline_from_config
from devices.image_files import IMAGE_SUFFIXES, UnreadableImageError, load_gray
from devices.qr_decoders import GrayFrame
from kiosk.config import Config
from kiosk.reading import ReaderError

log = logging.getLogger(__name__)


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
