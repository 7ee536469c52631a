"""``kiosk backend publish-point | hash-pin``: a service point's counters and officers."""

from __future__ import annotations

import argparse
import sys

from kiosk.command import Context, UsageError
from office.cli.files import read_input_file, shown_name
from office.cli.home import CLI_CLIENT_ID, Action, open_store
from office.cli.units import known_unit


def register(action: Action) -> None:
    """Add the commands that publish a service point's counters and officers for its hub."""
    point = action("publish-point", "publish a service point's counters and officers for "
                   "its hub (PIN hashes only: see hash-pin)")
    point.add_argument("unit_code", metavar="UNIT_CODE", type=int,
                       help="the service point's commune or ward code")
    point.add_argument("file", metavar="FILE",
                       help='JSON {"counters": [{"number", "name", "services"}], "officers": '
                       '[{"login", "name", "pin_hash"}]} (docs/queue.md); \'-\' reads '
                       'standard input')
    point.set_defaults(handler=_publish_point)

    hash_pin_command = action("hash-pin", "read an officer's PIN (6-12 digits) from standard "
                              "input and print the hash publish-point takes")
    hash_pin_command.set_defaults(handler=_hash_pin)


def _publish_point(args: argparse.Namespace, context: Context) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from office.store import Principal, Role  # noqa: PLC0415
    from office.store.service_points import ServicePoints  # noqa: PLC0415
    from sync import hub_wire  # noqa: PLC0415

    store = open_store(args, context)
    known_unit(args.unit_code, store)
    text = read_input_file(args.file)
    try:
        setup = hub_wire.PointSetup.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in item['loc']) or 'file'}: "
                             f"{item['msg']}" for item in error.errors()[:5])
        raise UsageError(f"{shown_name(args.file)}: {problems}") from None
    state = ServicePoints(store.engine, clock=store.clock).publish(
        args.unit_code, setup, Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    print(f"published version {state.version} for unit {args.unit_code}: "
          f"{len(setup.counters)} counter(s), {len(setup.officers)} officer(s)")
    return 0


def _hash_pin(args: argparse.Namespace, context: Context) -> int:
    from kiosk.technician_pin import PinError, hash_pin  # noqa: PLC0415

    del args, context
    try:
        print(hash_pin(sys.stdin.readline().strip()))
    except PinError:
        raise UsageError("an officer's PIN is 6 to 12 digits") from None
    return 0
