"""Numbers, letters and queue numbers as Vietnamese words, for the voice that calls them.

A text-to-speech voice reads "105" as it likes; a queue call must say it as a Hanoi officer
would. The rules (docs/speech.md has examples):

- digits: không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín;
- tens: "mười" for ten (10-19), "<digit> mươi" from twenty up (20: "hai mươi");
- a zero tens digit after hundreds is "linh" (Hanoi) or "lẻ" (further south):
  105 "một trăm linh năm";
- one after "mươi" is "mốt" (21 "hai mươi mốt"), but "một" after "mười" and after "linh"
  (11 "mười một", 101 "một trăm linh một");
- four after "mươi" is "tư" (24 "hai mươi tư"), but "bốn" after "mười" and after "linh"
  (14 "mười bốn", 104 "một trăm linh bốn"); "linh tư" is heard too, but "bốn" is the form
  nobody mishears;
- five after "mười" or "mươi" is "lăm" (15 "mười lăm", 25 "hai mươi lăm"), but "năm"
  alone and after "linh" (5, 105 "một trăm linh năm");
- a group of three digits that is not the first is read in full, with "không trăm" for a
  zero hundreds digit (1005 "một nghìn không trăm linh năm"); an all-zero group is
  skipped (1000005 "một triệu không trăm linh năm");
- thousands are "nghìn" (Hanoi) or "ngàn" (the south), then "triệu", "tỷ".

Queue numbers (``A1-005``) are read part by part: a letter by its Vietnamese name, a digit
that follows a letter digit by digit, the number after the dash as a three-digit number
with "không trăm" ("a một, không trăm linh năm").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DIGITS: tuple[str, ...] = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: The largest number :func:`number_words` reads (just under a thousand billion).
MAX_NUMBER = 999_999_999_999

#: Letters as Vietnamese say them when spelling (a licence plate, a queue number). A name
#: of two syllables is written with a space so the voice reads both.
LETTER_NAMES: dict[str, str] = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e",
    "Ê": "ê", "F": "ép", "G": "giê", "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ",
    "M": "em mờ", "N": "en nờ", "O": "o", "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "quy",
    "R": "e rờ", "S": "ét xì", "T": "tê", "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép",
    "X": "ích xì", "Y": "i dài", "Z": "dét",
}

ZeroTens = Literal["linh", "lẻ"]
Thousand = Literal["nghìn", "ngàn"]


@dataclass(frozen=True)
class NumberStyle:
    """The regional choices in reading numbers; the default is how Hanoi speaks."""

    #: The word for a zero tens digit after hundreds: 105 "một trăm linh năm".
    zero_tens: ZeroTens = "linh"
    #: The word for a thousand.
    thousand: Thousand = "nghìn"


HANOI = NumberStyle()

_SCALES = ("", "thousand", "triệu", "tỷ")

#: The ones that change their word after "mười"/"mươi": (after "mươi", digit) -> word.
#: 1 and 4 change only after "mươi" (21 "mốt", 24 "tư"; 11 "một", 14 "bốn"); 5 after
#: both (15, 25 "lăm").
_ONES_AFTER_TENS: dict[tuple[bool, int], str] = {
    (True, 1): "mốt",
    (True, 4): "tư",
    (True, 5): "lăm",
    (False, 5): "lăm",
}


def _tens_and_ones(tens: int, ones: int, style: NumberStyle, *, after_hundreds: bool) -> list[str]:
    """The last two digits of a group; ``after_hundreds``: the hundreds were read."""
    if tens == 0:
        if ones == 0:
            return []
        # "linh" only bridges hundreds and a lone digit, which keeps its plain name.
        return [style.zero_tens, DIGITS[ones]] if after_hundreds else [DIGITS[ones]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if ones == 0:
        return words
    return [*words, _ONES_AFTER_TENS.get((tens >= 2, ones), DIGITS[ones])]


def group_words(group: int, style: NumberStyle = HANOI, *, full: bool = False) -> list[str]:
    """The words of ``group`` (0-999) as one group of three digits.

    ``full``: read the hundreds even when they are zero ("không trăm linh năm"), as for a
    group that follows a higher one, or a three-digit queue number. Zero is "không".
    """
    if not 0 <= group <= 999:
        raise ValueError(f"{group} is not a group of three digits (0-999)")
    if group == 0:
        return [DIGITS[0]]
    hundreds, rest = divmod(group, 100)
    tens, ones = divmod(rest, 10)
    if hundreds == 0 and not full:
        return _tens_and_ones(tens, ones, style, after_hundreds=False)
    return [DIGITS[hundreds], "trăm", *_tens_and_ones(tens, ones, style, after_hundreds=True)]


def number_words(number: int, style: NumberStyle = HANOI) -> str:
    """``number`` (0 to :data:`MAX_NUMBER`) in Vietnamese words: 1005 -> "một nghìn không
    trăm linh năm". ValueError for anything else."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"{number!r} is not an integer")
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"{number} is outside 0-{MAX_NUMBER}")
    if number == 0:
        return DIGITS[0]
    groups: list[int] = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue  # an all-zero group is not read: 1000005 "một triệu không trăm linh năm"
        leading = index == len(groups) - 1
        words += group_words(group, style, full=not leading)
        scale = _SCALES[index]
        if scale:
            words.append(style.thousand if scale == "thousand" else scale)
    return " ".join(words)


def digit_words(digits: str) -> str:
    """Each digit of ``digits`` by its name: "05" -> "không năm"."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r} is not a string of digits")
    return " ".join(DIGITS[int(digit)] for digit in digits)


def letter_words(letters: str) -> str:
    """Each letter by its Vietnamese name: "AB" -> "a bê"."""
    names = []
    for letter in letters.upper():
        name = LETTER_NAMES.get(letter)
        if name is None:
            raise ValueError(f"{letter!r} has no Vietnamese letter name")
        names.append(name)
    return " ".join(names)


def serial_words(digits: str, style: NumberStyle = HANOI) -> str:
    """A queue number's serial as it is called: three digits with their hundreds
    ("005" -> "không trăm linh năm", "120" -> "một trăm hai mươi"), more digits as a number
    ("1005" -> "một nghìn không trăm linh năm")."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r} is not a string of digits")
    value = int(digits)
    if len(digits) <= 3:
        return " ".join(group_words(value, style, full=True))
    return number_words(value, style)


_TICKET_PART = re.compile(r"([^\W\d_]+)|(\d+)|([-\s./]+)")


def ticket_parts_words(ticket: str, style: NumberStyle = HANOI) -> list[str]:
    """A queue number read part by part, each part a phrase: "A1-005" -> ["a một",
    "không trăm linh năm"]; "A1-U007" -> ["a một", "u không trăm linh bảy"].

    Letters are read by name. In the first part, digits that follow a letter are read digit
    by digit (the "1" of "A1" names a series, not a quantity); any other run of digits (a
    number alone, or after a dash, even behind a priority letter) is a serial
    (:func:`serial_words`). A dash starts a new part. ValueError for anything else: the
    voice must never guess.
    """
    text = ticket.strip()
    if not text:
        raise ValueError("an empty queue number")
    parts: list[list[str]] = [[]]
    position = 0
    for match in _TICKET_PART.finditer(text):
        if match.start() != position:
            break
        position = match.end()
        letters, digits, separator = match.groups()
        current = parts[-1]
        if separator is not None:
            if current:
                parts.append([])
        elif letters is not None:
            current.append(letter_words(letters))
        elif current and len(parts) == 1:
            current.append(digit_words(digits))
        else:
            current.append(serial_words(digits, style))
    if position != len(text):
        raise ValueError(f"{ticket!r} is not a queue number that can be read aloud")
    return [" ".join(words) for words in parts if words]


def ticket_words(ticket: str, style: NumberStyle = HANOI) -> str:
    """A queue number as one phrase, its parts apart by commas (a short pause in speech):
    "A1-005" -> "a một, không trăm linh năm"."""
    return ", ".join(ticket_parts_words(ticket, style))
