"""QR decoders: byte-exact Vietnamese text, decoder choice, and the frame pipeline.

Real decoders read real QR images generated here with qrcode and Pillow.
"""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import pytest
from pyzbar import pyzbar

from devices.qr_decoders import (
    DECODERS,
    PREFERENCE,
    DecodeResult,
    DecoderUnavailableError,
    GrayFrame,
    PyzbarDecoder,
    Symbol,
    ZxingDecoder,
    decoder_availability,
    load_decoder,
    payload_text,
)
from devices.qr_pipeline import FramePipeline, region_around
from tests.qr_images import CARD, in_scene, qr_frame, qr_pil

STRING_COUNT = 1000

_VOWELS = "aăâeêioôơuưy"
# No mark, grave, hook above, tilde, acute, dot below: every Vietnamese tone.
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_LETTERS = (
    [unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES]
    + list("bcdđghklmnpqrstvx")
)
ALPHABET = _LETTERS + [letter.upper() for letter in _LETTERS] + list("0123456789 .,-/|:")


def random_vietnamese(rng: random.Random) -> str:
    """A short string of Vietnamese letters (every tone, both cases), digits and punctuation."""
    text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24)))
    # One in ten decomposed (NFD), as some systems write it: the bytes must survive too.
    return unicodedata.normalize("NFD", text) if rng.random() < 0.1 else text


@pytest.fixture(scope="session")
def vietnamese_codes() -> list[tuple[str, GrayFrame]]:
    """1,000 random short Vietnamese strings and their QR images, made once per session."""
    rng = random.Random(20261127)
    texts = [random_vietnamese(rng) for _ in range(STRING_COUNT)]
    return [(text, qr_frame(text, module_px=2, border=2)) for text in texts]


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_every_decoder_returns_vietnamese_text_byte_exact(
    name: str, vietnamese_codes: list[tuple[str, GrayFrame]]
) -> None:
    # GIVEN 1,000 QR codes of random short Vietnamese strings (UTF-8, no ECI)
    pipeline = FramePipeline(load_decoder(name))
    # WHEN each decoder offered reads them through the pipeline
    wrong = [text for text, frame in vietnamese_codes if pipeline.decode(frame) != [text]]
    # THEN every one comes back exactly: 0 errors
    assert wrong == []


def test_stock_pyzbar_garbles_the_same_strings(
    vietnamese_codes: list[tuple[str, GrayFrame]],
) -> None:
    # GIVEN the same 1,000 codes
    # WHEN pyzbar's own decode() reads them (zbar guessing the character set)
    garbled = 0
    for text, frame in vietnamese_codes:
        decoded = pyzbar.decode(frame, symbols=[pyzbar.ZBarSymbol.QRCODE])
        if [symbol.data.decode("utf-8", "replace") for symbol in decoded] != [text]:
            garbled += 1
    # THEN many are wrong: the strings exercise the problem binary mode solves
    assert garbled > 100


def test_both_decoders_read_an_id_card_code() -> None:
    # GIVEN a photo-like frame of an ID card's QR code
    frame = in_scene(qr_pil(CARD, module_px=4))
    # WHEN each decoder reads it, THEN each returns the exact text
    for decoder in (ZxingDecoder(), PyzbarDecoder()):
        assert FramePipeline(decoder).decode(frame) == [CARD], decoder.name


def test_payload_text_prefers_utf8_then_the_decoder_then_latin1() -> None:
    assert payload_text("Nguyễn".encode()) == "Nguyễn"
    # Not UTF-8: zxing-cpp's own reading (it honours a declared character set)...
    assert payload_text("Grüße".encode("latin-1"), "Grüße") == "Grüße"
    # ...or ISO 8859-1, the QR standard's default for byte segments.
    assert payload_text(b"Gr\xfc\xdfe") == "Grüße"


def test_auto_takes_zxing_first() -> None:
    assert PREFERENCE == ("zxing", "pyzbar")
    assert load_decoder("auto").name == "zxing"
    assert load_decoder("pyzbar").name == "pyzbar"
    assert decoder_availability() == {"zxing": None, "pyzbar": None}


def test_an_unknown_decoder_is_refused_by_name() -> None:
    expected = "unknown decoder 'zbar': use auto, zxing, pyzbar"
    with pytest.raises(DecoderUnavailableError, match=expected):
        load_decoder("zbar")


def test_a_missing_decoder_library_is_named_not_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN zxing-cpp cannot be imported
    import sys

    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    # WHEN zxing is asked for by name, THEN it is unavailable, naming the package
    expected = r"zxing-cpp is not installed .*pip install zxing-cpp"
    with pytest.raises(DecoderUnavailableError, match=expected):
        load_decoder("zxing")
    # AND auto falls to the next decoder in the measured order
    assert load_decoder("auto").name == "pyzbar"


# --- the pipeline's retry -------------------------------------------------------------------


class CountingDecoder:
    """Wraps a decoder, counting its calls."""

    def __init__(self, decoder: ZxingDecoder) -> None:
        self.name = decoder.name
        self._decoder = decoder
        self.calls = 0

    def read(self, frame: GrayFrame) -> DecodeResult:
        self.calls += 1
        return self._decoder.read(frame)


@pytest.mark.parametrize(("module_px", "blur"), [(2, 1.0), (3, 1.6)])
def test_the_pipeline_reads_blurred_small_codes_the_decoder_alone_misses(
    module_px: int, blur: float
) -> None:
    # GIVEN an out-of-focus frame of a card's QR code at 2-3 px per module
    frame = in_scene(qr_pil(CARD, module_px=module_px), blur=blur)
    decoder = ZxingDecoder()
    # WHEN the decoder alone reads it: nothing, but it saw something it could not read
    alone = decoder.read(frame)
    assert (alone.symbols, bool(alone.unreadable)) == ((), True)
    # THEN the pipeline's retry reads the card
    assert FramePipeline(decoder).decode(frame) == [CARD]


def test_an_empty_frame_costs_one_decoder_call_and_reads_nothing() -> None:
    # GIVEN a frame of noise and text-like blobs, with no code in it
    rng = np.random.default_rng(7)
    frame = rng.integers(60, 200, size=(480, 640), dtype=np.uint8)
    counting = CountingDecoder(ZxingDecoder())
    # WHEN the pipeline decodes it
    texts = FramePipeline(counting).decode(frame)
    # THEN nothing is read, with one decoder call (no retry)
    assert (texts, counting.calls) == ([], 1)


def test_a_clear_code_costs_one_decoder_call() -> None:
    counting = CountingDecoder(ZxingDecoder())
    assert FramePipeline(counting).decode(in_scene(qr_pil("K7QM3XP5"))) == ["K7QM3XP5"]
    assert counting.calls == 1


def test_a_code_found_twice_is_reported_once() -> None:
    class Twice:
        name = "twice"

        def read(self, frame: GrayFrame) -> DecodeResult:
            return DecodeResult((Symbol(b"K7QM3XP5"), Symbol(b"K7QM3XP5"), Symbol(b"X")))

    assert FramePipeline(Twice()).decode(np.zeros((4, 4), np.uint8)) == ["K7QM3XP5", "X"]


def test_the_pipeline_refuses_a_colour_frame() -> None:
    with pytest.raises(ValueError, match="a grayscale uint8 frame is needed"):
        FramePipeline(ZxingDecoder()).decode(np.zeros((4, 4, 3), np.uint8))


def test_the_retry_region_surrounds_the_unreadable_symbols_and_stays_in_the_frame() -> None:
    frame = np.zeros((480, 640), np.uint8)
    # Two symbols' boxes: their union is 20x10 px, so the margin is 4 x 20 = 80 px a side.
    region = region_around([(300, 200, 310, 210), (305, 200, 320, 205)], frame)
    assert region.shape == (10 + 160, 20 + 160)
    # Near a corner, the region is clipped to the frame.
    assert region_around([(0, 0, 30, 30)], frame).shape == (30 + 120, 30 + 120)
    assert region_around([(0, 0, 200, 200)], frame).shape == (480, 640)
