"""``kiosk backend publish-catalog | publish-overlay``: what every kiosk reads its
procedures from, checked by the kiosk's own importer before it is served."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from kiosk.command import Context, UsageError, print_json
from office.cli.home import CLI_CLIENT_ID, Action, open_store

#: How many of a refused catalog's errors are printed (a bad file can have hundreds).
SHOWN_CATALOG_ERRORS = 10


def register(action: Action) -> None:
    """Add the commands that publish the catalog and Hà Nội's overlay."""
    publish_catalog = action("publish-catalog", "publish a catalog file for every kiosk "
                             "(checked by the kiosk's own importer first)")
    publish_catalog.add_argument("file", metavar="FILE",
                                 help="a motcua-catalog file (docs/catalog-format.md), e.g. "
                                 "kiosk/data/catalog-hanoi.json")
    publish_catalog.add_argument("--json", action="store_true", help="print JSON")
    publish_catalog.set_defaults(handler=_publish_catalog)

    overlay = action("publish-overlay", "publish Hà Nội's overlay on the catalog (its own "
                     "fees and counters; docs/catalog-format.md, \"Overlay\")")
    overlay.add_argument("file", metavar="FILE", help="a motcua-catalog-overlay/1 file")
    overlay.add_argument("--json", action="store_true", help="print JSON")
    overlay.set_defaults(handler=_publish_overlay)


def _read_catalog_file(name: str) -> bytes:
    """The bytes of catalog FILE, refused when larger than the backend serves."""
    from sync import wire  # noqa: PLC0415

    try:
        with Path(name).open("rb") as file:
            raw = file.read(wire.MAX_CATALOG_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror}") from None
    if len(raw) > wire.MAX_CATALOG_BYTES:
        raise UsageError(f"{name}: over {wire.MAX_CATALOG_BYTES} bytes, the most the backend "
                         "serves; nothing published")
    return raw


def _refused_file(name: str, message: str, errors: Sequence[str]) -> UsageError:
    """A file that was not published: the reason, then its first errors, one per line."""
    shown = errors[:SHOWN_CATALOG_ERRORS]
    lines = [f"{name}: {message}:", *(f"  {line}" for line in shown)]
    if len(errors) > len(shown):
        lines.append(f"  (and {len(errors) - len(shown)} more)")
    return UsageError("\n".join(lines))


def _publish_file(args: argparse.Namespace, context: Context, kind_name: str) -> int:
    """Check FILE with the kiosk's own reader, then serve it (office.publishing: the same
    step as the back office's catalog page)."""
    from office.publishing import FileRefusedError, publish_file  # noqa: PLC0415
    from office.store import CatalogKind, Principal, Role  # noqa: PLC0415

    kind = CatalogKind(kind_name)
    raw = _read_catalog_file(args.file)
    store = open_store(args, context)
    try:
        result = publish_file(store, kind, raw, Principal(CLI_CLIENT_ID, Role.BACK_OFFICE))
    except FileRefusedError as error:
        if error.errors:
            raise _refused_file(args.file, error.message, error.errors) from None
        raise UsageError(error.message) from None
    if args.json:
        print_json({"version": result.version, "etag": result.etag,
                    "already_published": result.already_published})
    else:
        print(result.message())
    return 0


def _publish_catalog(args: argparse.Namespace, context: Context) -> int:
    """Check FILE as a kiosk would import it, then serve it as the catalog."""
    return _publish_file(args, context, "catalog")


def _publish_overlay(args: argparse.Namespace, context: Context) -> int:
    """Check FILE whole with the kiosk's own reader, then serve it as Hà Nội's overlay."""
    return _publish_file(args, context, "catalog-overlay")
