"""From a grayscale frame to the texts of the QR codes in it: one decode, and a retry where
one can help.

A camera at arm's length sees a card's QR code at 2-3 pixels per module and often a little
out of focus; a decoder then finds the code's finder patterns but fails its checksum.
Only then, when the decoder reports such an unreadable symbol, is the region around it
tried again: sharpened, then enlarged two times and sharpened. Frames with nothing in
them, the kiosk's usual view, cost one decoder call and nothing more, and a retry can
only add codes that pass the QR checksum, so it cannot add false reads.
``bench/decode_bench.py`` measures all this against the decoders alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import cv2
import numpy as np

from devices.qr_decoders import Box, GrayFrame, QrDecoder

#: Unsharp mask: how much of the detail (frame minus its blur) is added back, and the
#: blur's radius in pixels. Measured on blurred frames at 2-3 px per module.
_SHARPEN_AMOUNT = 1.5
_SHARPEN_SIGMA = 1.0


def sharpened(frame: GrayFrame) -> GrayFrame:
    """``frame`` with its edges steepened (unsharp mask)."""
    blurred = cv2.GaussianBlur(frame, (0, 0), _SHARPEN_SIGMA)
    # addWeighted saturates to 0..255 and keeps the uint8 type of its inputs.
    return cast(
        "GrayFrame", cv2.addWeighted(frame, 1 + _SHARPEN_AMOUNT, blurred, -_SHARPEN_AMOUNT, 0)
    )


def enlarged_and_sharpened(frame: GrayFrame) -> GrayFrame:
    """``frame`` at twice the size (cubic), then sharpened: for codes of ~2 px per module."""
    enlarged = cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return sharpened(cast("GrayFrame", enlarged))


#: What is tried, in order, when the decoder found a symbol it could not read.
RETRIES: tuple[Callable[[GrayFrame], GrayFrame], ...] = (sharpened, enlarged_and_sharpened)


#: How far around an unreadable symbol the retry looks, in multiples of the symbol's size
#: on each side. zxing-cpp often finds only a corner of a blurred code (one finder
#: pattern, taken for a Micro QR code about a quarter of the code's width); measured on
#: the benchmark's frames, 4 reads as many codes as retrying the whole frame, 0.5 to 2
#: read a quarter fewer. A region larger than the frame is clipped to it.
_MARGIN = 4.0


def region_around(boxes: Sequence[Box], frame: GrayFrame) -> GrayFrame:
    """The part of ``frame`` around all of ``boxes``, with a margin (a view, not a copy)."""
    left = min(box[0] for box in boxes)
    top = min(box[1] for box in boxes)
    right = max(box[2] for box in boxes)
    bottom = max(box[3] for box in boxes)
    margin = round(_MARGIN * max(right - left, bottom - top))
    height, width = frame.shape
    return frame[
        max(top - margin, 0) : min(bottom + margin, height),
        max(left - margin, 0) : min(right + margin, width),
    ]


class FramePipeline:
    """Decodes frames with one :class:`~devices.qr_decoders.QrDecoder`, retrying where useful."""

    def __init__(
        self,
        decoder: QrDecoder,
        *,
        retries: Sequence[Callable[[GrayFrame], GrayFrame]] = RETRIES,
    ) -> None:
        self.decoder = decoder
        self._retries = tuple(retries)

    def decode(self, frame: GrayFrame) -> list[str]:
        """The texts of the QR codes in ``frame``, each once, in the decoder's order."""
        if frame.ndim != 2 or frame.dtype != np.uint8:
            raise ValueError(f"a grayscale uint8 frame is needed, not {frame.dtype} {frame.shape}")
        result = self.decoder.read(frame)
        if not result.symbols and result.unreadable:
            # Only the region where something was seen: a fraction of the frame's cost.
            region = np.ascontiguousarray(region_around(result.unreadable, frame))
            for retry in self._retries:
                result = self.decoder.read(retry(region))
                if result.symbols:
                    break
        # A symbol found twice (zxing-cpp may report a code from two finder triples) once.
        return list(dict.fromkeys(symbol.text for symbol in result.symbols))
