"""``kiosk demo``: a walk through the core on the command line, with the demo data."""

from __future__ import annotations

import argparse

from kiosk import clock
from kiosk.catalog import load_catalog, procedure_index
from kiosk.command import Context, UsageError
from kiosk.directory import directory_index, load_directory
from kiosk.kinds import IntakeRequest, QueueTicketRequest
from kiosk.masking import mask_id_number, mask_name
from kiosk.receipt_code import display
from kiosk.scanned import classify
from motcua.cli.submissions import outbox_for

#: A fictional citizen's card, in the published QR layout.
SAMPLE_CARD = (
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|"
    "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
)
SAMPLE_QUERIES = ("dang ky khai sinh", "sao y", "nhap khau", "lam can cuoc", "khai tu")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk demo``."""
    demo = commands.add_parser("demo", help="walk through the kiosk core with demo data")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace, context: Context) -> int:
    if not context.demo:
        raise UsageError("'kiosk demo' writes demo submissions: run it as 'kiosk --demo demo'")
    config = context.config
    print(f"Kiosk {config.text('kiosk.id')} — {config.text('kiosk.service_point_name')}")
    print(f"data directory: {config.data_dir}\n")
    catalog = load_catalog(context.database)
    assert catalog is not None
    index = procedure_index(catalog.procedures)
    titles = {procedure.code: procedure.title for procedure in catalog.procedures}
    for query in SAMPLE_QUERIES:
        print(f"search {query!r}:")
        for hit in index.search(query, limit=3):
            print(f"  {hit.key}  {hit.score:.2f}  {titles[hit.key]}")
    communes = load_directory(context.database)
    best = directory_index(communes).search("cau giay", limit=1)
    found = next(commune.name for commune in communes if commune.code == best[0].key)
    print(f"\ndirectory 'cau giay': {found}")

    scanned = classify(SAMPLE_CARD, today=clock.trusted_today())
    card = scanned.card
    assert card is not None
    print(f"\nscanned {scanned.kind.name}: {mask_name(card.full_name)} "
          f"{mask_id_number(card.id_number)}")
    outbox = outbox_for(context)
    ticket = outbox.create(QueueTicketRequest(service="A", procedure_code="1.001193"),
                           citizen=card)
    print(f"queue ticket {ticket.ticket_number}, receipt {display(ticket.receipt_code)}")
    intake = outbox.create(IntakeRequest("1.001193", (0,)), citizen=card)
    print(f"intake receipt {display(intake.receipt_code)}, missing: "
          f"{', '.join(intake.details['documents_missing']) or 'nothing'}")
    print(f"outbox: {outbox.counts()}")
    return 0
