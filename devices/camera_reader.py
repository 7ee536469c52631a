"""Camera code readers: frames from a camera, decoded into codes on the reader's thread.

:class:`CameraReader` turns any :class:`FrameSource` into a
:class:`~kiosk.reading.CodeReader`: each ``read`` grabs one frame and runs it through the
:class:`~devices.qr_pipeline.FramePipeline`. The USB camera (OpenCV, V4L2) is here; the
Pi camera module is in ``devices/picamera_reader.py`` and the image-folder camera of demo
mode in ``devices/image_folder_reader.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Protocol, Self

from devices.qr_decoders import DecoderUnavailableError, GrayFrame, load_decoder
from devices.qr_pipeline import FramePipeline
from kiosk.config import Config
from kiosk.reading import ReaderError

#: The USB camera's requested frame size: enough pixels per QR module at arm's length,
#: and zxing-cpp decodes it in a few milliseconds even on a Raspberry Pi.
FRAME_WIDTH = 1280
FRAME_HEIGHT = 720

#: A camera that gives no frame this many times in a row is treated as gone.
MAX_MISSED_FRAMES = 30


class FrameSource(Protocol):
    """Something that delivers grayscale frames: a camera, or a folder of pictures."""

    def describe(self) -> str:
        """What the source is, for the technician."""
        ...

    def open(self) -> None:
        """Start delivering frames; :class:`~kiosk.reading.ReaderError` when it cannot."""
        ...

    def grab(self, timeout: float) -> GrayFrame | None:
        """The next frame, or None when none came within about ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Stop and release the camera. Safe to call twice."""
        ...


def pipeline_from_config(config: Config) -> FramePipeline:
    """The frame pipeline with the decoder chosen by ``scanner.decoder``."""
    try:
        return FramePipeline(load_decoder(config.text("scanner.decoder")))
    except DecoderUnavailableError as error:
        raise ReaderError(str(error)) from error


class CameraReader:
    """A code reader that decodes the frames of a :class:`FrameSource`."""

    def __init__(self, source: FrameSource, pipeline: FramePipeline) -> None:
        self.source = source
        self.pipeline = pipeline

    def describe(self) -> str:
        """The source and the decoder."""
        return f"{self.source.describe()}, decoder {self.pipeline.decoder.name}"

    def known_limits(self) -> str | None:
        """How a citizen must hold the card for the camera to read it."""
        return (
            "the card must be held still, in focus, with its QR code at least 2-3 pixels "
            "per module (about a quarter of the picture's height is comfortable)"
        )

    def open(self) -> None:
        """Start the camera."""
        self.source.open()

    def read(self, timeout: float) -> Sequence[str]:
        """Decode the next frame (in the caller's thread: the reader's worker)."""
        frame = self.source.grab(timeout)
        return [] if frame is None else self.pipeline.decode(frame)

    def close(self) -> None:
        """Release the camera."""
        self.source.close()


class UsbCamera:
    """A USB (UVC) camera through OpenCV."""

    def __init__(self, index: int) -> None:
        self.index = index
        self._capture: Any = None
        self._missed = 0

    def describe(self) -> str:
        """The camera's device."""
        return f"USB camera /dev/video{self.index}"

    def open(self) -> None:
        """Open the camera, asking for 1280x720 and a one-frame buffer (no stale frames)."""
        try:
            import cv2  # noqa: PLC0415 - the driver loads its hardware library itself
        except ImportError as error:
            raise ReaderError(
                f"OpenCV cannot load ({error}): pip install opencv-python-headless"
            ) from error
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        capture = cv2.VideoCapture(self.index, backend)
        if not capture.isOpened():
            capture.release()
            raise ReaderError(
                f"no camera at /dev/video{self.index}: is it plugged in, is "
                "scanner.camera_index right, and is the kiosk user in the 'video' group?"
            )
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, FRAME_WIDTH)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, FRAME_HEIGHT)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture
        self._missed = 0

    def grab(self, timeout: float) -> GrayFrame | None:
        """The next frame in gray (OpenCV waits for it; ``timeout`` is the camera's own)."""
        del timeout
        import cv2  # noqa: PLC0415 - loaded by open() already

        if self._capture is None:
            raise ReaderError("the camera is not open")
        ok, frame = self._capture.read()
        if not ok or frame is None:
            self._missed += 1
            if self._missed >= MAX_MISSED_FRAMES:
                raise ReaderError(
                    f"the camera gave no picture {MAX_MISSED_FRAMES} times in a row: "
                    "unplugged, or used by another program?"
                )
            return None
        self._missed = 0
        if frame.ndim == 3:
            gray: GrayFrame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            return gray
        result: GrayFrame = frame
        return result

    def close(self) -> None:
        """Release the camera device."""
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


class UsbCameraReader(CameraReader):
    """``scanner.driver = "camera"``: a USB camera, device ``scanner.camera_index``."""

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The reader the configuration asks for."""
        return cls(UsbCamera(config.number("scanner.camera_index")), pipeline_from_config(config))
