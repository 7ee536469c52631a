"""The languages the kiosk speaks: Vietnamese by default, English for those who switch.

One definition for the whole kiosk: the session's language, the screens' catalogs and the
slips all use :data:`Language`, so a citizen who switched the screen to English also gets
an English slip.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["vi", "en"]
#: Every language, the default first.
LANGUAGES: tuple[Language, ...] = ("vi", "en")


def check_language(text: str) -> Language:
    """``text`` as a :data:`Language`, or ValueError."""
    for language in LANGUAGES:
        if text == language:
            return language
    raise ValueError(f"no language {text!r}: use one of {', '.join(LANGUAGES)}")
