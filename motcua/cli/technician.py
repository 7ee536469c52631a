"""``kiosk technician``: the technician PIN (set, unlock, status)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kiosk.command import Context, UsageError, print_json
from kiosk.config import write_technician_layer
from kiosk.technician_pin import PIN_STATE_FILE, PinError, hash_pin, pin_gate


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk technician ...``."""
    area = commands.add_parser("technician", help="the technician PIN")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_pin = actions.add_parser(
        "set-pin", help="set the PIN (asked twice; or two lines on stdin)"
    )
    set_pin.set_defaults(handler=_set_pin)
    unlock = actions.add_parser("unlock", help="clear wrong-PIN delays and the lock")
    unlock.set_defaults(handler=_unlock)
    status = actions.add_parser("status", help="whether the PIN is set, waiting or locked")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)


def _read_pin(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def _set_pin(args: argparse.Namespace, context: Context) -> int:
    first = _read_pin("New technician PIN (6-12 digits): ")
    second = _read_pin("Again: ")
    if first != second:
        raise UsageError("the two PINs differ; nothing changed")
    try:
        stored = hash_pin(first)
    except PinError as error:
        raise UsageError(str(error)) from None
    path = write_technician_layer(context.config, {"technician.pin_hash": stored})
    Path(context.config.data_dir / PIN_STATE_FILE).unlink(missing_ok=True)
    print(f"technician PIN set (hash written to {path})")
    return 0


def _unlock(args: argparse.Namespace, context: Context) -> int:
    pin_gate(context.config).unlock()
    print("technician entry unlocked")
    return 0


def _status(args: argparse.Namespace, context: Context) -> int:
    result = pin_gate(context.config).status()
    state = {
        "outcome": result.outcome.value,
        "retry_after_seconds": round(result.retry_after),
        "failures": result.failures,
    }
    if args.json:
        print_json(state)
    else:
        print(", ".join(f"{key}: {value}" for key, value in state.items()))
    return 0
