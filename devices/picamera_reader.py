"""The Raspberry Pi camera module through picamera2 (only present on Raspberry Pi OS).

picamera2 is not on PyPI in a usable form: it comes with Raspberry Pi OS as the Debian
package ``python3-picamera2``, so the kiosk's virtual environment must be created with
``--system-site-packages`` to see it (docs/scanning.md).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from devices.camera_reader import FRAME_HEIGHT, FRAME_WIDTH, CameraReader, pipeline_from_config
from devices.qr_decoders import GrayFrame
from kiosk.config import Config
from kiosk.reading import ReaderError


class PiCamera:
    """The camera module on the Pi's CSI connector, read as YUV: the Y plane is the gray."""

    def __init__(self) -> None:
        self._camera: Any = None

    def describe(self) -> str:
        """The camera."""
        return "Raspberry Pi camera module"

    def open(self) -> None:
        """Start the camera at 1280x720."""
        try:
            from picamera2 import Picamera2  # noqa: PLC0415 - present only on a Pi
        except ImportError as error:
            raise ReaderError(
                f"picamera2 cannot load ({error}): on Raspberry Pi OS install the Debian "
                "package python3-picamera2 and create the venv with --system-site-packages"
            ) from error
        try:
            camera = Picamera2()
        except (IndexError, RuntimeError) as error:
            # picamera2 raises IndexError when libcamera lists no camera at all.
            raise ReaderError(
                f"no Pi camera found ({error}): check the ribbon cable and that the "
                "camera is enabled"
            ) from error
        size = (FRAME_WIDTH, FRAME_HEIGHT)
        camera.configure(camera.create_video_configuration(main={"size": size, "format": "YUV420"}))
        camera.start()
        self._camera = camera

    def grab(self, timeout: float) -> GrayFrame | None:
        """The next frame's luminance."""
        del timeout
        if self._camera is None:
            raise ReaderError("the camera is not open")
        planes = self._camera.capture_array("main")
        return np.ascontiguousarray(planes[:FRAME_HEIGHT, :FRAME_WIDTH], dtype=np.uint8)

    def close(self) -> None:
        """Stop the camera and release it."""
        camera, self._camera = self._camera, None
        if camera is not None:
            camera.stop()
            camera.close()


class PiCameraReader(CameraReader):
    """``scanner.driver = "picamera"``: the Raspberry Pi camera module."""

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The reader the configuration asks for."""
        return cls(PiCamera(), pipeline_from_config(config))
