"""Personal data shortened for screens and slips that other people may see.

A kiosk stands in a public hall and its slips get left on counters: after a citizen scans
their ID card, the screen and the receipt show enough to recognise one's own application
("N. V. A.", "********2345") and not enough to identify someone else's.

The mask character defaults to ``*`` because receipts are printed: ``*`` is ASCII and so
exists in every code page of cheap 58 mm ESC/POS printers, while "•" is missing from PC437,
the code page most of them start in (and from the other DOS code pages), and would print
as "?". Screens, which draw any Unicode character, may pass ``mask_char="•"``.
"""

from __future__ import annotations

import unicodedata

from kiosk.text import nfc

#: Digits of an ID number left visible: enough to tell one's own card from another.
VISIBLE_ID_DIGITS = 4

DEFAULT_MASK_CHAR = "*"


def mask_name(full_name: str) -> str:
    """The initials of ``full_name``: "Nguyễn Văn An" -> "N. V. A.".

    Each word gives its first letter in upper case, with its diacritics ("Đỗ Ánh" -> "Đ.
    Á."), so that a citizen recognises their own name. Input may be NFC or NFD; words
    without any letter are skipped, and a name without letters gives "".
    """
    initials = [initial for word in nfc(full_name).split() if (initial := _initial(word))]
    return " ".join(f"{initial}." for initial in initials)


def mask_id_number(id_number: str, mask_char: str = DEFAULT_MASK_CHAR) -> str:
    """``id_number`` with all but its last 4 characters replaced by ``mask_char``.

    "001099012345" -> "********2345"; the length is kept, so the slip still looks like
    an ID number. A number of 4 characters or fewer is masked entirely: showing it whole
    would show everything. ``mask_char`` must be one character ("*" prints everywhere;
    "•" looks better on screen). Surrounding whitespace is ignored.
    """
    if len(mask_char) != 1:
        raise ValueError(f"mask_char must be one character, not {mask_char!r}")
    number = id_number.strip()
    if len(number) <= VISIBLE_ID_DIGITS:
        return mask_char * len(number)
    hidden = len(number) - VISIBLE_ID_DIGITS
    return mask_char * hidden + number[hidden:]


def _initial(word: str) -> str:
    """The first letter of ``word`` in upper case, with its combining marks, or ""."""
    for index, char in enumerate(word):
        if char.isalpha():
            # After NFC every Vietnamese letter is one code point, but a letter with a
            # mark that has no precomposed form stays decomposed: keep its marks with it.
            end = index + 1
            while end < len(word) and unicodedata.combining(word[end]):
                end += 1
            return nfc(word[index:end].upper())
    return ""
