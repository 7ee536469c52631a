"""How the kiosk greets a citizen who scanned their ID card: "Xin chào ông An".

Vietnamese address a person by their given name (tên, the last word of the full name),
after ông (a man) or bà (a woman), the polite form a public office uses with an adult. The
kiosk used to show the initials of the whole name ("N. V. A."), which people do not
recognise as themselves. It now greets with the title from the card's sex and the given
name in full, or not at all (a name without a letter in its last word): nothing else
personal (surname, ID number, birth date) is shown on a screen that others can see.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.idcard import CitizenCard, Sex
from kiosk.text import nfc


class Honorific(enum.Enum):
    """The title before the given name."""

    ONG = "ong"  # ông: a man
    BA = "ba"  # bà: a woman


_HONORIFICS = {Sex.MALE: Honorific.ONG, Sex.FEMALE: Honorific.BA}


@dataclass(frozen=True)
class Greeting:
    """Whom to greet: a title and a given name ("ông", "An")."""

    honorific: Honorific
    given_name: str


def greeting_for(card: CitizenCard) -> Greeting | None:
    """The greeting for the holder of ``card``, or None when it has no usable given name.

    The given name is the last word of the full name, kept whole with its diacritics; a
    name the card wrote in capitals ("NGUYỄN VĂN AN") is greeted as "An".
    """
    words = nfc(card.full_name).split()
    if not words or not any(char.isalpha() for char in words[-1]):
        return None
    given = words[-1]
    if given.isupper():
        given = given.capitalize()
    return Greeting(_HONORIFICS[card.sex], given)
