"""``kiosk release bundle``: the release artifact that brings its own wheels (docs/updates.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.command import Context, UsageError
from kiosk.release_bundle import BUNDLE_SUFFIX, BundleError, build_bundle, read_lock_hashes


def add_bundle(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk release bundle`` (scripts/build-release runs it)."""
    bundle = actions.add_parser(
        "bundle", help="make a release artifact: the app's wheel, its locks, their wheels")
    bundle.add_argument("app_wheel", type=Path, help="the motcua_kiosk wheel")
    bundle.add_argument("--lock", type=Path, action="append", required=True,
                        help="a kiosk lock (requirements/kiosk*.lock; repeatable)")
    bundle.add_argument("--wheels", type=Path, action="append", default=[],
                        help="a folder of downloaded wheels (repeatable; only locked ones go in)")
    bundle.add_argument("--since", type=Path, action="append", default=[],
                        help="an older release's bundle or requirements/ folder: leave out "
                        "the wheels its locks named (every kiosk at or after it keeps them)")
    bundle.add_argument("-o", "--output", type=Path, required=True,
                        help=f"the bundle, NAME{BUNDLE_SUFFIX}")
    bundle.set_defaults(handler=_bundle)


def _bundle(args: argparse.Namespace, context: Context) -> int:
    try:
        since = _locked_by_all([read_lock_hashes(older) for older in args.since])
        contents = build_bundle(args.output, args.app_wheel, args.lock, args.wheels, since)
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except BundleError as error:
        raise UsageError(str(error)) from None
    size = args.output.stat().st_size
    print(f"{args.output}: {contents.app}, {len(contents.locks)} lock(s), "
          f"{len(contents.wheels)} wheel(s), {size} bytes ({size / 1e6:.1f} MB)")
    return 0


def _locked_by_all(olders: list[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """Per lock name, the hashes every older release locked (kiosks may run any of them;
    one without a lock of that kind locked nothing of it)."""
    names = {name for older in olders for name in older}
    return {name: frozenset.intersection(*(older.get(name, frozenset()) for older in olders))
            for name in names}
