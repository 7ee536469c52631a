"""Vietnamese alphabetical order, as dictionaries and official lists sort names.

Python's ``sorted`` compares code points: "Chương Mỹ" comes before "Cầu Giấy" (``h`` <
``ầ``), and every name that starts with "Đ" or "Ứ" lands after "Y". Vietnamese order is
letter by letter over its own alphabet, where the letters with a breve, circumflex or horn
and "đ" are letters of their own:

    a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y

(f, j, w and z, from foreign words, take their Latin place). The five tone marks are not
letters: they break ties only (a secondary key), in the dictionary order of the tones:
ngang, huyền, hỏi, ngã, sắc, nặng (a à ả ã á ạ). Case breaks the last ties.

This is letter-by-letter order, like the CLDR's Vietnamese collation; it does not treat
"ch", "ng" or "tr" as single letters (no official list the kiosk shows does).
"""

from __future__ import annotations

import unicodedata

#: The alphabet, with the Latin letters Vietnamese borrows in their Latin place.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET, start=1)}
#: The combining tone marks, in dictionary order (ngang, the unmarked tone, is 0).
TONE_MARKS = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền hỏi ngã sắc nặng
_TONE_RANK = {mark: rank for rank, mark in enumerate(TONE_MARKS, start=1)}

SortKey = tuple[tuple[tuple[int, str], ...], tuple[int, ...], str]


def _letters(text: str) -> list[tuple[str, int]]:
    """Each letter of ``text`` without its tone (lower case, NFC) and the tone's rank."""
    letters: list[tuple[str, int]] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        tone = _TONE_RANK.get(char)
        if tone is not None and letters:
            base, _ = letters[-1]
            letters[-1] = (base, tone)
        elif unicodedata.combining(char) and letters:
            # A breve, circumflex or horn makes another letter: keep it with its base.
            base, tone = letters[-1]
            letters[-1] = (unicodedata.normalize("NFC", base + char), tone)
        else:
            letters.append((char, 0))
    return letters


def sort_key(text: str) -> SortKey:
    """A key that sorts ``text`` in Vietnamese alphabetical order (see the module doc).

    Primary: the letters without tones, each by its place in :data:`ALPHABET`; a space sorts
    before any letter (so "An Khánh" comes before "Ana"), and anything else (digits,
    punctuation) before letters, by code point. Secondary: the tones. Last: the text itself.
    """
    letters = _letters(text)
    primary = tuple(
        (_LETTER_RANK.get(letter, 0), "" if letter in _LETTER_RANK else letter)
        for letter, _ in letters
    )
    return primary, tuple(tone for _, tone in letters), unicodedata.normalize("NFC", text)
