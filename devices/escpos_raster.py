"""Raster images as ESC/POS printers read them, made safe from accidental commands.

Printers act on real-time commands (``DLE EOT``, ``DLE ENQ``, ``DLE DC4``) wherever the
bytes appear, even inside image data: a raster row that happens to contain ``10 04 01``
makes the printer answer a status query nobody asked (and confuses the next real one), and
``10 05 02`` clears its buffer mid-slip. :func:`remove_realtime_commands` clears the one dot
that makes such a sequence; a missing dot is invisible on a slip, a lost slip is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from PIL import Image

DLE = b"\x10"
#: Real-time commands: DLE followed by EOT (status), ENQ (recover/clear) or DC4 (pulse, off).
REALTIME_PREFIXES = (DLE + b"\x04", DLE + b"\x05", DLE + b"\x14")
# Printer rasters are 1 for a black dot; PIL's mode "1" bytes are 1 for white.
_INVERT = bytes(255 - value for value in range(256))


def printer_raster_bytes(image: Image.Image) -> bytes:
    """The raster bytes a printer gets for a 1-bit ``image`` (1 bits are black dots)."""
    if image.width % 8:
        raise ValueError(f"raster width {image.width} is not a multiple of 8 dots")
    return image.convert("1").tobytes().translate(_INVERT)


def remove_realtime_commands(image: Image.Image) -> tuple[Image.Image, int]:
    """``image`` with no real-time command in its raster bytes, and how many dots changed.

    Where a raster byte 0x10 (one black dot) is followed by 0x04, 0x05 or 0x14, that dot is
    made white, turning the DLE into 0x00; no new DLE can appear that way.
    """
    data = printer_raster_bytes(image)
    positions = sorted(
        {index for prefix in REALTIME_PREFIXES for index in _find_all(data, prefix)}
    )
    if not positions:
        return image, 0
    cleaned = image.copy()
    row_bytes = image.width // 8
    for index in positions:
        row, column = divmod(index, row_bytes)
        # 0x10 is the fourth dot from the left of its byte (bits are most significant first).
        cleaned.putpixel((column * 8 + 3, row), 1)
    return cleaned, len(positions)


def _find_all(data: bytes, needle: bytes) -> Iterator[int]:
    start = data.find(needle)
    while start != -1:
        yield start
        start = data.find(needle, start + 1)
