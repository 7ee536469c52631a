"""The font slips are drawn with: one that has every Vietnamese letter.

Cheap ESC/POS printers have no Vietnamese code page, so we draw text ourselves (see
:mod:`devices.receipt_render`) and need a TrueType font that covers Vietnamese. DejaVu
Sans (Debian's ``fonts-dejavu-core``, installed by ``scripts/setup``) does, in regular and
bold; Kivy's bundled Roboto does too and is the fallback on a machine without DejaVu (found
on disk, never by importing Kivy). :func:`missing_characters` checks a font, for tests and
``kiosk doctor``.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

_BASE_LETTERS = "abcdđeghiklmnopqrstuvxyăâêôơư"
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền hỏi ngã sắc nặng


def _vietnamese_letters() -> str:
    lower = set(_BASE_LETTERS)
    lower.update(unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES)
    return "".join(sorted(lower | {letter.upper() for letter in lower}))


#: Every letter of the Vietnamese alphabet with every tone, both cases (178 letters, NFC).
VIETNAMESE_LETTERS = _vietnamese_letters()


class FontMissingError(Exception):
    """No font that covers Vietnamese was found; the message says what to install."""


@dataclass(frozen=True)
class FontFiles:
    """The regular and bold faces slips are drawn with."""

    name: str
    regular: Path
    bold: Path


def _kivy_fonts() -> FontFiles | None:
    # find_spec on a top-level package locates it without running its __init__: the
    # printer code never imports Kivy.
    spec = importlib.util.find_spec("kivy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts"
    return FontFiles("Roboto (Kivy)", folder / "Roboto-Regular.ttf", folder / "Roboto-Bold.ttf")


def candidates() -> list[FontFiles]:
    """The fonts we look for, best first."""
    found = [
        FontFiles("DejaVu Sans", DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf")
    ]
    kivy = _kivy_fonts()
    if kivy is not None:
        found.append(kivy)
    return found


@lru_cache(maxsize=1)
def find_fonts() -> FontFiles:
    """The first installed font pair that covers Vietnamese; FontMissingError if none."""
    tried = candidates()
    for fonts in tried:
        if fonts.regular.is_file() and fonts.bold.is_file():
            return fonts
    paths = ", ".join(str(fonts.regular) for fonts in tried)
    raise FontMissingError(
        f"no font with Vietnamese letters found (looked for {paths}): "
        "install the Debian package fonts-dejavu-core (scripts/setup does)"
    )


def missing_characters(font_path: Path, characters: Iterable[str]) -> list[str]:
    """The characters of ``characters`` that ``font_path`` has no glyph for.

    A missing glyph is drawn as the font's "notdef" box, so a character whose bitmap is
    the notdef bitmap is missing (no letter or sign we print looks like that box).
    """
    font = ImageFont.truetype(str(font_path), 32)
    notdef = _bitmap(font, "\U0010fffd")  # a code point no font has
    wanted: Sequence[str] = sorted(set(characters) - {" "})
    return [char for char in wanted if _bitmap(font, char) == notdef]


def _bitmap(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)
