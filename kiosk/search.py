"""Ranked search that works the way citizens type on a touchscreen.

Without accents ("dang ky khai sinh"), 'd' for 'đ', any case, NFC or NFD, one or two
typos, the last word half typed, and everyday words (aliases). One index serves every
list the kiosk searches: procedures, the commune directory.

How a query is matched:

* Text is folded (:mod:`kiosk.text`) and split into words; 'y' is read as 'i' because
  Vietnamese spells many syllables both ways (ký/kí, quý/quí) and citizens mix them.
* Each query word is expanded to the index words it may mean: itself; for the last word
  (still being typed) every word it begins; and words within one edit (two for long
  words), transpositions counting as one edit, found by rapidfuzz (C++) in the vocabulary.
  Nearer expansions count more.
* A document's score sums, for each query word, the best expansion's rarity (idf) times
  the weight of the field it was found in, so titles and aliases outweigh long bodies.
  The best candidates then get bonuses for query words found next to each other in a
  title or alias, for covering a short title nearly whole, and for matching the accents the
  citizen did type: folding makes "khai tu" equal to khai tử, khai từ and khai tư alike,
  and these bonuses pick the right one.
* Results rank by score, scaled to 0..1 against the best a document could get for that
  query; a word the index knows exactly damps its own misspellings, so a near miss of a
  rare word does not outrank an exact common one.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from kiosk.text import has_marks, nfc, words

K = TypeVar("K", bound=Hashable)

#: How much an expansion counts, by how it was found.
EXACT, PREFIX, ONE_EDIT, TWO_EDITS = 1.0, 0.8, 0.6, 0.4
#: Edits of a word that is itself in the index count this much less.
KNOWN_WORD_DAMPING = 0.25
#: Bonuses added to the raw score of the best candidates (see the module docstring).
PHRASE_BONUS = 0.5
COVERAGE_BONUS = 1.0
ACCENT_BONUS = 0.35
#: How many of the best raw scores get their bonuses worked out.
RERANK_DEPTH = 60
#: A query is cut to this many words: nobody types more, and it bounds the work.
MAX_QUERY_WORDS = 12
_LETTERS = re.compile(r"[^\W_]+")


def match_key(word: str) -> str:
    """The form a folded word is matched in ('y' read as 'i')."""
    return word.replace("y", "i")


def _keys(text: str) -> list[str]:
    return [match_key(word) for word in words(text)]


def _marked_words(text: str) -> list[str]:
    """Lower-case NFC words of ``text``, accents kept (for the accent bonus)."""
    return _LETTERS.findall(nfc(text).casefold())


@dataclass(frozen=True)
class Field:
    """One searchable text of a document and how much a match in it counts.

    ``phrase`` fields (titles, names, aliases) also earn the phrase, coverage and accent
    bonuses.
    """

    text: str
    weight: float
    phrase: bool = False


@dataclass(frozen=True)
class Hit(Generic[K]):
    """One result: the document's key and its score in 0..1."""

    key: K
    score: float
    matched_words: int


@dataclass
class _Phrase:
    keys: list[str]
    marked: list[str]


@dataclass
class _Entry(Generic[K]):
    key: K
    phrases: list[_Phrase] = field(default_factory=list)


class SearchIndex(Generic[K]):
    """An in-memory index over documents, each a key and weighted fields."""

    def __init__(self, documents: Iterable[tuple[K, Sequence[Field]]]) -> None:
        self._entries: list[_Entry[K]] = []
        # weights[word] = {document number: best field weight of that word in it}
        weights: dict[str, dict[int, float]] = {}
        for number, (key, fields) in enumerate(documents):
            entry = _Entry(key)
            for item in fields:
                keys = _keys(item.text)
                for word in keys:
                    found = weights.setdefault(word, {})
                    if found.get(number, 0.0) < item.weight:
                        found[number] = item.weight
                if item.phrase and keys:
                    entry.phrases.append(_Phrase(keys, _marked_words(item.text)))
            self._entries.append(entry)
        total = max(len(self._entries), 1)
        # Rarer words count more (inverse document frequency).
        self._idf = {word: math.log(1 + total / len(found)) for word, found in weights.items()}
        # Postings as arrays, so a query word is scored over all documents at once in numpy
        # instead of one Python step per document (p99 28 ms -> 3 ms on 5,000 procedures).
        self._postings: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]] = {
            word: (
                np.fromiter(found.keys(), dtype=np.intp, count=len(found)),
                np.fromiter(found.values(), dtype=np.float64, count=len(found)) * self._idf[word],
            )
            for word, found in weights.items()
        }
        self._max_idf = math.log(1 + total)
        self._vocabulary = sorted(self._postings)
        self._expand = lru_cache(maxsize=4096)(self._expand_uncached)

    def __len__(self) -> int:
        return len(self._entries)

    def _expand_uncached(self, word: str, is_prefix: bool) -> tuple[tuple[str, float], ...]:
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = EXACT
        if is_prefix:
            start = bisect.bisect_left(self._vocabulary, word)
            for candidate in self._vocabulary[start:]:
                if not candidate.startswith(word):
                    break
                found.setdefault(candidate, PREFIX)
        if len(word) >= 3:
            allowed = 2 if len(word) >= 6 else 1
            # A word the index knows was most likely typed as meant: its neighbours one
            # edit away ("lam" -> "lac") must not outrank it, only fill in behind.
            damping = KNOWN_WORD_DAMPING if word in self._postings else 1.0
            for candidate, distance, _ in process.extract(
                word, self._vocabulary, scorer=OSA.distance, score_cutoff=allowed, limit=None
            ):
                weight = damping * (ONE_EDIT if distance == 1 else TWO_EDITS)
                if found.get(candidate, 0.0) < weight:
                    found[candidate] = weight
        return tuple(found.items())

    def search(self, query: str, limit: int = 10) -> list[Hit[K]]:
        """The best ``limit`` documents for ``query``, best first."""
        query_keys = _keys(query)[:MAX_QUERY_WORDS]
        if not query_keys or limit <= 0 or not self._entries:
            return []
        # The last word is still being typed unless the query ends with a space.
        last_is_prefix = not query[-1:].isspace()
        expansions = [
            self._expand(word, last_is_prefix and position == len(query_keys) - 1)
            for position, word in enumerate(query_keys)
        ]
        scores = np.zeros(len(self._entries))
        matched = np.zeros(len(self._entries), dtype=np.intp)
        for options in expansions:
            # Each query word counts once per document: its best expansion there.
            best = np.zeros(len(self._entries))
            for word, closeness in options:
                documents, gains = self._postings[word]
                best[documents] = np.maximum(best[documents], closeness * gains)
            scores += best
            matched += best > 0
        found = int(np.count_nonzero(scores))
        if not found:
            return []
        depth = min(RERANK_DEPTH, found)
        candidates = np.argpartition(-scores, depth - 1)[:depth]
        expansion_sets = [{word for word, _ in options} for options in expansions]
        typed_with_marks = [word for word in _marked_words(query) if has_marks(word)]
        # What a perfect document would score: every word exact in a weight-3 field.
        ceiling = sum(3.0 * self._idf.get(word, self._max_idf) for word in query_keys)
        ceiling += PHRASE_BONUS * (len(query_keys) - 1) + COVERAGE_BONUS + ACCENT_BONUS
        hits: list[Hit[K]] = []
        for number in candidates.tolist():
            bonus = self._bonus(self._entries[number], expansion_sets, typed_with_marks)
            hits.append(
                Hit(
                    key=self._entries[number].key,
                    score=round(min(1.0, (float(scores[number]) + bonus) / ceiling), 4),
                    matched_words=int(matched[number]),
                )
            )
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return hits[:limit]

    @staticmethod
    def _bonus(
        entry: _Entry[K], expansion_sets: Sequence[set[str]], typed_with_marks: Sequence[str]
    ) -> float:
        best = 0.0
        for phrase in entry.phrases:
            positions = [
                {at for at, key in enumerate(phrase.keys) if key in options}
                for options in expansion_sets
            ]
            adjacent = sum(
                1
                for first, second in itertools.pairwise(positions)
                if any(at + 1 in second for at in first)
            )
            coverage = len(set().union(*positions)) / len(phrase.keys)
            accents = 0.0
            if typed_with_marks:
                marked = set(phrase.marked)
                accents = sum(word in marked for word in typed_with_marks) / len(
                    typed_with_marks
                )
            best = max(
                best,
                PHRASE_BONUS * adjacent + COVERAGE_BONUS * coverage + ACCENT_BONUS * accents,
            )
        return best
