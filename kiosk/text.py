"""Vietnamese text folding for matching what citizens type against what we store.

Citizens type on a touchscreen without accents ("dang ky khai sinh"), with 'd' for 'đ', in
any case, and text may arrive NFC or NFD. Everything that is compared goes through
:func:`fold` first. 'đ'/'Đ' has no Unicode decomposition, so stripping combining marks does
not turn it into 'd': it is mapped by hand.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})
_WORD = re.compile(r"[0-9a-z]+")


def nfc(text: str) -> str:
    """The NFC form of ``text``: what we store and display."""
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """``text`` without diacritics, in lower case, with 'đ' as 'd' (Đăng -> dang)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_D_MAP).casefold()


def fold(text: str) -> str:
    """Accent-, case- and form-insensitive key of ``text``, words separated by one space."""
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The folded words of ``text``: letters and digits only, punctuation dropped."""
    return _WORD.findall(strip_marks(text))


def has_marks(text: str) -> bool:
    """Whether ``text`` carries any Vietnamese diacritic (so the citizen typed accents)."""
    return strip_marks(text) != nfc(text).casefold()
