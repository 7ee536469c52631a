"""``kiosk backend publish-queue | queue``: a service point's published queue."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError, print_json
from office.cli.files import read_input_file, shown_name
from office.cli.home import CLI_CLIENT_ID, Action, open_store
from office.cli.units import known_unit

if TYPE_CHECKING:
    from pydantic import ValidationError

    from sync import wire


def register_publish(action: Action) -> None:
    """Add ``publish-queue``."""
    publish_queue = action("publish-queue", "publish a service point's queue for its kiosks")
    publish_queue.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                               help="the service point's commune or ward code")
    publish_queue.add_argument("file", metavar="FILE",
                               help="the queue as JSON (docs/sync.md); '-' reads standard "
                               "input; without published_at it is published as of now")
    publish_queue.add_argument("--json", action="store_true", help="print JSON")
    publish_queue.set_defaults(handler=_publish_queue)


def register_show(action: Action) -> None:
    """Add ``queue``."""
    queue = action("queue", "the queue published for a service point (exit 1: none)")
    queue.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                       help="the service point's commune or ward code")
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(handler=_queue)


def _first_problem(error: ValidationError) -> str:
    """A validation error in one line: where, what, and how many more."""
    problems = error.errors(include_url=False)
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


def _parse_queue(name: str, text: str) -> wire.QueuePublication:
    """FILE as a publication; a missing ``published_at`` is now (UTC)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from office.store import utc_now  # noqa: PLC0415
    from sync import wire  # noqa: PLC0415

    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{name}: not JSON: {error}") from None
    try:
        return wire.queue_publication(document, utc_now())
    except ValidationError as error:
        raise UsageError(f"{name}: not a queue publication: {_first_problem(error)}") from None


def _print_queue(state: wire.QueueState) -> None:
    print(f"unit {state.unit_code}: published at {state.published_at.isoformat()}, "
          f"received {state.received_at}")
    if not state.services:
        print("  no services")
    for entry in state.services:
        average = ("unknown" if entry.average_service_seconds is None
                   else f"{entry.average_service_seconds} s")
        print(f"  {entry.service}  waiting {entry.waiting} ({entry.priority_waiting} priority), "
              f"{entry.counters_open} counter(s) open, average {average}")


def _publish_queue(args: argparse.Namespace, context: Context) -> int:
    from office.store import (  # noqa: PLC0415
        NotNewerError,
        Principal,
        PublishedAtError,
        Role,
    )

    store = open_store(args, context)
    known_unit(args.unit_code, store)
    publication = _parse_queue(shown_name(args.file), read_input_file(args.file))
    try:
        state = store.publish_queue(args.unit_code, publication,
                                    Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    except (NotNewerError, PublishedAtError) as error:
        raise UsageError(f"refused, nothing published: {error}") from None
    if args.json:
        print_json(state.model_dump(mode="json"))
        return 0
    _print_queue(state)
    return 0


def _queue(args: argparse.Namespace, context: Context) -> int:
    store = open_store(args, context)
    known_unit(args.unit_code, store)
    state = store.queue_state(args.unit_code)
    if state is None:
        print(f"kiosk: no queue published for unit {args.unit_code}", file=sys.stderr)
        return 1
    if args.json:
        print_json(state.model_dump(mode="json"))
        return 0
    _print_queue(state)
    return 0
