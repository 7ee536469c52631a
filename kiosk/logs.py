"""Logging for journald: one line per event, honest levels, no personal data.

Under systemd (``JOURNAL_STREAM`` set) each line starts with the sd-daemon priority prefix
(``<3>`` error ... ``<7>`` debug), so journald files it at the right level and adds its own
timestamp; in a terminal lines carry the time instead. Code never logs names, addresses or
ID numbers; as a second line of defence :class:`RedactDigits` masks any run of 9 or more
digits (old and new ID numbers, phone numbers) before a line is written.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

_SYSLOG_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
_LONG_NUMBER = re.compile(r"\d{9,}")


def _priority(level: int) -> int:
    for threshold in sorted(_SYSLOG_PRIORITY, reverse=True):
        if level >= threshold:
            return _SYSLOG_PRIORITY[threshold]
    return 7


class RedactDigits(logging.Filter):
    """Masks long digit runs in the formatted message: ``001099012345`` -> ``*********``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        redacted = _LONG_NUMBER.sub(lambda match: "*" * len(match.group()), message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class JournalFormatter(logging.Formatter):
    """``<priority>logger: message`` with multi-line messages folded onto one line."""

    def format(self, record: logging.LogRecord) -> str:
        """One journald line."""
        text = super().format(record).replace("\n", " | ")
        return f"<{_priority(record.levelno)}>{record.name}: {text}"


def configure(
    level: int = logging.INFO,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    filters: Sequence[logging.Filter] = (),
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in the right form.

    ``filters`` rewrite each record before the long digit runs are masked (the city
    server masks personal data its own way first: :mod:`office.logs`).
    """
    env = os.environ if environ is None else environ
    handler = logging.StreamHandler(stream or sys.stderr)
    if env.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    for extra in filters:
        handler.addFilter(extra)
    handler.addFilter(RedactDigits())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "motcua", False):
            root.removeHandler(existing)
    handler.motcua = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler


#: Log lines the app keeps in memory for the technician screen.
RECENT_LINES = 200


class RecentLogs(logging.Handler):
    """The last ``capacity`` log lines, for the technician screen (oldest drop out).

    Long digit runs are masked (:class:`~kiosk.logs.RedactDigits`) before a line is kept,
    as they are before one is written to the journal.
    """

    #: Marks the handler :func:`install_recent_logs` installed, so a second app in the
    #: same process (tests, the tour) replaces it instead of adding another.
    motcua_recent = True

    def __init__(self, capacity: int = RECENT_LINES, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self.addFilter(RedactDigits())
        self.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one formatted line (multi-line messages folded onto it)."""
        try:
            line = self.format(record).replace("\n", " | ")
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)
            return
        self._lines.append(line)

    def lines(self) -> list[str]:
        """The kept lines, newest first."""
        # Other threads log while the screen reads: copy under the handler's lock.
        self.acquire()
        try:
            return list(reversed(self._lines))
        finally:
            self.release()


def install_recent_logs(
    capacity: int = RECENT_LINES, logger: logging.Logger | None = None
) -> RecentLogs:
    """Attach a :class:`RecentLogs` to the root logger (replacing one attached before)."""
    target = logger if logger is not None else logging.getLogger()
    for existing in list(target.handlers):
        if getattr(existing, "motcua_recent", False):
            target.removeHandler(existing)
    handler = RecentLogs(capacity)
    target.addHandler(handler)
    if target.getEffectiveLevel() > logging.INFO:
        # Without this the root logger's default (WARNING) would hide the INFO lines a
        # technician needs (a printer back online, a code read).
        target.setLevel(logging.INFO)
    return handler
