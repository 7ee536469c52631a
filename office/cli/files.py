"""Reading a file named on the command line (``-``: standard input), bounded in size."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.command import UsageError

#: Largest queue publication file read (one is a few KiB).
MAX_QUEUE_FILE_BYTES = 1024 * 1024


def read_input_file(name: str) -> str:
    """The text of FILE (``-``: standard input), UTF-8 with or without a byte order mark."""
    try:
        if name == "-":
            source = getattr(sys.stdin, "buffer", None)
            raw = (sys.stdin.read(MAX_QUEUE_FILE_BYTES + 1).encode("utf-8") if source is None
                   else source.read(MAX_QUEUE_FILE_BYTES + 1))
        else:
            with Path(name).open("rb") as file:
                raw = file.read(MAX_QUEUE_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {shown_name(name)}: {error.strerror}") from None
    if len(raw) > MAX_QUEUE_FILE_BYTES:
        raise UsageError(f"{shown_name(name)}: over {MAX_QUEUE_FILE_BYTES} bytes; "
                         "not a queue file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{shown_name(name)}: not UTF-8 text") from None


def shown_name(name: str) -> str:
    """How FILE is named in a message."""
    return "standard input" if name == "-" else name
