"""Logging for journald: one line per event, honest levels, no personal data.

Under systemd (``JOURNAL_STREAM`` set) each line starts with the sd-daemon priority prefix
(``<3>`` error ... ``<7>`` debug), so journald files it at the right level and adds its own
timestamp; in a terminal lines carry the time instead. Code never logs names, addresses or
ID numbers; as a second line of defence :class:`RedactDigits` masks any run of 9 or more
digits (old and new ID numbers, phone numbers) before a line is written.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
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
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in the right form."""
    env = os.environ if environ is None else environ
    handler = logging.StreamHandler(stream or sys.stderr)
    if env.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    handler.addFilter(RedactDigits())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "motcua", False):
            root.removeHandler(existing)
    handler.motcua = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler
