"""Ranked search that works the way citizens type on a touchscreen.

Without accents ("dang ky khai sinh"), 'd' for 'đ', any case, NFC or NFD, one or two
typos, the last word half typed, and everyday words (aliases). One index serves every
list the kiosk searches: procedures, the commune directory.

How a query is matched:

* Text is folded (:mod:`kiosk.text`) and split into words; 'y' is read as 'i' because
  Vietnamese spells many syllables both ways (ký/kí, quý/quí) and citizens mix them.
* Each query word is expanded to the index words it may mean: itself; for the last word
  (still being typed) every word it begins; and words within one edit (two for long
  words), transpositions counting as one edit, found by rapidfuzz (C++) among the index
  words of a near length. Nearer expansions count more. Numbers are not typo-corrected.
  The last word's expansions count no rarer than the commonest word it begins: "so d"
  is not looking for the rarest d-word, but for "sổ đỏ".
* Codes (procedure codes, ward codes: ``code`` fields) are not words: they are kept out of
  the vocabulary, so typo expansion never scans them, and are matched in a sorted table of
  their own, whole or by their beginning as typed ("1.0011"), also without the part
  before the first dot ("001193"). A code query counts as rare as the codes it matches.
* A document's score sums, for each query word, the best expansion's rarity (idf) times
  the weight of the field it was found in, so titles and aliases outweigh long bodies, and
  words found only in papers or cases count least. The best candidates (near ties going
  to the shortest title or alias) then get bonuses for query words found next to each other
  in a title or alias, for covering a short title nearly whole, and for matching the
  accents the citizen did type: folding makes "khai tu" equal to khai tử, khai từ and
  khai tư alike, and these bonuses pick the right one.
* Results rank by score, scaled to 0..1 against the best a document could get for that
  query; a word the index knows exactly damps its own misspellings, so a near miss of a
  rare word does not outrank an exact common one.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from kiosk.text import has_marks, nfc, strip_marks, words

K = TypeVar("K", bound=Hashable)

#: How much an expansion counts, by how it was found.
EXACT, PREFIX, ONE_EDIT, TWO_EDITS = 1.0, 0.8, 0.6, 0.4
#: Edits of a word that is itself in the index count this much less.
KNOWN_WORD_DAMPING = 0.25
#: Bonuses added to the raw score of the best candidates (see the module docstring).
PHRASE_BONUS = 0.5
COVERAGE_BONUS = 1.0
ACCENT_BONUS = 0.35
#: The highest field weight: a perfect match counts this much (the score's ceiling).
TOP_WEIGHT = 3.0
#: How many of the best raw scores get their bonuses worked out.
RERANK_DEPTH = 60
#: Taken off the raw score per word of a document's shortest title or alias, only to
#: choose among near ties which documents get their bonuses worked out: at 50,000
#: procedures a hundred titles can tie on raw score, and the one the citizen typed whole
#: (the shortest) must be among those reranked. Far below any real score difference.
TIE_BREAK = 1e-4
#: Longer titles, and documents without any, count as this long for the tie break.
TIE_BREAK_WORDS = 40
#: A query is cut to this many words: it bounds the work. Vietnamese words are syllables,
#: so a whole title runs to 15 or more ("giấy chứng nhận quyền sử dụng đất" alone is 7).
MAX_QUERY_WORDS = 24
#: A word found in at least this share of the documents is kept as one array over all
#: documents and scored in contiguous passes, which numpy runs several times faster than
#: gathering and scattering that many document numbers.
DENSE_SHARE = 1 / 8
#: Word expansions and code matches remembered (each a few index words or document numbers).
CACHE_SIZE = 4096
_LETTERS = re.compile(r"[^\W_]+")
#: A query token of a folded query: a word (letters, maybe digits), or a number that may be
#: a code or its beginning ("1.004194", "1.0011", "1.").
_TOKEN = re.compile(r"[0-9a-z]*[a-z][0-9a-z]*|[0-9]+(?:\.[0-9]+)*\.?")
#: What a code is made of (procedure codes "1.004194", ward codes "26734"): the rest is dropped.
_CODE_JUNK = re.compile(r"[^0-9.]+")
#: Sorts after every character a folded code holds.
_AFTER_ALL = "\U0010ffff"

#: Document numbers and what a word earns in each (field weight x idf), in float32 like the
#: dense arrays, so a word's gains are rounded alike whichever way it is scored.
_Postings = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]


def match_key(word: str) -> str:
    """The form a folded word is matched in ('y' read as 'i')."""
    return word.replace("y", "i")


def _keys(text: str) -> list[str]:
    return [match_key(word) for word in words(text)]


def _marked_words(text: str) -> list[str]:
    """Lower-case NFC words of ``text``, accents kept (for the accent bonus)."""
    return _LETTERS.findall(nfc(text).casefold())


def _code_keys(text: str) -> list[str]:
    """The forms a code is looked up by: whole, and without what precedes its first dot."""
    code = _CODE_JUNK.sub("", text).strip(".")
    if not code:
        return []
    _, dot, tail = code.partition(".")
    return [code, tail] if dot and tail else [code]


@dataclass(frozen=True)
class Field:
    """One searchable text of a document and how much a match in it counts.

    ``phrase`` fields (titles, names, aliases) also earn the phrase, coverage and accent
    bonuses. A ``code`` field (a procedure or ward code: digits and dots) is an identifier:
    matched whole or by its beginning, never typo-corrected, and kept out of the word
    vocabulary.
    """

    text: str
    weight: float
    phrase: bool = False
    code: bool = False


@dataclass(frozen=True)
class Hit(Generic[K]):
    """One result: the document's key and its score in 0..1."""

    key: K
    score: float
    matched_words: int


@dataclass
class _Phrase:
    keys: list[str]
    #: Its words with their accents, for the accent bonus.
    marked: frozenset[str]


@dataclass
class _Entry(Generic[K]):
    key: K
    phrases: list[_Phrase] = field(default_factory=list)


@dataclass(frozen=True)
class _Term:
    """What one query token matched: its index words and, for a number, its codes."""

    expansions: tuple[tuple[str, float], ...]
    codes: _Postings | None
    #: The most it can earn per unit of field weight (the score's ceiling).
    idf: float


class SearchIndex(Generic[K]):
    """An in-memory index over documents, each a key and weighted fields."""

    def __init__(self, documents: Iterable[tuple[K, Sequence[Field]]]) -> None:
        self._entries: list[_Entry[K]] = []
        # weights[word] = {document number: best field weight of that word in it}
        weights: dict[str, dict[int, float]] = {}
        codes: list[tuple[str, int, float]] = []
        shortest: list[int] = []
        for number, (key, fields) in enumerate(documents):
            entry = _Entry(key)
            for item in fields:
                if item.code:
                    codes.extend((code, number, item.weight) for code in _code_keys(item.text))
                    continue
                keys = _keys(item.text)
                for word in keys:
                    found = weights.setdefault(word, {})
                    if found.get(number, 0.0) < item.weight:
                        found[number] = item.weight
                if item.phrase and keys:
                    entry.phrases.append(_Phrase(keys, frozenset(_marked_words(item.text))))
            self._entries.append(entry)
            shortest.append(min((len(p.keys) for p in entry.phrases), default=TIE_BREAK_WORDS))
        total = max(len(self._entries), 1)
        # Rarer words count more (inverse document frequency).
        self._idf = {word: math.log(1 + total / len(found)) for word, found in weights.items()}
        # Postings as arrays, so a query word is scored over all documents at once in numpy
        # instead of one Python step per document (p99 28 ms -> 3 ms on 5,000 procedures):
        # document numbers and gains for most words, one dense array for common ones.
        self._postings: dict[str, _Postings] = {}
        self._dense: dict[str, npt.NDArray[np.float32]] = {}
        for word, found in weights.items():
            documents = np.fromiter(found.keys(), dtype=np.intp, count=len(found))
            field_weights = np.fromiter(found.values(), dtype=np.float64, count=len(found))
            gains = (field_weights * self._idf[word]).astype(np.float32)
            if len(found) >= DENSE_SHARE * total:
                vector = np.zeros(total, dtype=np.float32)
                vector[documents] = gains
                self._dense[word] = vector
            else:
                self._postings[word] = (documents, gains)
        self._total = total
        self._max_idf = math.log(1 + total)
        # Sorted for prefixes (bisect); by length for typos, since a word within two edits
        # is at most two letters longer or shorter: rapidfuzz scans only that slice.
        self._vocabulary = sorted(self._idf)
        self._by_length = sorted(self._vocabulary, key=len)
        lengths = [len(word) for word in self._by_length]
        self._length_starts = [
            bisect.bisect_left(lengths, size) for size in range(max(lengths, default=0) + 2)
        ]
        codes.sort()
        self._code_keys = [code for code, _, _ in codes]
        self._code_documents = np.array([number for _, number, _ in codes], dtype=np.intp)
        self._code_weights = np.array([weight for _, _, weight in codes], dtype=np.float64)
        self._tie_break = TIE_BREAK * np.minimum(np.array(shortest), TIE_BREAK_WORDS)
        # Work arrays reused by every search (one at a time), not allocated per query.
        self._lock = threading.Lock()
        self._scores = np.zeros(len(self._entries))
        self._best = np.zeros(len(self._entries), dtype=np.float32)
        self._scratch = np.zeros(len(self._entries), dtype=np.float32)
        self._ranked = np.zeros(len(self._entries))
        self._matched = np.zeros(len(self._entries), dtype=np.uint8)  # <= MAX_QUERY_WORDS
        self._found = np.zeros(len(self._entries), dtype=np.bool_)
        self._term = lru_cache(maxsize=CACHE_SIZE)(self._term_uncached)

    def __len__(self) -> int:
        return len(self._entries)

    def clear_cache(self) -> None:
        """Forget every word expansion worked out so far (benchmarks time the first query)."""
        self._term.cache_clear()

    def _term_uncached(self, token: str, is_prefix: bool) -> _Term:
        if token[0].isdigit():
            return self._number_term(token, is_prefix)
        word = match_key(token)
        found = self._exact_and_prefixes(word, is_prefix)
        begun = list(found) if is_prefix else []
        if len(word) >= 3:
            allowed = 2 if len(word) >= 6 else 1
            # A word the index knows was most likely typed as meant: its neighbours one
            # edit away ("lam" -> "lac") must not outrank it, only fill in behind.
            damping = KNOWN_WORD_DAMPING if word in self._idf else 1.0
            # starts[n]: where words of n letters or more begin; the last entry is the end.
            starts = self._length_starts
            shortest = starts[min(max(len(word) - allowed, 0), len(starts) - 1)]
            past_longest = starts[min(len(word) + allowed + 1, len(starts) - 1)]
            near = self._by_length[shortest:past_longest]
            for candidate, distance, _ in process.extract(
                word, near, scorer=OSA.distance, score_cutoff=allowed, limit=None
            ):
                weight = damping * (ONE_EDIT if distance == 1 else TWO_EDITS)
                if found.get(candidate, 0.0) < weight:
                    found[candidate] = weight
        if is_prefix:
            self._no_rarer_than_typed(found, begun or found)
        return _Term(tuple(found.items()), None, self._best_idf(found, word))

    def _best_idf(self, found: dict[str, float], word: str) -> float:
        """The most a term's expansions can earn per unit of field weight.

        It bounds the score from above: a prefix or near word rarer than the word typed
        can earn more than the word itself would, and a bound below the best reachable
        score would cap several results at 1.0 and lose their order.
        """
        if not found:
            return self._idf.get(word, self._max_idf)
        return max(closeness * self._idf[candidate] for candidate, closeness in found.items())

    def _exact_and_prefixes(self, word: str, is_prefix: bool) -> dict[str, float]:
        found: dict[str, float] = {}
        if word in self._idf:
            found[word] = EXACT
        if is_prefix:
            start = bisect.bisect_left(self._vocabulary, word)
            end = bisect.bisect_left(self._vocabulary, word + _AFTER_ALL, lo=start)
            for candidate in self._vocabulary[start:end]:
                found.setdefault(candidate, PREFIX)
        return found

    def _no_rarer_than_typed(self, found: dict[str, float], typed: Iterable[str]) -> None:
        """Let no expansion of a half-typed word count rarer than the commonest ``typed``.

        A half-typed word says only that some word with that beginning is meant, not
        which, so its expansions count as rare as the commonest word it begins, the word
        itself included and no closer than a word it begins ("d" is a rare word, a clause
        letter "điểm d", but "so d" is not looking for it). Else "so d" (sổ đỏ) is won by
        whichever title holds the rarest d-word, far above the alias being typed. Said as
        a closeness on each word, since a word's stored gains hold its own rarity.
        """
        idf = self._idf
        commonest = min((idf[word] for word in typed), default=None)
        if commonest is None:
            return
        for word, closeness in found.items():
            if idf[word] > commonest:
                found[word] = min(closeness, PREFIX) * commonest / idf[word]

    def _number_term(self, token: str, is_prefix: bool) -> _Term:
        """A number: the codes it is or begins, and the same index words (never typos)."""
        words = {} if "." in token else self._exact_and_prefixes(token, is_prefix)
        if is_prefix:
            self._no_rarer_than_typed(words, list(words))
        expansions = tuple(words.items())
        code = token.rstrip(".") if not is_prefix else token
        start = bisect.bisect_left(self._code_keys, code)
        exact_end = bisect.bisect_right(self._code_keys, code, lo=start)
        end = (
            bisect.bisect_left(self._code_keys, code + _AFTER_ALL, lo=exact_end)
            if is_prefix
            else exact_end
        )
        idf = self._best_idf(words, token)
        if start == end:
            return _Term(expansions, None, idf)
        documents = self._code_documents[start:end]
        closeness = np.full(end - start, PREFIX)
        closeness[: exact_end - start] = EXACT
        gains = self._code_weights[start:end] * closeness
        # A document matched by several of its code forms counts its best one.
        order = np.argsort(-gains, kind="stable")
        documents, first = np.unique(documents[order], return_index=True)
        # As rare as the codes it matches: a whole code is one document's, "1" is everyone's.
        code_idf = math.log(1 + self._total / len(documents))
        idf = max(code_idf, idf) if words else code_idf
        gains = (gains[order][first] * code_idf).astype(np.float32)
        return _Term(expansions, (documents, gains), idf)

    def search(self, query: str, limit: int = 10) -> list[Hit[K]]:
        """The best ``limit`` documents for ``query``, best first."""
        tokens = _TOKEN.findall(strip_marks(query))[:MAX_QUERY_WORDS]
        if not tokens or limit <= 0 or not self._entries:
            return []
        # The last word is still being typed unless the query ends with a space.
        last_is_prefix = not query[-1:].isspace()
        terms = [
            self._term(token, last_is_prefix and position == len(tokens) - 1)
            for position, token in enumerate(tokens)
        ]
        with self._lock:
            scored = self._score(terms)
        if scored is None:
            return []
        candidates, raw, matched = scored
        # Which query words each index word answers, for the bonuses: bit n stands for
        # the n-th query word, so a phrase is checked with a few integer operations a word.
        terms_of: dict[str, int] = {}
        for position, term in enumerate(terms):
            for word, _ in term.expansions:
                terms_of[word] = terms_of.get(word, 0) | 1 << position
        typed_with_marks = [word for word in _marked_words(query) if has_marks(word)]
        # What a perfect document would score: every word exact in a top-weight field.
        ceiling = sum(TOP_WEIGHT * term.idf for term in terms)
        ceiling += PHRASE_BONUS * (len(terms) - 1) + COVERAGE_BONUS + ACCENT_BONUS
        ranked: list[tuple[float, int, int]] = []
        for number, score, count in zip(candidates, raw, matched, strict=True):
            bonus = self._bonus(self._entries[number], terms_of, typed_with_marks)
            ranked.append((round(min(1.0, (score + bonus) / ceiling), 4), number, count))
        # Equal scores keep the order the documents were given in (a catalog's own order),
        # not whatever order the partial sort left them in.
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return [
            Hit(key=self._entries[number].key, score=score, matched_words=count)
            for score, number, count in ranked[:limit]
        ]

    def _score(self, terms: Sequence[_Term]) -> tuple[list[int], list[float], list[int]] | None:
        """The raw scores of the documents to rerank: numbers, scores, words matched."""
        scores, best, matched, found = self._scores, self._best, self._matched, self._found
        scratch = self._scratch
        scores.fill(0.0)
        matched.fill(0)
        for term in terms:
            dense: list[tuple[npt.NDArray[np.float32], float]] = []
            sparse: list[_Postings] = []
            for word, closeness in term.expansions:
                vector = self._dense.get(word)
                if vector is not None:
                    dense.append((vector, closeness))
                else:
                    documents, gains = self._postings[word]
                    sparse.append((documents, gains if closeness == EXACT else gains * closeness))
            if term.codes is not None:
                sparse.append(term.codes)
            if not dense and len(sparse) == 1:
                # One set of postings holds each document once: add it in place, with no
                # pass over every document.
                documents, gains = sparse[0]
                scores[documents] += gains
                matched[documents] += 1
                continue
            if not dense and not sparse:
                continue
            # Each query word counts once per document: its best expansion there.
            if dense:
                vector, closeness = dense[0]
                np.multiply(vector, closeness, out=best)
                for vector, closeness in dense[1:]:
                    np.multiply(vector, closeness, out=scratch)
                    np.maximum(best, scratch, out=best)
            else:
                best.fill(0.0)
            for documents, gains in sparse:
                best[documents] = np.maximum(best[documents], gains)
            scores += best
            np.greater(best, 0.0, out=found)
            matched += found
        count = int(np.count_nonzero(scores))
        if not count:
            return None
        depth = min(RERANK_DEPTH, count)
        # Near ties go to the shortest title (TIE_BREAK).
        ranked = np.subtract(scores, self._tie_break, out=self._ranked)
        candidates = np.argpartition(ranked, len(ranked) - depth)[len(ranked) - depth :]
        return candidates.tolist(), scores[candidates].tolist(), matched[candidates].tolist()

    @staticmethod
    def _bonus(
        entry: _Entry[K], terms_of: dict[str, int], typed_with_marks: Sequence[str]
    ) -> float:
        """The best phrase, coverage and accent bonus among ``entry``'s titles and aliases.

        Query words n and n+1 are next to each other in a phrase when, at some position,
        the phrase's word answers query word n and the word after it query word n+1.
        """
        best = 0.0
        for phrase in entry.phrases:
            adjacent = covered = previous = 0
            for key in phrase.keys:
                current = terms_of.get(key, 0)
                if current:
                    covered += 1
                    adjacent |= previous & (current >> 1)
                previous = current
            accents = 0.0
            if typed_with_marks:
                accents = sum(word in phrase.marked for word in typed_with_marks) / len(
                    typed_with_marks
                )
            best = max(
                best,
                PHRASE_BONUS * adjacent.bit_count()
                + COVERAGE_BONUS * covered / len(phrase.keys)
                + ACCENT_BONUS * accents,
            )
        return best
