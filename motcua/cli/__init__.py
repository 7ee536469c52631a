"""The ``kiosk`` command line: technicians, tests and the back office use it.

Each area of the product has one module here with a ``register`` function that adds its
sub-commands; every handler takes the parsed arguments and a :class:`Context` and returns
the exit status. Exit status 0 is success, 1 a runtime fault, 2 bad input, 141 the reader
of the output went away (``kiosk ... | head -1``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from kiosk import __version__
from kiosk.command import Context, UsageError
from kiosk.config import ConfigError
from kiosk.storage import StorageError
from motcua.cli import (
    catalog,
    config,
    demo,
    directory,
    doctor,
    hub,
    idcard,
    printer,
    provision,
    receipt,
    release,
    run,
    scan,
    submissions,
    sync,
    technician,
    update,
)
from office import cli as backend

_AREAS: tuple[ModuleType, ...] = (
    catalog, directory, idcard, scan, submissions, config, doctor, technician, demo,
    sync,
    provision,
    backend,
    hub,
    printer, receipt,
    release,
    update,
    run,
)

Handler = Callable[[argparse.Namespace, Context], int]

#: The status when the reader of stdout went away: 128 + SIGPIPE, what a shell reports for
#: a C tool killed by it (``yes | head -1``), so a ``pipefail`` script sees the same, and can
#: tell it from a runtime fault (1).
EXIT_PIPE_CLOSED = 141


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by tests to check help texts)."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="motcua-kiosk: the commune public-service point kiosk"
    )
    parser.add_argument(
        "--version", action="version", version=f"kiosk (motcua-kiosk) {__version__}"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: per-user data directory, shipped demo catalog, simulated devices",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for area in _AREAS:
        area.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    try:
        try:
            return _run(argv)
        finally:
            # Flushed here, not at interpreter exit, so a reader gone away is caught below
            # (this also covers --help and --version, which leave by SystemExit).
            sys.stdout.flush()
    except BrokenPipeError:
        # Python's recipe (signal module docs, "Note on SIGPIPE"): the rest of the output
        # goes nowhere, so the flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    context = Context(demo=args.demo)
    handler: Handler = args.handler
    try:
        return handler(args, context)
    except (UsageError, ConfigError) as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    except StorageError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 1
    finally:
        context.close()
