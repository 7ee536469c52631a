"""The printer's state from its answers to ``DLE EOT`` (real-time status transmission).

``DLE EOT n`` asks one status byte; the printer answers even when it is offline. Every
answer has bits 1 and 4 set and bits 0 and 7 clear (``0xx1xx10``): a byte without that
pattern is not an answer. We ask:

- n = 1, printer: bit 3 offline;
- n = 2, offline cause: bit 2 cover open, bit 5 stopped at paper end, bit 6 error;
- n = 4, roll paper sensor: bits 2-3 paper near end, bits 5-6 paper end;
- n = 3, error cause (only when n = 2 reports an error): bit 3 cutter, bit 5
  unrecoverable, bit 6 auto-recoverable (head too hot).

A question without an answer makes the state UNKNOWN, whatever the other answers said: a
silent printer may have paper or not, and "paper out" would send a technician for nothing.
python-escpos's own ``paper_status`` reads silence as "paper adequate" and ``is_online``
as offline, which is why the bytes are read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.printing import PrinterState, PrinterStatus, describe_error

DLE_EOT = b"\x10\x04"
PRINTER_STATUS = 1
OFFLINE_CAUSE = 2
ERROR_CAUSE = 3
PAPER_SENSOR = 4
#: Asked every time, in this order.
QUERIES = (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR)

_FIXED_MASK = 0x93
_FIXED_BITS = 0x12
_OFFLINE = 0x08
_COVER_OPEN = 0x04
_PAPER_END_STOP = 0x20
_ERROR = 0x40
_NEAR_END = 0x0C
_PAPER_END = 0x60
_ERRORS = {0x08: "cutter error", 0x20: "unrecoverable error", 0x40: "print head too hot"}


class NoAnswerError(Exception):
    """The printer did not answer a status query (the message says how)."""


def is_answer(value: int) -> bool:
    """Whether ``value`` has the fixed bits every ``DLE EOT`` answer has."""
    return value & _FIXED_MASK == _FIXED_BITS


def decode(answers: Mapping[int, int | None]) -> PrinterStatus:
    """The state from the answers to ``DLE EOT n`` (None: no answer to that n)."""
    for query in QUERIES:
        value = answers.get(query)
        if value is None:
            return PrinterStatus(PrinterState.UNKNOWN, f"no answer to DLE EOT {query}")
        if not is_answer(value):
            return PrinterStatus(
                PrinterState.UNKNOWN, f"DLE EOT {query} answered 0x{value:02x}, not a status"
            )
    printer, offline, paper = (answers[query] or 0 for query in QUERIES)
    seen = f"status 0x{printer:02x} 0x{offline:02x} 0x{paper:02x}"
    # Most serious first: what a technician must fix before anything else.
    checks = (
        (offline & _COVER_OPEN, PrinterState.COVER_OPEN),
        (paper & _PAPER_END or offline & _PAPER_END_STOP, PrinterState.PAPER_OUT),
        (offline & _ERROR, PrinterState.ERROR),
        (printer & _OFFLINE, PrinterState.OFFLINE),
        (paper & _NEAR_END, PrinterState.PAPER_NEAR_END),
    )
    state = next((state for found, state in checks if found), PrinterState.READY)
    if state is PrinterState.ERROR:
        causes = answers.get(ERROR_CAUSE)
        named = [] if causes is None else [name for bit, name in _ERRORS.items() if causes & bit]
        return PrinterStatus(state, f"{', '.join(named) or 'error'} ({seen})")
    return PrinterStatus(state, seen)


def ask(device: Any, query: int) -> int:
    """Send ``DLE EOT query`` on a python-escpos printer and return the answer byte.

    Raises NoAnswerError when nothing came back within the transport's timeout or the
    connection broke. When several bytes arrive the last is taken: a stray earlier byte
    is older than our question.
    """
    try:
        device._raw(DLE_EOT + bytes([query]))
        answer = bytes(device._read())
    except Exception as error:  # every transport raises its own kinds: sorted out below
        if isinstance(error, TimeoutError) or "timeout" in type(error).__name__.lower():
            raise NoAnswerError(f"no answer to DLE EOT {query} in time") from error
        raise NoAnswerError(
            f"connection lost during DLE EOT {query}: {describe_error(error)}"
        ) from error
    if not answer:
        raise NoAnswerError(f"no answer to DLE EOT {query} (connection closed or timed out)")
    return answer[-1]


def read_status(device: Any) -> PrinterStatus:
    """Ask the printer behind ``device`` (a python-escpos printer) for its state."""
    answers: dict[int, int | None] = {}
    for query in QUERIES:
        try:
            answers[query] = ask(device, query)
        except NoAnswerError as error:
            return PrinterStatus(PrinterState.UNKNOWN, str(error))
    if (answers[OFFLINE_CAUSE] or 0) & _ERROR:
        try:
            answers[ERROR_CAUSE] = ask(device, ERROR_CAUSE)
        except NoAnswerError:
            answers[ERROR_CAUSE] = None  # the error stays, without its cause
    return decode(answers)
