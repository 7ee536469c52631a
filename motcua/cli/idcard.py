"""``kiosk id``: the chip ID card QR code, for technicians checking a scanner.

``kiosk id parse PAYLOAD`` shows what the kiosk makes of a scanned payload (``-`` reads it
from standard input, e.g. from a scanner in keyboard mode or a file), or why it refuses it.
It needs no data directory: it reads neither the configuration nor the database.
"""

from __future__ import annotations

import argparse
import codecs
import sys

from kiosk.clock import trusted_today
from kiosk.command import Context, print_json
from kiosk.idcard import MAX_PAYLOAD_CHARS, IdCardError, parse_id_qr

#: Standard input is read in chunks of this many bytes.
_READ_CHUNK = 4096


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk id parse`` to the ``kiosk`` command."""
    area = commands.add_parser(
        "id",
        help="chip ID card (CCCD) QR codes",
        description="Chip ID card (CCCD) QR codes.",
    )
    actions = area.add_subparsers(dest="id_command", metavar="ACTION", required=True)
    parse = actions.add_parser(
        "parse",
        help="parse and check an ID card QR payload",
        description=(
            "Parse and check the text of an ID card QR code. Exit status 0 and the card's "
            "fields when valid; 2 and the reason on standard error when not."
        ),
    )
    parse.add_argument(
        "payload",
        metavar="PAYLOAD",
        help="the scanned text, quoted (it contains '|'); '-' reads it from standard input",
    )
    parse.add_argument("--json", action="store_true", help="print a JSON object")
    parse.set_defaults(handler=parse_command)


def parse_command(args: argparse.Namespace, context: Context) -> int:
    """``kiosk id parse``: print the card, or the reason it is refused (exit status 2).

    ``context`` is not used: parsing needs no configuration or database, so the command
    works on a kiosk whose data directory is missing or broken.
    """
    del context
    as_json: bool = args.json
    try:
        payload: str = _read_stdin() if args.payload == "-" else args.payload
        card = parse_id_qr(payload, today=trusted_today())
    except IdCardError as error:
        print(f"kiosk: invalid ID card QR code ({error.code}): {error.message}", file=sys.stderr)
        if as_json:
            print_json({"error": error.code, "message": error.message})
        return 2
    fields = card.to_json()
    if as_json:
        print_json(fields)
    else:
        width = max(len(name) for name in fields)
        for name, value in fields.items():
            shown = "(none)" if value is None else value
            print(f"{name:<{width}}  {shown}")
    return 0


def _read_stdin() -> str:
    """The payload on standard input, as text; IdCardError when it cannot be one.

    At a terminal (a technician scanning with a keyboard-mode scanner, which ends with
    Enter) one line is read; otherwise everything up to end of input. Reading stops past
    :data:`MAX_PAYLOAD_CHARS`, so piping in a large file by mistake costs nothing. Bytes
    that are not UTF-8 are refused as ``not_text`` rather than crashing, and a leading byte
    order mark (Windows editors) is dropped.
    """
    try:
        if sys.stdin.isatty():
            text = sys.stdin.readline(MAX_PAYLOAD_CHARS + 1)
        else:
            text = _read_limited(MAX_PAYLOAD_CHARS + 1)
    except UnicodeDecodeError:
        raise IdCardError("not_text", "standard input is not UTF-8 text") from None
    if len(text) > MAX_PAYLOAD_CHARS:
        # Said here because only part of the input was read: the parser would report
        # the length of that part as the length of the payload.
        raise IdCardError(
            "too_long",
            f"standard input holds more than {MAX_PAYLOAD_CHARS:,} characters; an ID card QR "
            f"code has at most {MAX_PAYLOAD_CHARS:,}",
        )
    return text


def _read_limited(limit: int) -> str:
    """Standard input decoded as UTF-8, read until end of input or past ``limit`` chars."""
    source = getattr(sys.stdin, "buffer", None)
    if source is None:
        # Standard input replaced by a text-only stream (tests, embedding): already text.
        return sys.stdin.read(limit)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    text = ""
    while len(text) < limit:
        chunk: bytes = source.read(_READ_CHUNK)
        text += decoder.decode(chunk, final=not chunk)
        if not chunk:
            break
    return text
