"""Image files as grayscale frames, for ``kiosk scan`` and the image-folder camera."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from devices.qr_decoders import GrayFrame

#: Files the image-folder camera looks at (``kiosk scan`` tries any file it is given).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})

#: Larger images are refused: a decompression bomb must not exhaust a kiosk's memory.
MAX_PIXELS = 50_000_000


#: What Pillow's decoders raise on a damaged file besides OSError, often only once the
#: pixels or the EXIF block are read (after ``Image.open`` succeeded): a PNG chunk with a
#: bad name or compression method is a SyntaxError ("broken PNG file"), an oversized text
#: chunk a ValueError, a GIF or APNG that ends early an EOFError, bad deflate data a
#: zlib.error, a short header field a struct.error.
DAMAGED_IMAGE_ERRORS: tuple[type[Exception], ...] = (
    SyntaxError, ValueError, EOFError, zlib.error, struct.error,
)


class UnreadableImageError(Exception):
    """A file that is not an image this kiosk can read, with the reason."""


def load_gray(path: Path) -> GrayFrame:
    """The image in ``path`` as a grayscale frame, upright as a camera app would show it."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415 - Pillow stays here

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImageError(
                    f"{image.width}x{image.height} pixels is larger than the "
                    f"{MAX_PIXELS:,} this command reads"
                )
            upright = ImageOps.exif_transpose(image)
            gray = np.asarray(upright.convert("L"), dtype=np.uint8)
    except FileNotFoundError:
        raise UnreadableImageError("no such file") from None
    except IsADirectoryError:
        raise UnreadableImageError("it is a directory, not an image file") from None
    except UnidentifiedImageError:
        raise UnreadableImageError("not an image file Pillow can read (PNG, JPEG, ...)") from None
    except OSError as error:
        # Permission denied, a truncated file, an unsupported variant of a format.
        raise UnreadableImageError(error.strerror or str(error)) from None
    except DAMAGED_IMAGE_ERRORS as error:
        raise UnreadableImageError(f"the image is damaged: {error}") from None
    except Image.DecompressionBombError as error:
        raise UnreadableImageError(str(error)) from None
    return np.ascontiguousarray(gray)
