"""Vietnamese typing for the on-screen keyboard: Telex ("Nguyeenx" -> "Nguyễn") and tone keys.

Most Vietnamese who type know Telex: letters typed after a word change it. ``aa``, ``ee``,
``oo`` put a hat on the vowel (â ê ô), ``w`` a horn or breve (ư ơ ă; ``uow`` gives ươ, a
lone ``w`` gives ư), ``dd`` makes đ, and the tone keys ``s f r x j`` give sắc, huyền, hỏi,
ngã, nặng (``z`` removes the tone). Pressing the same key again undoes it and types the
letter ("ass" -> "as"), which is how a citizen writes an English word. Many older citizens
do not know Telex, so the keyboard also has keys for the marked letters and the tones;
:func:`set_tone` serves those.

The engine works on the text itself, not on a hidden record of keystrokes: whatever is in
the field is the state, so backspace, a tone key and a Telex letter always agree. Each
change recomputes where the tone goes (Vietnamese spelling rules, the traditional "hòa,
thủy" placement), so "hoaf" + "n" moves the mark: "hòa" -> "hoàn".

Plain typed Python: it knows nothing of Kivy, and every function returns NFC text.
"""

from __future__ import annotations

import enum
import itertools
import unicodedata
from dataclasses import dataclass

from kiosk.text import nfc


class Tone(enum.Enum):
    """The six Vietnamese tones, each with its combining mark ('' for none)."""

    LEVEL = ""  # thanh ngang: no mark
    ACUTE = "\u0301"  # sắc
    GRAVE = "\u0300"  # huyền
    HOOK = "\u0309"  # hỏi
    TILDE = "\u0303"  # ngã
    DOT = "\u0323"  # nặng


#: Telex tone keys.
TONE_KEYS: dict[str, Tone] = {
    "s": Tone.ACUTE,
    "f": Tone.GRAVE,
    "r": Tone.HOOK,
    "x": Tone.TILDE,
    "j": Tone.DOT,
}
_TONE_OF_MARK = {tone.value: tone for tone in Tone if tone.value}

VOWELS = frozenset("aăâeêioôơuưy")
#: Vowels that carry a shape mark: the tone goes on them first.
SHAPED_VOWELS = frozenset("ăâêôơư")
_HAT = {"a": "â", "e": "ê", "o": "ô", "ă": "â", "ơ": "ô"}
_UNHAT = {"â": "a", "ê": "e", "ô": "o"}
_HORN = {"u": "ư", "o": "ơ", "a": "ă", "â": "ă", "ô": "ơ"}
_UNHORN = {"ư": "u", "ơ": "o", "ă": "a"}


@dataclass
class _Letter:
    """One letter of a word: lower-case base (marks of shape kept, tone removed), case."""

    base: str
    upper: bool

    def render(self, tone: Tone) -> str:
        letter = self.base.upper() if self.upper else self.base
        return nfc(letter + tone.value)


def _split_word(text: str) -> tuple[str, str]:
    """``text`` cut before its trailing word (a run of letters)."""
    end = len(text)
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[:start], text[start:]


def _decompose(word: str) -> tuple[list[_Letter], Tone]:
    """The letters of ``word`` without tone marks, and the tone it carried."""
    letters: list[_Letter] = []
    tone = Tone.LEVEL
    for char in nfc(word):
        kept = []
        for part in unicodedata.normalize("NFD", char):
            if part in _TONE_OF_MARK:
                tone = _TONE_OF_MARK[part]
            else:
                kept.append(part)
        base = nfc("".join(kept))
        letters.append(_Letter(base.lower(), base != base.lower()))
    return letters, tone


def _nucleus(letters: list[_Letter]) -> list[int]:
    """Positions of the word's vowel nucleus (the vowels a tone may go on).

    The u of "qu" and the i of "gi" before another vowel belong to the consonant.
    """
    bases = [letter.base for letter in letters]
    start = 0
    if bases[:2] == ["q", "u"] or (
        bases[:2] == ["g", "i"] and len(bases) > 2 and bases[2] in VOWELS
    ):
        start = 2
    while start < len(bases) and bases[start] not in VOWELS:
        start += 1
    end = start
    while end < len(bases) and bases[end] in VOWELS:
        end += 1
    if start == end and bases[:2] == ["g", "i"]:
        return [1]  # "gì": the i is the only vowel
    return list(range(start, end))


def _tone_position(letters: list[_Letter]) -> int | None:
    """Which letter carries the tone, by Vietnamese spelling rules; None without a vowel."""
    nucleus = _nucleus(letters)
    if not nucleus:
        return None
    shaped = [at for at in nucleus if letters[at].base in SHAPED_VOWELS]
    if shaped:
        return shaped[-1]  # người, muốn, nguyễn: the marked vowel (ơ of ươ)
    if len(nucleus) == 1:
        return nucleus[0]
    has_final = nucleus[-1] < len(letters) - 1
    if has_final:
        return nucleus[-1]  # hoàng, toán, huỳnh
    if len(nucleus) >= 3:
        return nucleus[1]  # khuỷu, ngoài
    return nucleus[0]  # hòa, mùa, của, thủy


def _render(letters: list[_Letter], tone: Tone) -> str:
    position = _tone_position(letters)
    return "".join(
        letter.render(tone if at == position else Tone.LEVEL) for at, letter in enumerate(letters)
    )


def _find_in_nucleus(letters: list[_Letter], wanted: set[str]) -> int | None:
    for at in reversed(_nucleus(letters)):
        if letters[at].base in wanted:
            return at
    return None


def _apply_hat(letters: list[_Letter], key: str, upper: bool) -> bool:
    """``aa``/``ee``/``oo``: put a hat on the vowel, or undo it; False when nothing applies."""
    plain_and_shaped = {key, *(shaped for shaped, plain in _UNHORN.items() if plain == key)}
    hatted = _HAT[key]
    at = _find_in_nucleus(letters, {hatted})
    if at is not None:
        letters[at].base = key  # a second hat key undoes the first and types the letter
        letters.append(_Letter(key, upper))
        return True
    at = _find_in_nucleus(letters, plain_and_shaped)
    if at is None:
        return False
    letters[at].base = hatted
    return True


def _apply_horn(letters: list[_Letter], upper: bool) -> None:
    """``w``: horn or breve on the nucleus (uo -> ươ, u -> ư, o -> ơ, a -> ă), or undo it."""
    nucleus = _nucleus(letters)
    bases = [letters[at].base for at in nucleus]
    for first, second in itertools.pairwise(nucleus):
        pair = letters[first].base + letters[second].base
        if pair in ("uo", "ưo", "uơ"):
            letters[first].base, letters[second].base = "ư", "ơ"
            return
        if pair == "ươ":
            letters[first].base, letters[second].base = "u", "o"
            letters.append(_Letter("w", upper))
            return
    if any(base in _UNHORN for base in bases):
        for at in nucleus:
            letters[at].base = _UNHORN.get(letters[at].base, letters[at].base)
        letters.append(_Letter("w", upper))
        return
    for plain in ("u", "o", "ô", "a", "â"):
        found = _find_in_nucleus(letters, {plain})
        if found is not None:
            letters[found].base = _HORN[plain]
            return
    letters.append(_Letter("ư", upper))  # a lone w is ư ("nhw" -> "như")


def _apply_key(word: str, key: str) -> str:
    letters, tone = _decompose(word)
    lower = key.lower()
    upper = key != lower
    has_vowel = bool(_nucleus(letters))
    if lower in TONE_KEYS and has_vowel:
        wanted = TONE_KEYS[lower]
        if tone is wanted:  # the same tone key again: undo it, type the letter
            tone = Tone.LEVEL
            letters.append(_Letter(lower, upper))
        else:
            tone = wanted
    elif lower == "z" and tone is not Tone.LEVEL:
        tone = Tone.LEVEL
    elif lower in ("a", "e", "o") and _apply_hat(letters, lower, upper):
        pass
    elif lower == "w":
        _apply_horn(letters, upper)
    elif lower == "d" and letters and letters[0].base == "d":
        letters[0].base = "đ"
    elif lower == "d" and letters and letters[0].base == "đ":
        letters[0].base = "d"
        letters.append(_Letter("d", upper))
    else:
        letters.append(_Letter(lower, upper))
    return _render(letters, tone)


def type_key(text: str, key: str, *, telex: bool = True) -> str:
    """``text`` after the citizen pressed ``key`` (one character).

    With ``telex`` the key may change the word it ends (see the module docstring);
    without it, or for anything but a letter, the key is simply added.
    """
    if len(key) != 1:
        raise ValueError(f"one key at a time, not {key!r}")
    if not telex or not key.isascii() or not key.isalpha():
        return nfc(text + key)
    head, word = _split_word(nfc(text))
    return head + _apply_key(word, key)


def telex(keys: str) -> str:
    """The text that typing ``keys`` one after another gives ("Nguyeenx" -> "Nguyễn")."""
    text = ""
    for key in keys:
        text = type_key(text, key)
    return text


def set_tone(text: str, tone: Tone) -> str:
    """``text`` with its last word given ``tone`` (a tone key on the keyboard).

    Pressing the tone the word already has removes it. A word without a vowel (or no word)
    is left as it is: there is nowhere to put a tone.
    """
    head, word = _split_word(nfc(text))
    if not word:
        return nfc(text)
    letters, current = _decompose(word)
    if _tone_position(letters) is None:
        return nfc(text)
    return head + _render(letters, Tone.LEVEL if current is tone else tone)


def backspace(text: str) -> str:
    """``text`` without its last character (one letter with all its marks)."""
    composed = nfc(text)
    return composed[:-1]
