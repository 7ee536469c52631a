"""``kiosk directory``: Hanoi's commune-level units and their service points."""

from __future__ import annotations

import argparse

from kiosk.command import Context, UsageError, print_json
from kiosk.directory import Commune, directory_index, load_directory

NOT_PUBLISHED = "chưa công bố (not yet published)"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk directory ...``."""
    area = commands.add_parser("directory", help="the commune directory")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    search = actions.add_parser("search", help="search units by name, accents optional")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=_search)

    show = actions.add_parser("show", help="one unit and its service point")
    show.add_argument("code", type=int, help="ward code")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)

    listing = actions.add_parser("list", help="every unit")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)


def _search(args: argparse.Namespace, context: Context) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    communes = {commune.code: commune for commune in load_directory(context.database)}
    hits = directory_index(list(communes.values())).search(args.query, limit=args.limit)
    if args.json:
        print_json(
            [{"code": h.key, "name": communes[h.key].name, "score": h.score} for h in hits]
        )
    else:
        for hit in hits:
            print(f"{hit.key:>6}  {hit.score:.3f}  {communes[hit.key].name}")
    return 0


def _print_commune(commune: Commune) -> None:
    print(f"{commune.name} (mã {commune.code})")
    print(f"  trung tâm: {commune.lat:.4f}, {commune.lon:.4f}   {commune.map_url}")
    for label, value in (
        ("địa chỉ", commune.address),
        ("đường dây nóng", commune.hotline),
        ("người đứng đầu", commune.head),
        ("điện thoại", commune.phone),
        ("giờ làm việc", commune.opening_hours),
    ):
        print(f"  {label}: {value or NOT_PUBLISHED}")


def _show(args: argparse.Namespace, context: Context) -> int:
    for commune in load_directory(context.database):
        if commune.code == args.code:
            if args.json:
                print_json(commune.to_json())
            else:
                _print_commune(commune)
            return 0
    raise UsageError(f"no unit with ward code {args.code}")


def _list(args: argparse.Namespace, context: Context) -> int:
    communes = load_directory(context.database)
    if args.json:
        print_json([commune.to_json() for commune in communes])
    else:
        for commune in communes:
            print(f"{commune.code:>6}  {commune.name}")
    return 0
