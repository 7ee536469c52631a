"""Turn a rendered receipt into the exact ESC/POS bytes of one print job.

The job is built on python-escpos's ``Dummy`` printer (which only collects what would be
sent) with its own commands, so every transport sends the same, tested bytes:

- ``ESC @`` to start from the printer's defaults;
- each raster band as ``GS v 0`` images of at most :data:`FRAGMENT_HEIGHT` rows (small
  printers have small buffers), byte for byte what python-escpos's ``image()`` sends,
  without its colour conversions of an image that is already 1 bit;
- each native QR code as ``ESC a 1`` (centre), the ``GS ( k`` sequence (model 2, module
  size, error correction M, data, print), ``ESC a 0`` and ``ESC J`` to feed its quiet zone;
- a full cut (``GS V``) when the profile has a cutter, else a feed past the tear bar.

Raster bands come from the renderer already free of real-time commands
(:mod:`devices.escpos_raster`); each fragment is checked again, as it is cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from escpos.constants import GS, QR_ECLEVEL_M  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]
from PIL import Image

from devices.escpos_raster import printer_raster_bytes, remove_realtime_commands
from devices.fonts import FontFiles
from devices.printer_profile import PrinterProfile
from devices.receipt_render import QrPart, RasterPart, ReceiptRenderer, RenderedReceipt
from kiosk.receipt import Receipt

#: Rows per ``GS v 0`` image: small enough for the buffer of a cheap 58 mm printer.
FRAGMENT_HEIGHT = 256
#: Lines fed before the cut (python-escpos's cut feeds 6) or, without a cutter, to bring the
#: end of the slip past the tear bar.
TEAR_OFF_FEED_LINES = 4

ESC = b"\x1b"


def encode_receipt(rendered: RenderedReceipt, profile: PrinterProfile) -> bytes:
    """The whole print job for ``rendered`` on a printer with ``profile``."""
    if rendered.width > profile.width_dots:
        raise ValueError(
            f"slip rendered {rendered.width} dots wide; the printer has {profile.width_dots}"
        )
    printer = Dummy()
    profile.apply_to(printer)
    printer.hw("INIT")
    for part in rendered.parts:
        if isinstance(part, RasterPart):
            for fragment in raster_fragments(part.image):
                _raster(printer, fragment)
        else:
            _native_qr(printer, part)
    if profile.cutter:
        printer.cut(mode="FULL")
    else:
        printer.print_and_feed(TEAR_OFF_FEED_LINES)
    job: bytes = printer.output
    return job


def _native_qr(printer: Any, part: QrPart) -> None:
    printer.set(align="center")
    printer.qr(part.payload, ec=QR_ECLEVEL_M, size=part.module_dots, native=True)
    printer.set(align="left")
    # ESC J n: print and feed n dots, the QR code's quiet zone below it.
    printer._raw(ESC + b"J" + bytes([part.feed_dots]))


def _raster(printer: Any, image: Image.Image) -> None:
    # GS v 0, exactly as python-escpos's image(impl="bitImageRaster") sends it, from our
    # already 1-bit image: its own path converts every band RGBA -> L -> 1 again, which
    # was a third of the encoding time (bench/receipt_bench.py).
    data = printer_raster_bytes(image)
    header = (
        GS + b"v0\x00"
        + printer._int_low_high(image.width // 8, 2)
        + printer._int_low_high(image.height, 2)
    )
    printer._raw(header + data)


def raster_fragments(image: Image.Image) -> Iterator[Image.Image]:
    """``image`` cut into bands of at most :data:`FRAGMENT_HEIGHT` rows, each made safe."""
    for top in range(0, image.height, FRAGMENT_HEIGHT):
        band = image.crop((0, top, image.width, min(top + FRAGMENT_HEIGHT, image.height)))
        yield remove_realtime_commands(band)[0]


def render_job(
    receipt: Receipt, profile: PrinterProfile, fonts: FontFiles | None = None
) -> tuple[RenderedReceipt, bytes]:
    """``receipt`` laid out for ``profile`` and its print job: the picture and the bytes."""
    renderer = ReceiptRenderer(profile.width_dots, native_qr=profile.native_qr, fonts=fonts)
    rendered = renderer.render(receipt)
    return rendered, encode_receipt(rendered, profile)
