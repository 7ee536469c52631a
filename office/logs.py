"""The city server's logs: the kiosk's journald lines, with personal data masked.

``kiosk backend serve`` logs through :func:`kiosk.logs.configure` (one line per event,
``<priority>logger: message`` under systemd, the time in a terminal), uvicorn's own lines
included: it is started without its logging config, so its records reach the same handler.
Before a line is written, :class:`MaskPersonal` masks what could identify a citizen if it
ever reached a message: ID numbers as on the slip (:func:`kiosk.masking.mask_id_number`,
"********2345"), phone numbers but their last 3 digits, e-mail addresses but their first
letter and domain, and the last part of client addresses ("203.0.113.x", enough to see a
network, not a household). Any other run of 9 or more digits is then masked whole, as on
the kiosk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TextIO

from kiosk.logs import configure
from kiosk.masking import mask_id_number

#: ID numbers: 12 digits (căn cước) or 9 (old CMND), standing alone.
_ID_NUMBER = re.compile(r"(?<![\d.])(?:\d{12}|\d{9})(?![\d.])")
#: Vietnamese phone numbers: 0 or +84, then 8 to 10 digits, maybe grouped by spaces or dots.
_PHONE = re.compile(r"(?<![\w.+])(?:\+84|0)(?:[ .]?\d){8,10}(?![\w.])")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
#: The logger of uvicorn's own lines (start, stop, the address it listens on).
SERVER_LOGGER = "uvicorn.error"
_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3})\d{1,3}(?![\d.])")


def mask_personal(text: str, *, addresses: bool = True) -> str:
    """``text`` with ID numbers, phone numbers, e-mail and (``addresses``) client addresses
    masked."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    if addresses:
        text = _IPV4.sub(lambda m: f"{m.group(1)}x", text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: re.sub(r"\d(?=(?:\D*\d){3})", "*", m.group()), text)


class MaskPersonal(logging.Filter):
    """Rewrites each record's message with :func:`mask_personal`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the formatted message in place."""
        message = record.getMessage()
        # uvicorn's server lines name the address it listens on, not a client's.
        masked = mask_personal(message, addresses=record.name != SERVER_LOGGER)
        if masked != message:
            record.msg, record.args = masked, None
        return True


#: uvicorn's logger of request lines (one per request).
ACCESS_LOGGER = "uvicorn.access"


def configure_server_logging(
    level: int = logging.INFO, stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None, *, access_log: bool = True,
) -> logging.Handler:
    """Log the server's and uvicorn's records as the kiosk does, personal data masked;
    uvicorn's request lines only when ``access_log``."""
    handler = configure(level, stream, environ, filters=(MaskPersonal(),))
    for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
        uvicorn_logger = logging.getLogger(name)
        # As uvicorn may have left them (its own handlers, levels, no propagation).
        uvicorn_logger.handlers.clear()
        uvicorn_logger.setLevel(logging.NOTSET)
        uvicorn_logger.disabled = False
        uvicorn_logger.propagate = True
    # uvicorn writes a request line only while its access logger has a handler (checked
    # per connection): with none and no propagation, no line is even formatted. Each line
    # costs a worker about as much CPU as a small request (measured, bench/fleet_bench.py).
    logging.getLogger(ACCESS_LOGGER).propagate = access_log
    return handler


def access_log_left_on() -> bool:
    """Whether uvicorn, as it configured this process, logs request lines: started with
    ``access_log=False`` it leaves its access logger with no handler and no propagation.

    A worker of ``uvicorn --workers`` configures uvicorn's logging before it builds the
    app, so the app factory reads the ``--no-access-log`` choice here."""
    access = logging.getLogger(ACCESS_LOGGER)
    return access.propagate or bool(access.handlers)
