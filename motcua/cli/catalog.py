"""``kiosk catalog``: import, search, show and browse the procedure catalog."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.catalog import (
    Catalog,
    CatalogError,
    Document,
    Procedure,
    catalog_stats,
    catalog_to_json,
    import_catalog,
    load_catalog,
    parse_catalog_bytes,
    procedure_index,
    procedures_by_field,
)
from kiosk.catalog_overlay import OverlayEntry, import_overlay
from kiosk.command import Context, UsageError, print_json
from kiosk.money import format_vnd


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk catalog ...``."""
    area = commands.add_parser("catalog", help="the procedure catalog")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    importing = actions.add_parser("import", help="import a catalog file (all or nothing)")
    importing.add_argument("file", type=Path, help="catalog JSON (docs/catalog-format.md)")
    importing.add_argument(
        "--force", action="store_true", help="import even if the version is not newer"
    )
    importing.set_defaults(handler=_import)

    overlay = actions.add_parser(
        "import-overlay", help="import Hà Nội's overlay on the catalog (all or nothing; "
        "the sync agent does this when the back office publishes one)")
    overlay.add_argument("file", type=Path,
                         help="motcua-catalog-overlay/1 JSON (docs/catalog-format.md, Overlay)")
    overlay.add_argument(
        "--force", action="store_true", help="import even if the version is not newer"
    )
    overlay.add_argument("--json", action="store_true", help="print JSON")
    overlay.set_defaults(handler=_import_overlay)

    search = actions.add_parser("search", help="search procedures as a citizen would type")
    search.add_argument("query", help="words, with or without accents")
    search.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=_search)

    show = actions.add_parser("show", help="one procedure in full")
    show.add_argument("code", help="national procedure code, e.g. 1.001193")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)

    stats = actions.add_parser("stats", help="how much the catalog holds")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(handler=_stats)

    convert = actions.add_parser(
        "convert", help="write a catalog file (e.g. motcua-catalog/1) as motcua-catalog/2"
    )
    convert.add_argument("file", type=Path, help="catalog JSON to read")
    convert.add_argument("output", type=Path, help="where to write the version 2 file")
    convert.set_defaults(handler=_convert)

    browse = actions.add_parser("fields", help="browse procedures by field")
    browse.add_argument("--json", action="store_true", help="print JSON")
    browse.set_defaults(handler=_fields)


def _catalog(context: Context) -> Catalog:
    catalog = load_catalog(context.database)
    if catalog is None:
        raise UsageError(
            f"no catalog imported in {context.config.data_dir}: run 'kiosk catalog import FILE'"
            " (or use --demo for the shipped demo catalog)"
        )
    return catalog


def _import(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        result = import_catalog(context.database, raw, force=args.force)
    except CatalogError as error:
        raise UsageError(f"{path}: refused, nothing imported: {error}") from None
    before = "none" if result.previous_version is None else str(result.previous_version)
    print(
        f"imported catalog version {result.version} (was {before}): "
        f"{result.procedures} procedures, {result.services} services"
    )
    return 0


def _import_overlay(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        result = import_overlay(context.database, raw,
                                load_catalog(context.database, overlay=False), force=args.force)
    except CatalogError as error:
        raise UsageError(f"{path}: refused, nothing imported: {error}") from None
    if args.json:
        print_json(result.to_json())
        return 0
    before = "none" if result.previous_version is None else str(result.previous_version)
    print(f"imported catalog overlay version {result.version} (was {before}): "
          f"{result.entries} entries")
    if result.unknown_codes:
        print(f"not in the catalog (kept, applied once it has them): "
              f"{', '.join(result.unknown_codes)}")
    if result.unknown_services:
        print(f"queue service not in the catalog (left out): "
              f"{', '.join(result.unknown_services)}")
    return 0


def _search(args: argparse.Namespace, context: Context) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    catalog = _catalog(context)
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    hits = [
        hit for hit in procedure_index(catalog.procedures).search(args.query, limit=args.limit)
        # A hidden variant (central or district level) only for its exact code.
        if not by_code[hit.key].hidden or hit.key == args.query.strip()
    ]
    if args.json:
        print_json(
            [{"code": hit.key, "title": by_code[hit.key].title, "score": hit.score} for hit in hits]
        )
        return 0
    if not hits:
        print(f"no procedure matches {args.query!r}", file=sys.stderr)
        return 0
    for hit in hits:
        print(f"{hit.key}  {hit.score:.3f}  {by_code[hit.key].title}")
    return 0


def _fee_text(amount: int | None) -> str:
    if amount is None:
        return "tùy trường hợp"
    if amount == 0:
        return "miễn phí"
    return format_vnd(amount, "vi")


def _document_text(document: Document) -> str:
    form = f" [{document.form}]" if document.form else ""
    note = f" ({document.note})" if document.note else ""
    return (f"{document.name}{form}: {document.originals} bản chính, "
            f"{document.copies} bản sao{note}")


def _print_procedure(procedure: Procedure) -> None:
    print(f"{procedure.code}  {procedure.title}")
    if procedure.former_codes:
        print(f"  mã cũ: {', '.join(procedure.former_codes)}")
    print(f"  lĩnh vực: {procedure.field}   cơ quan: {procedure.agency}"
          f" ({procedure.receiver.value})")
    print(f"  thời hạn: {procedure.processing_time}")
    for case in procedure.cases:
        print(f"  trường hợp [{case.key}] {case.title}:" if len(procedure.cases) > 1
              else "  hồ sơ:")
        for document in case.submit:
            print(f"    - nộp: {_document_text(document)}")
        for document in case.show:
            print(f"    - xuất trình: {_document_text(document)}")
    print("  lệ phí:")
    for fee in procedure.fees:
        note = f" ({fee.note})" if fee.note else ""
        print(f"    - {fee.channel.value}: {_fee_text(fee.amount_vnd)}{note}")
    if not procedure.fees:
        print("    - Cổng Dịch vụ công chưa nêu lệ phí")
    if procedure.fees_set_by_hanoi:
        print("    (mức phí do Hà Nội quy định)")
    if procedure.local is not None:
        if procedure.counter:
            print(f"  quầy (Hà Nội): {procedure.counter}")
        if procedure.local.note:
            print(f"  Hà Nội: {procedure.local.note}")
    print(f"  cách nộp: {', '.join(channel.value for channel in procedure.channels)}")
    for basis in procedure.legal_basis:
        print(f"  căn cứ: {basis}")
    print(f"  {procedure.portal_url}")


def _show(args: argparse.Namespace, context: Context) -> int:
    catalog = _catalog(context)
    procedure = catalog.procedure(args.code)
    if procedure is None:
        raise UsageError(
            f"no procedure with code {args.code!r} in catalog version {catalog.version}"
        )
    if args.json:
        record = procedure.to_json()
        if procedure.local is not None:
            # What Hà Nội's overlay set ("fees" above are then Hà Nội's when it set them).
            local = OverlayEntry(procedure.code, procedure.local).to_json()
            del local["code"]
            record["local"] = local
        print_json(record)
    else:
        _print_procedure(procedure)
    return 0


def _stats(args: argparse.Namespace, context: Context) -> int:
    stats = catalog_stats(_catalog(context))
    if args.json:
        print_json(stats.to_json())
        return 0
    print(f"{stats.procedures} procedures in {stats.fields} fields, {stats.cases} cases, "
          f"{stats.life_events} life events")
    return 0


def _convert(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        catalog = parse_catalog_bytes(raw)
    except CatalogError as error:
        raise UsageError(f"{path}: refused, nothing written: {error}") from None
    text = json.dumps(catalog_to_json(catalog), ensure_ascii=False, indent=1) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {len(catalog.procedures)} procedures in motcua-catalog/2")
    return 0


def _fields(args: argparse.Namespace, context: Context) -> int:
    groups = procedures_by_field(_catalog(context).procedures)
    if args.json:
        print_json(
            [
                {"field": name, "procedures": [{"code": p.code, "title": p.title} for p in items]}
                for name, items in groups.items()
            ]
        )
        return 0
    for name, items in groups.items():
        print(name)
        for procedure in items:
            print(f"  {procedure.code}  {procedure.title}")
    return 0
