"""``kiosk backend set-kiosk-unit | load-units``: which communes and wards the backend serves."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError
from office.cli.home import Action, open_store

if TYPE_CHECKING:
    from office.store import Store


def register(action: Action) -> None:
    """Add the commands that file a kiosk under a unit and load more units."""
    kiosk_unit = action("set-kiosk-unit", "file a kiosk's submissions under a commune or "
                        "ward (also those it sent while it had none)")
    kiosk_unit.add_argument("kiosk_id")
    kiosk_unit.add_argument("unit_code", metavar="UNIT_CODE", type=int)
    kiosk_unit.set_defaults(handler=_set_kiosk_unit)

    load_units = action("load-units", "accept more communes and wards than Hà Nội's in the "
                        "directory and queues (default: all 3,321 of Vietnam)")
    load_units.add_argument("file", nargs="?", type=Path, metavar="FILE",
                            help="a CSV with province_code, unit_code, name, type "
                            "(docs/sync.md); default: office/data/units-vietnam-2025.csv")
    load_units.set_defaults(handler=_load_units)


def known_unit(unit_code: int, store: Store) -> None:
    """Refuse a unit code that is neither Hà Nội's nor one the operator loaded."""
    if store.served_units.knows(unit_code):
        return
    raise UsageError(f"unknown unit code {unit_code}: not a Hà Nội commune or ward, nor a "
                     "unit loaded with kiosk backend load-units")


def _set_kiosk_unit(args: argparse.Namespace, context: Context) -> int:
    store = open_store(args, context)
    known_unit(args.unit_code, store)
    filed = store.units.assign(args.kiosk_id, args.unit_code)
    print(f"kiosk {args.kiosk_id} files under unit {args.unit_code} from now on "
          f"({filed} earlier submission(s) filed there too)")
    return 0


def _load_units(args: argparse.Namespace, context: Context) -> int:
    from office.units_file import NATIONAL_UNITS, UnitsFileError, parse_units  # noqa: PLC0415

    path: Path = args.file or NATIONAL_UNITS
    try:
        units = parse_units(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except UnitsFileError as error:
        raise UsageError(f"{path} refused, nothing loaded: {error}") from None
    loaded = open_store(args, context).served_units.load(units)
    provinces = len({unit.province_code for unit in units})
    print(f"{loaded} units of {provinces} province(s) loaded from {path}")
    return 0
