"""QR decoders for camera frames and image files: zxing-cpp and zbar (through pyzbar).

Both sit behind :func:`load_decoder`, chosen by the ``scanner.decoder`` setting: ``zxing``,
``pyzbar``, or ``auto``, which takes the first available in :data:`PREFERENCE`. zxing-cpp
comes first because it measured better on every count (``bench/decode_bench.py``,
docs/scanning.md): about 10 times faster per frame, it reads rotated, skewed and noisy codes
zbar misses, and it reports codes it found but could not read, which lets the pipeline
retry only where retrying can help.

Text must come back byte-exact. A QR code's byte segments carry no character set unless
the code says so (ECI), and ID cards and our receipts put UTF-8 there. zbar guesses
instead and turns many short Vietnamese strings into Shift-JIS nonsense, so zbar is run in
its binary mode (``ZBAR_CFG_BINARY``, which pyzbar does not expose) through the libzbar that
pyzbar loaded, and both decoders' bytes are decoded here by :func:`payload_text`.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

#: A grayscale image, one byte per pixel, rows first.
GrayFrame = npt.NDArray[np.uint8]

#: Decoder names in the order ``auto`` tries them (measured; see the module docstring).
PREFERENCE = ("zxing", "pyzbar")

#: zbar's ``ZBAR_CFG_BINARY`` (zbar.h, zbar >= 0.23): hand back the bytes, do not convert.
_ZBAR_CFG_BINARY = 4
_ZBAR_CFG_ENABLE = 0
_ZBAR_ALL_SYMBOLOGIES = 0
_ZBAR_QRCODE = 64
_Y800 = int.from_bytes(b"Y800", "little")


class DecoderUnavailableError(Exception):
    """A decoder that cannot be used here, with what is missing and how to get it."""


@dataclass(frozen=True)
class Symbol:
    """One code read from an image: its bytes, and the decoder's own idea of its text."""

    data: bytes
    decoder_text: str | None = None

    @property
    def text(self) -> str:
        """The code's text (see :func:`payload_text`)."""
        return payload_text(self.data, self.decoder_text)


#: A rectangle of an image: left, top, right, bottom (pixels; right and bottom excluded).
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class DecodeResult:
    """What one decoder call found.

    ``unreadable`` holds where QR-like symbols were found but failed to decode (a
    checksum error, a blurred or too small code): a sign that another try on an
    enhanced copy of that part of the image may succeed. Decoders that cannot tell
    report none.
    """

    symbols: tuple[Symbol, ...] = ()
    unreadable: tuple[Box, ...] = ()


class QrDecoder(Protocol):
    """Reads the QR codes in a grayscale image."""

    name: str

    def read(self, frame: GrayFrame) -> DecodeResult:
        """The codes in ``frame``; an empty result when there are none."""
        ...


def payload_text(data: bytes, decoder_text: str | None = None) -> str:
    """The text of a QR payload: UTF-8 when the bytes are UTF-8, as they are on ID cards.

    Valid UTF-8 is almost never produced by chance from another encoding, so it is
    trusted first. Other bytes take the decoder's reading (zxing-cpp honours a code's
    declared character set), else ISO 8859-1, the QR standard's default for byte segments.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decoder_text if decoder_text is not None else data.decode("latin-1")


class ZxingDecoder:
    """zxing-cpp, QR codes only (all formats cost 20 times more and invite false reads)."""

    name = "zxing"

    def __init__(self) -> None:
        try:
            import zxingcpp  # noqa: PLC0415 - a decoder loads its library itself
        except ImportError as error:
            raise DecoderUnavailableError(
                f"zxing-cpp is not installed ({error}): pip install zxing-cpp"
            ) from error
        self._zxing: Any = zxingcpp
        self._formats = zxingcpp.BarcodeFormat.QRCode

    def read(self, frame: GrayFrame) -> DecodeResult:
        """Decode ``frame``; where symbols were found but not decoded is ``unreadable``."""
        found = self._zxing.read_barcodes(frame, formats=self._formats, return_errors=True)
        symbols = tuple(
            Symbol(bytes(barcode.bytes), barcode.text) for barcode in found if barcode.valid
        )
        unreadable = tuple(_box(barcode.position) for barcode in found if not barcode.valid)
        return DecodeResult(symbols, unreadable)


def _box(position: Any) -> Box:
    """The rectangle around a zxing-cpp position (four corner points)."""
    corners = (
        position.top_left, position.top_right, position.bottom_right, position.bottom_left
    )
    xs = [point.x for point in corners]
    ys = [point.y for point in corners]
    return (min(xs), min(ys), max(xs) + 1, max(ys) + 1)


class PyzbarDecoder:
    """zbar through pyzbar's bindings, in binary mode so that the bytes come back exact.

    pyzbar's ``decode()`` lets zbar convert the bytes to text by guessing their character
    set; it cannot switch that off. The scanner set-up is redone here with the functions
    pyzbar bound to its libzbar, plus ``ZBAR_CFG_BINARY``. A libzbar older than 0.23
    refuses that setting, and the decoder is then unavailable rather than wrong.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        try:
            from pyzbar import wrapper  # noqa: PLC0415 - a decoder loads its library itself
        except ImportError as error:
            raise DecoderUnavailableError(
                f"pyzbar cannot load ({error}): pip install pyzbar, and the Debian "
                "package libzbar0"
            ) from error
        self._zbar: Any = wrapper
        # One image scanner, reused: creating one per frame costs about a millisecond.
        self._lock = threading.Lock()
        self._scanner = wrapper.zbar_image_scanner_create()
        wrapper.zbar_image_scanner_set_config(
            self._scanner, _ZBAR_ALL_SYMBOLOGIES, _ZBAR_CFG_ENABLE, 0
        )
        wrapper.zbar_image_scanner_set_config(self._scanner, _ZBAR_QRCODE, _ZBAR_CFG_ENABLE, 1)
        refused = wrapper.zbar_image_scanner_set_config(
            self._scanner, _ZBAR_QRCODE, _ZBAR_CFG_BINARY, 1
        )
        if refused:
            wrapper.zbar_image_scanner_destroy(self._scanner)
            raise DecoderUnavailableError(
                "this libzbar has no binary mode (zbar 0.23 or newer is needed), so it would "
                "garble Vietnamese text: upgrade libzbar0 or use decoder = zxing"
            )

    def read(self, frame: GrayFrame) -> DecodeResult:
        """Decode ``frame``. zbar cannot report unreadable symbols: never any."""
        zbar = self._zbar
        height, width = frame.shape
        pixels = np.ascontiguousarray(frame).tobytes()
        with self._lock:
            image = zbar.zbar_image_create()
            try:
                zbar.zbar_image_set_format(image, _Y800)
                zbar.zbar_image_set_size(image, width, height)
                # ``pixels`` stays referenced until the image is destroyed below.
                zbar.zbar_image_set_data(
                    image, ctypes.cast(ctypes.c_char_p(pixels), ctypes.c_void_p), len(pixels), None
                )
                if zbar.zbar_scan_image(self._scanner, image) < 0:
                    return DecodeResult()
                symbols: list[Symbol] = []
                symbol = zbar.zbar_image_first_symbol(image)
                while symbol:
                    length = zbar.zbar_symbol_get_data_length(symbol)
                    data = ctypes.string_at(zbar.zbar_symbol_get_data(symbol), length)
                    symbols.append(Symbol(data))
                    symbol = zbar.zbar_symbol_next(symbol)
                return DecodeResult(tuple(symbols))
            finally:
                zbar.zbar_image_destroy(image)

    def __del__(self) -> None:
        scanner = getattr(self, "_scanner", None)
        if scanner is not None:
            self._zbar.zbar_image_scanner_destroy(scanner)


#: Decoder name -> class: the one place decoders are listed.
DECODERS: Mapping[str, Callable[[], QrDecoder]] = MappingProxyType(
    {"zxing": ZxingDecoder, "pyzbar": PyzbarDecoder}
)


def load_decoder(choice: str) -> QrDecoder:
    """The decoder named by the ``scanner.decoder`` setting (``auto``, ``zxing``, ``pyzbar``).

    ``auto`` takes the first available in :data:`PREFERENCE`. Raises
    :class:`DecoderUnavailableError` naming what is missing; never substitutes another decoder
    for one that was asked for by name.
    """
    if choice != "auto":
        if choice not in DECODERS:
            raise DecoderUnavailableError(
                f"unknown decoder {choice!r}: use auto, {', '.join(PREFERENCE)}"
            )
        return DECODERS[choice]()
    reasons: list[str] = []
    for name in PREFERENCE:
        try:
            return DECODERS[name]()
        except DecoderUnavailableError as error:
            reasons.append(f"{name}: {error}")
    raise DecoderUnavailableError("no QR decoder is available: " + "; ".join(reasons))


def decoder_availability() -> dict[str, str | None]:
    """Each decoder's name -> None when it can be used here, else why not (for doctor)."""
    availability: dict[str, str | None] = {}
    for name, decoder in DECODERS.items():
        try:
            decoder()
        except DecoderUnavailableError as error:
            availability[name] = str(error)
        else:
            availability[name] = None
    return availability
