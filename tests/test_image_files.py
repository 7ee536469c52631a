"""Image files as frames: a damaged file is an :class:`UnreadableImageError`, never a crash."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from devices.image_files import UnreadableImageError, load_gray
from tests.damaged_images import DAMAGES, good_png, pillow_error
from tests.qr_images import CARD


def test_a_good_png_is_a_gray_frame(tmp_path: Path) -> None:
    picture = tmp_path / "card.png"
    picture.write_bytes(good_png(CARD))
    frame = load_gray(picture)
    assert frame.ndim == 2
    assert frame.dtype.name == "uint8"


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_png_is_an_unreadable_image_with_the_reason(
    tmp_path: Path, damage: str
) -> None:
    make, raised = DAMAGES[damage]
    data = make(good_png(CARD))
    # GIVEN a PNG damaged so that Pillow itself raises (checked, so the damage is real)
    error = pillow_error(data)
    assert error is not None
    assert issubclass(error, raised)
    picture = tmp_path / f"{damage}.png"
    picture.write_bytes(data)
    # WHEN it is loaded, THEN it is refused with a reason, whatever Pillow raised
    with pytest.raises(UnreadableImageError) as refused:
        load_gray(picture)
    assert str(refused.value)


def test_a_broken_png_chunk_says_the_image_is_damaged(tmp_path: Path) -> None:
    make, _ = DAMAGES["broken-chunk-name"]
    picture = tmp_path / "broken.png"
    picture.write_bytes(make(good_png(CARD)))
    with pytest.raises(UnreadableImageError, match=r"^the image is damaged: broken PNG file"):
        load_gray(picture)


@pytest.mark.parametrize(
    "error",
    [EOFError("no more images in GIF file"), zlib.error("Error -3 while decompressing data")],
    ids=["EOFError", "zlib.error"],
)
def test_the_other_errors_of_damaged_files_are_unreadable_images_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # GIVEN Pillow raises, while reading a file's EXIF block, an error that other damaged
    # formats (a GIF or APNG ending early, bad deflate data) produce
    def failing(image: Image.Image) -> Image.Image:
        raise error

    transpose: Callable[[Image.Image], Image.Image] = failing
    monkeypatch.setattr(ImageOps, "exif_transpose", transpose)
    picture = tmp_path / "card.png"
    picture.write_bytes(good_png(CARD))
    # WHEN the file is loaded, THEN it is an unreadable image naming the error
    with pytest.raises(UnreadableImageError, match=f"^the image is damaged: {error}$"):
        load_gray(picture)
