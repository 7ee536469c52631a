"""Whole numbers typed into a query string or a form, read without surprises.

``str.isdigit`` is true for "²" and for a 5,000-digit string, and ``int`` then raises (a
500 for any signed-in user who edits the address). Every page reads its numbers here.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """``text`` as a non-negative whole number of ASCII digits (at most 18), else None."""
    return int(text) if _DIGITS.fullmatch(text) else None
