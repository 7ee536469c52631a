"""Camera readers, the image-folder camera, and readers built from the configuration."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from devices.camera_reader import CameraReader, UsbCamera, UsbCameraReader
from devices.fake_reader import FakeCodeReader
from devices.image_folder_reader import ImageFolderCamera, ImageFolderReader
from devices.keyboard_scanner import KeyboardScanner
from devices.qr_decoders import GrayFrame, ZxingDecoder
from devices.qr_pipeline import FramePipeline
from devices.readers import READER_DRIVERS, UnavailableReader, build_reader, build_scan_service
from devices.serial_scanner import SerialScanner
from kiosk.config import SETTINGS_BY_KEY, Config, load_config
from kiosk.reading import ReaderError, ReaderState, ScanService
from kiosk.scanned import ScanKind, ScannedCode
from tests.damaged_images import DAMAGES, good_png
from tests.qr_images import CARD, in_scene, qr_pil

WORKER_WAIT = 10.0


class RecordingCamera:
    """A frame source that shows the frames it is given, then empty frames; records calls."""

    def __init__(self, frames: list[GrayFrame]) -> None:
        self.frames = list(frames)
        self.opened = False
        self.released = False

    def describe(self) -> str:
        return "test camera"

    def open(self) -> None:
        self.opened = True
        self.released = False

    def grab(self, timeout: float) -> GrayFrame | None:
        if self.frames:
            return self.frames.pop(0)
        return np.full((480, 640), 140, np.uint8)

    def close(self) -> None:
        self.released = True


def config_with(tmp_path: Path, toml: str, *, demo: bool = False) -> Config:
    site = tmp_path / "kiosk.toml"
    site.write_text(toml, encoding="utf-8")
    return load_config(
        demo=demo, environ={"KIOSK_CONFIG": str(site), "KIOSK_DATA_DIR": str(tmp_path / "data")}
    )


def test_a_camera_reader_decodes_frames_and_the_camera_is_released_on_stop() -> None:
    # GIVEN a camera that sees a card held up for three frames, and a started service
    card = in_scene(qr_pil(CARD, module_px=4))
    camera = RecordingCamera([card, card, card])
    reader = CameraReader(camera, FramePipeline(ZxingDecoder()))
    arrived = threading.Event()
    reported: list[ScannedCode] = []

    def on_code(code: ScannedCode) -> None:
        reported.append(code)
        arrived.set()

    service = ScanService(reader, on_code, read_timeout=0.01)
    service.start()
    # WHEN the card has been read and the reader is stopped
    assert arrived.wait(WORKER_WAIT)
    state = service.stop()
    # THEN the card was reported once (three frames, one report), and the camera released
    assert [code.kind for code in reported] == [ScanKind.CITIZEN_ID]
    assert reported[0].raw == CARD
    assert (state, camera.released) == (ReaderState.STOPPED, True)


def test_the_camera_reader_describes_camera_and_decoder() -> None:
    reader = CameraReader(RecordingCamera([]), FramePipeline(ZxingDecoder()))
    assert reader.describe() == "test camera, decoder zxing"


def test_a_missing_usb_camera_says_what_to_check() -> None:
    with pytest.raises(ReaderError) as raised:
        UsbCamera(63).open()
    assert str(raised.value) == (
        "no camera at /dev/video63: is it plugged in, is scanner.camera_index right, and "
        "is the kiosk user in the 'video' group?"
    )


# --- the image-folder camera ---------------------------------------------------------------


def test_the_image_folder_camera_shows_each_picture_once_and_new_ones_later(
    tmp_path: Path,
) -> None:
    # GIVEN a folder with a card's picture, a text file and a broken "picture"
    folder = tmp_path / "inbox"
    folder.mkdir()
    qr_pil(CARD).save(folder / "a-card.png")
    (folder / "b-notes.txt").write_text("not a picture")
    (folder / "c-broken.png").write_bytes(b"not a png")
    reader = CameraReader(ImageFolderCamera(folder), FramePipeline(ZxingDecoder()))
    reader.open()
    # WHEN it is read until nothing new is left
    first = reader.read(0)
    second = reader.read(0)
    # THEN the card was read once and the rest skipped
    assert (first, second) == ([CARD], [])
    # AND WHEN a receipt's picture is dropped in, THEN it is read next
    qr_pil("MOTCUA:R:K7QM3XP5").save(folder / "d-receipt.png")
    assert reader.read(0) == ["MOTCUA:R:K7QM3XP5"]


def test_the_image_folder_camera_skips_damaged_pngs_and_reads_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a folder where damaged PNGs (each way Pillow reports differently) lie between
    # a card and a receipt
    folder = tmp_path / "inbox"
    folder.mkdir()
    qr_pil(CARD).save(folder / "a-card.png")
    for name, (make, _) in sorted(DAMAGES.items()):
        (folder / f"b-{name}.png").write_bytes(make(good_png(CARD)))
    qr_pil("MOTCUA:R:K7QM3XP5").save(folder / "c-receipt.png")
    reader = CameraReader(ImageFolderCamera(folder), FramePipeline(ZxingDecoder()))
    reader.open()
    # WHEN it is read until nothing new is left, THEN it never raises: the damaged files
    # are skipped with a warning and both codes are read
    assert [reader.read(0) for _ in range(3)] == [[CARD], ["MOTCUA:R:K7QM3XP5"], []]
    skipped = [r.getMessage() for r in caplog.records if "skips" in r.getMessage()]
    assert len(skipped) == len(DAMAGES)


def test_a_changed_picture_is_shown_again(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    picture = folder / "card.png"
    qr_pil("K7QM3XP5").save(picture)
    camera = ImageFolderCamera(folder)
    camera.open()
    assert camera.grab(0) is not None
    assert camera.grab(0) is None
    stat = picture.stat()
    os.utime(picture, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert camera.grab(0) is not None


def test_a_missing_image_folder_is_a_reader_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=r"the image folder .*missing does not exist"):
        ImageFolderCamera(tmp_path / "missing").open()


# --- readers from the configuration ---------------------------------------------------------


def test_every_driver_choice_has_exactly_one_table_entry() -> None:
    choices = SETTINGS_BY_KEY["scanner.driver"].choices
    assert choices is not None
    assert set(choices) - {"none"} == set(READER_DRIVERS)


def test_none_builds_no_reader(tmp_path: Path) -> None:
    assert build_reader(config_with(tmp_path, '[scanner]\ndriver = "none"\n')) is None


@pytest.mark.parametrize(
    ("toml", "expected_type", "description"),
    [
        ('driver = "serial"\nserial_device = "/dev/ttyACM1"\nbaudrate = 115200\n',
         SerialScanner, "USB scanner (serial mode) on /dev/ttyACM1"),
        ('driver = "keyboard"\nkeyboard_device = "/dev/input/by-id/usb-x-event-kbd"\n',
         KeyboardScanner, "USB scanner (keyboard mode) on /dev/input/by-id/usb-x-event-kbd"),
        ('driver = "camera"\ncamera_index = 2\ndecoder = "pyzbar"\n',
         UsbCameraReader, "USB camera /dev/video2, decoder pyzbar"),
        ('driver = "fake"\n', FakeCodeReader, "simulated scanner (demo)"),
    ],
)
def test_the_configured_driver_is_built(
    tmp_path: Path, toml: str, expected_type: type, description: str
) -> None:
    reader = build_reader(config_with(tmp_path, "[scanner]\n" + toml))
    assert type(reader) is expected_type
    assert reader is not None
    assert reader.describe() == description


def test_the_images_driver_reads_a_folder_in_the_data_directory(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[scanner]\ndriver = "images"\nimage_folder = "inbox"\n')
    reader = build_reader(config)
    assert isinstance(reader, ImageFolderReader)
    assert reader.describe() == (
        f"image folder {tmp_path / 'data' / 'inbox'} (simulated camera), decoder zxing"
    )


def test_a_reader_that_cannot_be_built_is_a_visible_fault_never_a_fake(tmp_path: Path) -> None:
    # GIVEN the images driver with no folder set
    config = config_with(tmp_path, '[scanner]\ndriver = "images"\n')
    # WHEN the reader is built and its service runs a turn
    service = build_scan_service(config, lambda code: None)
    assert service is not None
    assert service.step() is False
    # THEN it is FAILED with the reason, and nothing simulated stands in for it
    status = service.status()
    assert (status.state, status.description) == (ReaderState.FAILED, "code reader 'images'")
    assert status.fault == (
        "code reader 'images': cannot be used: scanner.image_folder is not set (the folder "
        "to read pictures from)"
    )
    assert isinstance(build_reader(config), UnavailableReader)


def test_a_driver_whose_library_cannot_load_is_a_visible_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no QR decoder can be loaded on this kiosk
    import sys

    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    config = config_with(tmp_path, '[scanner]\ndriver = "camera"\n')
    # WHEN the camera reader is built
    reader = build_reader(config)
    # THEN it is unavailable, and opening it says which libraries are missing
    assert isinstance(reader, UnavailableReader)
    expected = (
        r"cannot be used: no QR decoder is available: "
        r"zxing: zxing-cpp is not installed .*; pyzbar: pyzbar cannot load"
    )
    with pytest.raises(ReaderError, match=expected):
        reader.open()


def test_the_service_uses_the_configured_repeat_window(tmp_path: Path) -> None:
    # GIVEN the fake reader with a 10-second repeat window, on a clock the test moves
    now = [100.0]
    reported: list[str] = []
    config = config_with(tmp_path, '[scanner]\ndriver = "fake"\nrepeat_seconds = 10\n')
    service = build_scan_service(config, lambda code: reported.append(code.raw),
                                 clock=lambda: now[0])
    assert service is not None
    reader = service_reader(service)
    # WHEN a code is scanned, and again 5 s later (past the default 3 s)
    reader.feed("K7QM3XP5")
    service.step()
    now[0] += 5.0
    reader.feed("K7QM3XP5")
    service.step()
    # THEN it was reported once: the configured window applies
    assert reported == ["K7QM3XP5"]


def service_reader(service: ScanService) -> FakeCodeReader:
    reader = service.reader
    assert isinstance(reader, FakeCodeReader)
    return reader


def test_demo_mode_uses_the_fake_reader(tmp_path: Path) -> None:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert isinstance(build_reader(config), FakeCodeReader)
    assert config.text("scanner.image_folder") == "scan-inbox"


def test_the_demo_reader_loads_no_camera_library() -> None:
    # OpenCV alone is some 15 MB of the app's memory: only the camera drivers load it.
    probe = "import sys, devices.fake_reader; print(sorted({'cv2', 'numpy'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
