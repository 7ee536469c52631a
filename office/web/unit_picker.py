"""The back office's unit picker: a text box searched on the server instead of a ``<select>``
of every unit (3,321 options with the national list made each page 200 KB).

What is typed is matched without accents, case or 'đ' (:func:`kiosk.text.words`, as the
kiosk's searches do): every typed word must begin a word of the unit's name, its province
or its code ("ba dinh", "dong da", "cai khe can tho", "00004"). The page's filter stays the
``unit`` code in the query string (links, bookmarks, exports); the typed text travels as
``unit_q`` and is turned into a code here, before the page reads its filter:

- the box left as the page showed it: the unit chosen among the radio buttons;
- the text still matches the unit chosen (its name, or what was typed to find it): that
  unit, so choosing from the list and sending the form agree;
- one unit matches, or exactly one is named so whole ("dong da" = Phường Đống Đa): it;
- an empty box: every unit;
- none or several: the filter stays as it was and the matches are offered to choose from.

Without JavaScript the form is sent and the matches come back as radio buttons to choose
and send again; with htmx the matches follow the typing (``/bo/units/choices``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiosk.text import words
from office.web.query_numbers import whole_number

#: The form field of the typed text (the chosen unit stays ``unit``).
QUERY_FIELD = "unit_q"
#: The text the page put in the box: a box left as it was leaves the choice to the radio
#: buttons (choosing "every unit" under a unit's name must not find that unit again).
SHOWN_FIELD = "unit_shown"
#: Matches offered at most: enough to see the neighbours of a common name, few enough that
#: the page stays small whatever the number of units.
MAX_CHOICES = 12
#: Typed text beyond this is ignored (a unit's name with its province is far shorter).
MAX_QUERY_LENGTH = 120
#: A name's kind and province, left out of its "core" ("Phường Đống Đa" -> "dong da").
_KIND = re.compile(r"^(phuong|xa|dac khu|thi tran) ")
_PROVINCE = re.compile(r"\s*\([^)]*\)$")


@dataclass(frozen=True)
class UnitChoice:
    """One unit offered: its code and the name pages show (with its province outside Hà Nội)."""

    code: int
    name: str


@dataclass(frozen=True)
class UnitPicker:
    """What the picker shows: the unit filtered on, the box's text and the matches offered."""

    #: The unit the page is filtered on (None: every unit).
    code: int | None
    #: The text in the box: the chosen unit's name, or what was typed.
    query: str
    #: Units matching ``query`` to choose from (at most :data:`MAX_CHOICES`).
    choices: tuple[UnitChoice, ...] = ()
    #: How many units match ``query`` in all.
    total: int = 0
    #: Whether ``query`` was searched and left undecided (none or several matches).
    searched: bool = False


@dataclass(frozen=True)
class _Entry:
    code: int
    name: str
    words: tuple[str, ...]
    core: str
    whole: str


class UnitFinder:
    """The accent-insensitive search over one ``names`` mapping (code -> name)."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.names = names
        self._entries: list[_Entry] = []
        # word -> the entries holding it; the words sorted, so those a typed word begins
        # are one bisected slice (a search costs well under a millisecond at 3,321 units).
        holders: dict[str, set[int]] = {}
        for position, (code, name) in enumerate(names.items()):
            folded = words(name)
            whole = " ".join(folded)
            core = _KIND.sub("", " ".join(words(_PROVINCE.sub("", name))))
            entry = _Entry(code, name, (*folded, str(code)), core, whole)
            self._entries.append(entry)
            for word in entry.words:
                holders.setdefault(word, set()).add(position)
        self._vocabulary = sorted(holders)
        self._holders = [holders[word] for word in self._vocabulary]
        self._by_code = {entry.code: entry for entry in self._entries}

    def _found(self, typed: Sequence[str]) -> set[int]:
        """The entries where every typed word begins one of the unit's words."""
        found: set[int] | None = None
        for part in sorted(set(typed), key=len, reverse=True):
            start = bisect.bisect_left(self._vocabulary, part)
            end = bisect.bisect_left(self._vocabulary, part + "\uffff", lo=start)
            holding: set[int] = set().union(*self._holders[start:end])
            found = holding if found is None else found & holding
            if not found:
                return set()
        return found or set()

    def search(self, query: str, limit: int = MAX_CHOICES) -> tuple[list[UnitChoice], int]:
        """The best ``limit`` units for ``query`` and how many match in all: units named so
        whole first, then those holding the typed words in that order, then the rest, each
        group in the list's own order (Hà Nội's first)."""
        typed = words(query)
        if not typed:
            return [], 0
        wanted = " ".join(typed)
        ranked: list[tuple[int, int, _Entry]] = []
        for position in self._found(typed):
            entry = self._entries[position]
            if wanted in (entry.core, entry.whole, str(entry.code)):
                rank = 0
            elif _in_order(entry.words, typed):
                rank = 1
            else:
                rank = 2
            ranked.append((rank, position, entry))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [UnitChoice(entry.code, entry.name) for _, _, entry in ranked[:limit]], len(ranked)

    def named_whole(self, query: str) -> list[UnitChoice]:
        """The units whose name (without its kind or province) is ``query`` whole."""
        typed = words(query)
        wanted = " ".join(typed)
        return [UnitChoice(entry.code, entry.name)
                for entry in (self._entries[position] for position in sorted(self._found(typed)))
                if wanted and wanted in (entry.core, entry.whole, str(entry.code))]

    def matches(self, query: str, code: int) -> bool:
        """Whether ``query`` finds unit ``code``."""
        entry = self._by_code.get(code)
        typed = words(query)
        return entry is not None and bool(typed) and _holds(entry.words, typed)


def _holds(unit_words: Sequence[str], typed: Sequence[str]) -> bool:
    """Every typed word begins one of the unit's words."""
    return all(any(word.startswith(part) for word in unit_words) for part in typed)


def _in_order(unit_words: Sequence[str], typed: Sequence[str]) -> bool:
    """The typed words begin consecutive words of the unit's name, in that order."""
    size = len(typed)
    return any(all(unit_words[start + i].startswith(part) for i, part in enumerate(typed))
               for start in range(len(unit_words) - size + 1))


_cached: UnitFinder | None = None
#: Lists up to this long get a finder of their own per request, never the cached one.
SMALL_LIST = 20


def finder_for(names: Mapping[int, str]) -> UnitFinder:
    """The finder over ``names``, built once per list: the served units hand out the same
    mapping until they are read again (a load shows within 30 s)."""
    global _cached  # noqa: PLW0603 - one slot, replaced whole (safe across threads)
    if len(names) <= SMALL_LIST:
        # A commune officer's own unit (or a handful): quick to build, and it must not push
        # the whole list's search out of the one slot.
        return UnitFinder(names)
    found = _cached
    if found is not None and found.names is names:
        return found
    # The served units read the list again every 30 s into a new, equal mapping: comparing
    # costs a fraction of a millisecond, building the search 100 ms.
    if found is None or found.names != names:
        found = UnitFinder(names)
        _cached = found
    else:
        found.names = names  # equal: the next look-up is the quick one again
    return found


def pick_unit(params: Mapping[str, str], names: Mapping[int, str]
              ) -> tuple[dict[str, str], UnitPicker]:
    """``params`` with the typed text (``unit_q``) turned into the ``unit`` code the page
    filters on (see the module's rules), and what the picker shows."""
    resolved = dict(params)
    typed = resolved.pop(QUERY_FIELD, None)
    shown = resolved.pop(SHOWN_FIELD, None)
    if typed is not None and shown is not None and typed.strip() == shown.strip():
        typed = None
    text = resolved.get("unit", "").strip()
    code = whole_number(text)
    code = code if code in names else None
    if typed is None:  # a link, a bookmark, an export: the code alone
        return resolved, UnitPicker(code, names[code] if code is not None else "")
    typed = typed.strip()[:MAX_QUERY_LENGTH]
    if not words(typed):
        resolved["unit"] = ""
        return resolved, UnitPicker(None, "")
    finder = finder_for(names)
    if code is not None and finder.matches(typed, code):
        return resolved, UnitPicker(code, names[code])
    choices, total = finder.search(typed)
    whole = finder.named_whole(typed) if total > 1 else []
    if total == 1 or len(whole) == 1:
        chosen = choices[0] if total == 1 else whole[0]
        resolved["unit"] = str(chosen.code)
        return resolved, UnitPicker(chosen.code, chosen.name)
    return resolved, UnitPicker(code, typed, tuple(choices), total, searched=True)


def picker_choices(typed: str, current: str, names: Mapping[int, str]) -> UnitPicker:
    """What the picker offers while ``typed`` is being typed (htmx), with the unit chosen so
    far (``current``, a code or empty) kept."""
    text = current.strip()
    code = whole_number(text)
    code = code if code in names else None
    typed = typed.strip()[:MAX_QUERY_LENGTH]
    if not words(typed):
        return UnitPicker(code, "")
    choices, total = finder_for(names).search(typed)
    return UnitPicker(code, typed, tuple(choices), total, searched=True)


#: The pickers' first choice, by kind: a filter's "every unit", a user's "no unit" (city
#: level), none for the service point page (a unit must be chosen there).
NONE_LABELS: dict[str, str | None] = {
    "filter": "Tất cả",
    "user": "Không (cấp thành phố)",
    "point": None,
}
