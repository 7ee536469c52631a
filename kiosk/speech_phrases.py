"""What the voice says when a queue number is called, in Vietnamese and English.

The text handed to a voice is already in words: a voice left to read "A1-005" or "quầy 2"
guesses (espeak-ng's Vietnamese voice reads digits one by one, a Piper voice may read them
in English). Vietnamese numbers follow :mod:`kiosk.vietnamese_numbers`; English keeps
digits, which English voices read well, spaced so that a serial is read digit by digit as
English callers do ("zero zero five"). Commas make the short pauses a listener needs
between the parts of a number.
"""

from __future__ import annotations

import re

from kiosk.language import Language
from kiosk.vietnamese_numbers import (
    HANOI,
    NumberStyle,
    letter_words,
    number_words,
    ticket_parts_words,
)

Counter = int | str

_TICKET_PART_EN = re.compile(r"[A-Za-z]+|\d+")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def counter_words(counter: Counter, style: NumberStyle = HANOI) -> str:
    """A counter as said in Vietnamese: 2 -> "hai", "12" -> "mười hai", "2B" -> "hai bê"."""
    text = str(counter).strip()
    tokens = _TOKEN.findall(text)
    if not tokens or "".join(tokens) != re.sub(r"[-\s]+", "", text):
        raise ValueError(f"counter {counter!r} cannot be read aloud")
    return " ".join(
        number_words(int(token), style) if token.isdigit() else letter_words(token)
        for token in tokens
    )


def ticket_words_en(ticket: str) -> str:
    """A queue number for an English voice: "A1-005" -> "A 1, 0 0 5" (read "A one, zero
    zero five"); a serial after the dash digit by digit."""
    parts = []
    for index, part in enumerate(re.split(r"[-\s./]+", ticket.strip())):
        if not part:
            continue
        tokens = _TICKET_PART_EN.findall(part)
        if "".join(tokens) != part:
            raise ValueError(f"{ticket!r} is not a queue number that can be read aloud")
        # A number alone stays a number ("1005"); any other run of digits is spelled.
        words = [
            " ".join(token) if token.isdigit() and (index or position) else token
            for position, token in enumerate(tokens)
        ]
        parts.append(" ".join(words))
    if not parts:
        raise ValueError("an empty queue number")
    return ", ".join(parts)


def call_phrase(
    ticket: str, counter: Counter, language: Language = "vi", style: NumberStyle = HANOI
) -> str:
    """The call of ``ticket`` to ``counter``: "Mời công dân có số a một, không trăm linh
    năm, đến quầy số hai." (ValueError for a number that cannot be read aloud)."""
    if language == "vi":
        return (
            f"Mời công dân có số {', '.join(ticket_parts_words(ticket, style))}, "
            f"đến quầy số {counter_words(counter, style)}."
        )
    return f"Ticket number {ticket_words_en(ticket)}, please go to counter {counter}."


def recall_phrase(
    ticket: str, counter: Counter, language: Language = "vi", style: NumberStyle = HANOI
) -> str:
    """The same call said again, announced as a repeat: "Xin nhắc lại. Mời công dân ..."."""
    opening = "Xin nhắc lại." if language == "vi" else "Once again."
    return f"{opening} {call_phrase(ticket, counter, language, style)}"
