"""Truly damaged PNG files, made from a good one the way a bad card or copy damages them.

Each maker takes the bytes of a good PNG and returns damaged bytes; :data:`DAMAGES` pairs
each with the exception Pillow itself raises on it (when the pixels or the EXIF block are
read, not when the file is opened), so a test can check the damage is still real with the
installed Pillow.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image

from tests.qr_images import qr_pil

#: Bytes before the first chunk: the PNG signature.
SIGNATURE_LENGTH = 8


def good_png(payload: str) -> bytes:
    """A readable PNG of a QR code holding ``payload``."""
    buffer = io.BytesIO()
    qr_pil(payload).save(buffer, format="PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (kind, data) chunks of ``png``, in order."""
    chunks, position = [], SIGNATURE_LENGTH
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind = png[position + 4:position + 8]
        chunks.append((kind, png[position + 8:position + 8 + length]))
        position += 12 + length
    return chunks


def _assemble(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(kind, data) for kind, data in chunks)


def _before_end(png: bytes, extra: bytes) -> bytes:
    """``png`` with the chunk ``extra`` inserted after the image data, before IEND."""
    chunks = _chunks(png)
    end = [kind for kind, _ in chunks].index(b"IEND")
    return _assemble(chunks[:end]) + extra + _chunk(b"IEND", b"")


def truncated(png: bytes) -> bytes:
    """The file cut in the middle of its image data (a copy interrupted)."""
    return png[: len(png) // 2]


def bad_header_checksum(png: bytes) -> bytes:
    """The header chunk's checksum wrong: Pillow refuses the file when opening it."""
    damaged = bytearray(png)
    checksum_at = SIGNATURE_LENGTH + 8 + 13  # length, name, the 13 bytes of IHDR
    damaged[checksum_at] ^= 0xFF
    return bytes(damaged)


def flipped_image_data(png: bytes) -> bytes:
    """A byte flipped inside the compressed image data, its checksum made right again."""
    chunks = _chunks(png)
    index = [kind for kind, _ in chunks].index(b"IDAT")
    data = bytearray(chunks[index][1])
    data[len(data) // 2] ^= 0xFF
    chunks[index] = (b"IDAT", bytes(data))
    return _assemble(chunks)


def broken_chunk_name(png: bytes) -> bytes:
    """The image data split in two chunks, the second one's name overwritten by garbage.

    Pillow reads past the first chunk only when decoding the pixels and then raises
    ``SyntaxError: broken PNG file``.
    """
    chunks = _chunks(png)
    index = [kind for kind, _ in chunks].index(b"IDAT")
    data = chunks[index][1]
    chunks[index:index + 1] = [(b"IDAT", data[:100]), (b"IDAT", data[100:])]
    damaged = bytearray(_assemble(chunks))
    second = damaged.index(b"IDAT", damaged.index(b"IDAT") + 4)
    damaged[second:second + 4] = b"\x01\x02\x03\x04"
    return bytes(damaged)


def unknown_text_compression(png: bytes) -> bytes:
    """A compressed-text chunk after the image data naming compression method 1.

    Read by ``ImageOps.exif_transpose`` (it loads the image to find EXIF data): a
    SyntaxError.
    """
    return _before_end(png, _chunk(b"zTXt", b"Comment\x00\x01garbage"))


def oversized_text(png: bytes) -> bytes:
    """A compressed-text chunk after the image data that inflates past Pillow's limit."""
    bomb = zlib.compress(b"a" * (2**21))
    return _before_end(png, _chunk(b"zTXt", b"Comment\x00\x00" + bomb))


#: Each damage, and what Pillow raises when the damaged file's pixels are read.
DAMAGES: dict[str, tuple[Callable[[bytes], bytes], type[Exception]]] = {
    "truncated": (truncated, OSError),
    "bad-header-checksum": (bad_header_checksum, OSError),
    "flipped-image-data": (flipped_image_data, OSError),
    "broken-chunk-name": (broken_chunk_name, SyntaxError),
    "unknown-text-compression": (unknown_text_compression, SyntaxError),
    "oversized-text": (oversized_text, ValueError),
}


def pillow_error(data: bytes) -> type[Exception] | None:
    """The exception class Pillow raises reading ``data`` as a camera app would; None if none."""
    from PIL import ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            ImageOps.exif_transpose(image).convert("L")
    except Exception as error:  # any class: which one is the answer
        return type(error)
    return None
