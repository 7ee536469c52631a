"""One HTTP byte range (RFC 9110 §14) for resumable downloads: what to send of a resource.

Only a single range is honoured (a kiosk resuming asks for ``bytes=N-``); a multi-range,
a malformed header or an ``If-Range`` that is not the current ETag means the whole resource
(200), which RFC 9110 allows. A range that starts past the end is unsatisfiable (416).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_SINGLE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class RangeAnswer(enum.Enum):
    """How to answer a GET with this Range/If-Range."""

    WHOLE = 200
    PART = 206
    UNSATISFIABLE = 416


@dataclass(frozen=True)
class ByteRange:
    """What to send: bytes ``start`` to ``end`` (exclusive) of ``size``, and how."""

    answer: RangeAnswer
    start: int
    end: int
    size: int

    def content_range(self) -> str:
        """The ``Content-Range`` header of a 206 or 416 answer."""
        if self.answer is RangeAnswer.UNSATISFIABLE:
            return f"bytes */{self.size}"
        return f"bytes {self.start}-{self.end - 1}/{self.size}"


def choose_range(size: int, range_header: str | None, if_range: str | None,
                 etag: str) -> ByteRange:
    """The part of a ``size``-byte resource with strong ETag ``etag`` to send."""
    # If-Range holding anything but our ETag (another ETag, a date we never gave): the
    # client's partial copy is of other bytes, so it gets all of these.
    stale = if_range is not None and if_range.strip() != etag
    asked = None if range_header is None or stale else _asked(range_header, size)
    if asked is None:
        return ByteRange(RangeAnswer.WHOLE, 0, size, size)
    start, end = asked
    if start >= end:
        return ByteRange(RangeAnswer.UNSATISFIABLE, 0, 0, size)
    return ByteRange(RangeAnswer.PART, start, end, size)


def _asked(header: str, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for, clipped to ``size`` (start >= end: none of it is
    there), or None if it is to be ignored (malformed, several ranges, last before first)."""
    match = _SINGLE.match(header)
    if match is None or match.group(1) + match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # bytes=-N: the last N bytes
        suffix = int(last)
        return (size, size) if suffix == 0 else (max(0, size - suffix), size)
    start = int(first)
    if last and int(last) < start:
        return None
    end = size if not last else min(int(last) + 1, size)
    return (start, end) if start < size else (size, size)
