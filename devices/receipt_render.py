"""Lay a receipt out at the printer's width and draw it as 1-bit images.

Why draw text instead of sending it as text: cheap 58 mm printers have no Vietnamese code
page, and python-escpos replaces every letter it cannot encode with "?". Drawn with a font
that covers Vietnamese (:mod:`devices.fonts`), every letter prints on every ESC/POS
printer, at the cost of more bytes (a 30-line slip is some 30 KB: a second at 115200 baud,
nothing over USB or the network).

The output is a list of parts in paper order: raster images, and QR codes the printer
draws itself (``GS ( k``) when its profile says it can; otherwise the QR code is drawn into
the raster with the ``qrcode`` library, the well-kept reference implementation in Python.
:meth:`RenderedReceipt.preview` stacks the parts into the picture of the paper.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped,unused-ignore]
from PIL import Image, ImageDraw, ImageFont

from devices.escpos_raster import remove_realtime_commands
from devices.fonts import FontFiles, find_fonts
from kiosk.receipt import (
    Align,
    BigNumber,
    Block,
    CheckItem,
    Field,
    Line,
    QrCode,
    Receipt,
    Separator,
    TextSize,
    Title,
)
from kiosk.text import nfc

Font = ImageFont.FreeTypeFont

#: Grey level under which a drawn pixel prints black. Above 128 so that the thin strokes
#: of Vietnamese tone marks (a dot below, a hook above) keep at least one dot.
INK_THRESHOLD = 160
#: QR error correction "M" (15 %): survives a scuffed or crumpled slip, stays small.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
#: The QR symbol is drawn about this share of the paper width (a phone reads it at arm's
#: length; a desk scanner at a few centimetres).
QR_WIDTH_SHARE = 0.55
#: Dots per QR module: at least 3 (203 dpi: 0.375 mm, a camera needs a few pixels per module)
#: and at most 8 (the ``GS ( k`` size most printers accept).
QR_MODULE_DOTS = (3, 8)
#: White modules kept around a QR code drawn in the raster, and fed after a native one.
QR_QUIET_MODULES = 2


@dataclass(frozen=True)
class Sizes:
    """Font sizes (pixel height of the em) and spacing for one paper width."""

    small: int
    normal: int
    large: int
    title: int
    big: int
    margin: int

    @classmethod
    def for_width(cls, width: int) -> Sizes:
        """Sizes for ``width`` dots: elders read these at arm's length on 58 and 80 mm."""
        if width >= 512:
            return cls(small=24, normal=30, large=36, title=38, big=128, margin=10)
        return cls(small=20, normal=24, large=28, title=30, big=96, margin=6)


@dataclass(frozen=True)
class RasterPart:
    """A band of the slip drawn as a 1-bit image of the full paper width."""

    image: Image.Image


@dataclass(frozen=True)
class QrPart:
    """A QR code the printer draws itself, and the picture of what it will draw."""

    payload: str
    module_dots: int
    feed_dots: int
    image: Image.Image


Part = RasterPart | QrPart


@dataclass(frozen=True)
class RenderedReceipt:
    """A receipt laid out for one printer: parts in paper order."""

    width: int
    parts: tuple[Part, ...]

    def preview(self) -> Image.Image:
        """The picture of the paper: every part stacked, black on white, 1 bit per dot."""
        height = sum(part.image.height for part in self.parts)
        page = Image.new("1", (self.width, max(height, 1)), 1)
        top = 0
        for part in self.parts:
            page.paste(part.image, (0, top))
            top += part.image.height
        return page


@dataclass(frozen=True)
class _Segment:
    x: int
    text: str
    font: Font
    end: int  # x where the segment's ink advance ends


_FONT_LOCK = threading.RLock()


@lru_cache(maxsize=64)
def _font(path: Path, size: int) -> Font:
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=64)
def _metrics(font: Font) -> tuple[int, int]:
    """Ascent and descent that leave room for stacked marks on capitals ("Ẫ", "Ổ")."""
    ascent, descent = font.getmetrics()
    top = font.getbbox("ẪỖỮẤÂ", anchor="ls")[1]
    return max(ascent, -int(top)), descent


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules of ``payload`` (True: dark), without quiet zone."""
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=0)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_image(matrix: Sequence[Sequence[bool]], module_dots: int) -> Image.Image:
    """The QR symbol as a 1-bit image, ``module_dots`` dots per module."""
    size = len(matrix)
    small = Image.new("1", (size, size), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    return small.resize((size * module_dots, size * module_dots), Image.Resampling.NEAREST)


class ReceiptRenderer:
    """Draws receipts at one paper width, with or without the printer drawing QR codes."""

    def __init__(
        self, width_dots: int, *, native_qr: bool, fonts: FontFiles | None = None
    ) -> None:
        self.width = width_dots
        self.native_qr = native_qr
        self.fonts = fonts or find_fonts()
        self.sizes = Sizes.for_width(width_dots)
        self.inner = width_dots - 2 * self.sizes.margin

    # -- public --------------------------------------------------------------------------

    def render(self, receipt: Receipt) -> RenderedReceipt:
        """``receipt`` as parts ready to encode, in paper order (safe from any thread)."""
        # The cached fonts are shared, and a FreeType face must not draw in two threads at
        # once (the print worker and a preview on the technician screen, say).
        with _FONT_LOCK:
            return self._render(receipt)

    def _render(self, receipt: Receipt) -> RenderedReceipt:
        parts: list[Part] = []
        band: list[Image.Image] = [self._space(self.sizes.normal // 2)]
        for block in receipt.blocks:
            if isinstance(block, QrCode) and self.native_qr:
                band.append(self._space(self.sizes.normal // 3))
                parts.append(RasterPart(self._finish(band)))
                parts.append(self._native_qr(block.payload))
                band = []
                if block.caption:
                    band.append(self._paragraph(block.caption, self._regular(TextSize.SMALL),
                                                Align.CENTER))
                continue
            band.extend(self._block(block))
        band.append(self._space(self.sizes.normal))
        parts.append(RasterPart(self._finish(band)))
        return RenderedReceipt(self.width, tuple(parts))

    # -- blocks --------------------------------------------------------------------------

    def _block(self, block: Block) -> list[Image.Image]:
        sizes = self.sizes
        bands: list[Image.Image]
        if isinstance(block, Title):
            font = _font(self.fonts.bold, sizes.title)
            bands = [self._space(sizes.normal // 4), self._paragraph(block.text, font,
                                                                      Align.CENTER)]
        elif isinstance(block, Line):
            font = self._bold(block.size) if block.bold else self._regular(block.size)
            bands = [self._paragraph(block.text, font, block.align)]
        elif isinstance(block, Field):
            bands = [self._field(block)]
        elif isinstance(block, BigNumber):
            bands = [self._big_number(block.text)]
        elif isinstance(block, CheckItem):
            bands = [self._check_item(block)]
        elif isinstance(block, Separator):
            bands = [self._separator()]
        else:
            bands = self._qr_in_raster(block)
        return bands

    def _regular(self, size: TextSize) -> Font:
        return _font(self.fonts.regular, self._points(size))

    def _bold(self, size: TextSize) -> Font:
        return _font(self.fonts.bold, self._points(size))

    def _points(self, size: TextSize) -> int:
        sizes = self.sizes
        return {TextSize.SMALL: sizes.small, TextSize.NORMAL: sizes.normal,
                TextSize.LARGE: sizes.large}[size]

    def _paragraph(self, text: str, font: Font, align: Align) -> Image.Image:
        return self._runs([(text, font)], align, self.inner, self.sizes.margin)

    def _runs(
        self,
        runs: Sequence[tuple[str, Font]],
        align: Align,
        width: int,
        left: int,
        lines: list[list[_Segment]] | None = None,
    ) -> Image.Image:
        """Words of ``runs`` wrapped to ``width`` (or the given ``lines``), a font each."""
        lines = _wrap(runs, width) if lines is None else lines
        heights = [_line_height(line) for line in lines]
        strip = Image.new("L", (self.width, sum(h for h, _ in heights) or 1), 255)
        draw = ImageDraw.Draw(strip)
        top = 0
        for line, (height, ascent) in zip(lines, heights, strict=True):
            used = max((segment.end for segment in line), default=0)
            offset = left + ((width - used) // 2 if align is Align.CENTER else 0)
            for segment in line:
                draw.text((offset + segment.x, top + ascent), segment.text, font=segment.font,
                          fill=0, anchor="ls")
            top += height
        return strip

    def _field(self, field: Field) -> Image.Image:
        """"Label: **value**" on one line; a longer value goes under its bold label.

        A few words in bold stand out; a paragraph in bold is hard to read.
        """
        regular, bold = self._regular(TextSize.NORMAL), self._bold(TextSize.NORMAL)
        label = f"{field.label}:"
        one_line = [(label, regular), (field.value, bold)]
        lines = _wrap(one_line, self.inner)
        if len(lines) == 1:
            return self._runs(one_line, Align.LEFT, self.inner, self.sizes.margin, lines)
        return _stack(
            [self._paragraph(label, bold, Align.LEFT),
             self._paragraph(field.value, regular, Align.LEFT)],
            self.width,
        )

    def _big_number(self, text: str) -> Image.Image:
        """``text`` in bold, as large as fits on one line."""
        size = self.sizes.big
        font = _font(self.fonts.bold, size)
        while size > self.sizes.large and font.getlength(text) > self.inner:
            size -= 4
            font = _font(self.fonts.bold, size)
        left, top, right, bottom = (int(edge) for edge in font.getbbox(text, anchor="ls"))
        pad = self.sizes.normal // 3
        strip = Image.new("L", (self.width, bottom - top + 2 * pad), 255)
        draw = ImageDraw.Draw(strip)
        x = (self.width - (right - left)) // 2 - left
        draw.text((x, pad - top), text, font=font, fill=0, anchor="ls")
        return strip

    def _check_item(self, item: CheckItem) -> Image.Image:
        """A box to tick, then the text wrapped beside it, then the note in small type."""
        font = self._regular(TextSize.NORMAL)
        box = max(int(font.size * 0.7), 10)
        indent = box + self.sizes.normal // 2
        left = self.sizes.margin + indent
        text = self._runs([(item.text, font)], Align.LEFT, self.inner - indent, left)
        bands = [text]
        if item.note:
            bands.append(self._runs([(item.note, self._regular(TextSize.SMALL))], Align.LEFT,
                                    self.inner - indent, left))
        bands.append(self._space(self.sizes.small // 3))
        strip = _stack(bands, self.width)
        ascent, _ = _metrics(font)
        draw = ImageDraw.Draw(strip)
        top = ascent - box
        left_edge = self.sizes.margin
        draw.rectangle((left_edge, top, left_edge + box, top + box), outline=0, width=2)
        if item.checked:
            # Drawn, not a "✓" glyph: not every font that covers Vietnamese has one.
            tick = [(0.2, 0.5), (0.42, 0.75), (0.82, 0.22)]
            draw.line([(left_edge + box * x, top + box * y) for x, y in tick], fill=0, width=3)
        return strip

    def _separator(self) -> Image.Image:
        height = self.sizes.normal // 2 + 2
        strip = Image.new("L", (self.width, height), 255)
        draw = ImageDraw.Draw(strip)
        middle = height // 2
        for x in range(self.sizes.margin, self.width - self.sizes.margin, 12):
            draw.rectangle((x, middle - 1, min(x + 7, self.width - self.sizes.margin - 1), middle),
                           fill=0)
        return strip

    # -- QR codes ------------------------------------------------------------------------

    def _module_dots(self, modules: int) -> int:
        low, high = QR_MODULE_DOTS
        return max(low, min(high, int(self.width * QR_WIDTH_SHARE) // modules))

    def _native_qr(self, payload: str) -> QrPart:
        matrix = qr_matrix(payload)
        dots = self._module_dots(len(matrix))
        symbol = qr_image(matrix, dots)
        feed = QR_QUIET_MODULES * dots
        picture = Image.new("1", (self.width, symbol.height + feed), 1)
        picture.paste(symbol, ((self.width - symbol.width) // 2, 0))
        return QrPart(payload, dots, feed, picture)

    def _qr_in_raster(self, block: QrCode) -> list[Image.Image]:
        matrix = qr_matrix(block.payload)
        dots = self._module_dots(len(matrix))
        symbol = qr_image(matrix, dots).convert("L")
        quiet = QR_QUIET_MODULES * dots
        strip = Image.new("L", (self.width, symbol.height + 2 * quiet), 255)
        strip.paste(symbol, ((self.width - symbol.width) // 2, quiet))
        bands = [strip]
        if block.caption:
            bands.append(self._paragraph(block.caption, self._regular(TextSize.SMALL),
                                         Align.CENTER))
        return bands

    # -- assembling ----------------------------------------------------------------------

    def _space(self, height: int) -> Image.Image:
        return Image.new("L", (self.width, max(height, 1)), 255)

    def _finish(self, bands: Sequence[Image.Image]) -> Image.Image:
        """Stack grey bands and threshold them to the 1-bit image the printer gets."""
        grey = _stack(bands, self.width) if bands else self._space(1)
        ink = grey.point(lambda level: 255 if level >= INK_THRESHOLD else 0).convert(
            "1", dither=Image.Dither.NONE
        )
        return remove_realtime_commands(ink)[0]


def _stack(bands: Sequence[Image.Image], width: int) -> Image.Image:
    strip = Image.new("L", (width, max(sum(band.height for band in bands), 1)), 255)
    top = 0
    for band in bands:
        strip.paste(band, (0, top))
        top += band.height
    return strip


def _line_height(line: Sequence[_Segment]) -> tuple[int, int]:
    """Height and baseline of one line: the tallest font on it, plus a little air."""
    metrics = [_metrics(segment.font) for segment in line]
    ascent = max(a for a, _ in metrics)
    descent = max(d for _, d in metrics)
    size = int(max(segment.font.size for segment in line))
    return ascent + descent + max(size // 8, 2), ascent


def _wrap(runs: Sequence[tuple[str, Font]], width: int) -> list[list[_Segment]]:
    """Greedy word wrap of ``runs`` (text in a font each) into lines of ``width`` dots.

    Consecutive words in one font on a line are joined into one segment, so a line is
    drawn with as few calls as possible. A word wider than the line (a long URL) is
    broken between letters. Each word is measured once: measuring is most of the cost.
    """
    lines: list[list[_Segment]] = [[]]
    x = 0.0
    for text, font in runs:
        space = _length(font, " ")
        for word, length in _words(nfc(text), font, width):
            line = lines[-1]
            gap = space if line else 0.0
            if line and x + gap + length > width:
                lines.append([])
                line, gap, x = lines[-1], 0.0, 0.0
            end = round(x + gap + length)
            if line and line[-1].font is font:
                last = line[-1]
                line[-1] = _Segment(last.x, f"{last.text} {word}", font, end)
            else:
                line.append(_Segment(round(x + gap), word, font, end))
            x += gap + length
    return [line for line in lines if line] or [[_Segment(0, "", runs[0][1], 0)]]


def _words(text: str, font: Font, width: int) -> list[tuple[str, float]]:
    """The words of ``text`` with their lengths; words wider than ``width`` cut to fit."""
    pieces: list[tuple[str, float]] = []
    for word in text.split():
        rest, length = word, _length(font, word)
        while length > width:
            cut = len(rest) - 1
            while cut > 1 and _length(font, rest[:cut]) > width:
                cut -= 1
            pieces.append((rest[:cut], _length(font, rest[:cut])))
            rest = rest[cut:]
            length = _length(font, rest)
        pieces.append((rest, length))
    return pieces


@lru_cache(maxsize=8192)
def _length(font: Font, text: str) -> float:
    """The advance of ``text`` in ``font``; kiosks print the same words all day."""
    return font.getlength(text)


def forget_measurements() -> None:
    """Empty the word-length cache (benchmarks measure a kiosk's first slip with it)."""
    _length.cache_clear()
