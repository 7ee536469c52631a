"""A queue ticket's QR leads to its phone page when the city's address is configured."""

from __future__ import annotations

import dataclasses

from kiosk import receipt_code
from kiosk.catalog import load_catalog
from kiosk.kinds import QueueTicketRequest, slip_for_submission
from kiosk.receipt import Field, QrCode
from kiosk.servicepoint.ticket_page import page_token, token_from_scan
from kiosk.storage import Database
from kiosk.submissions import Outbox
from tests.test_receipt import VI


def test_the_ticket_qr_opens_its_phone_page_and_the_code_stays_printed(
    catalog_db: Database
) -> None:
    ticket = Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1").create(
        QueueTicketRequest("A"))
    context = dataclasses.replace(VI, ticket_page_url="https://motcua.hanoi.example/ve/")
    slip = slip_for_submission(ticket, context, load_catalog(catalog_db))
    [qr] = slip.qr_payloads()
    assert qr == f"https://motcua.hanoi.example/ve/{page_token(ticket.uuid)}"
    assert token_from_scan(qr) == page_token(ticket.uuid)
    [block] = [b for b in slip.blocks if isinstance(b, QrCode)]
    assert block.caption == "Quét bằng điện thoại: xem lượt của ông/bà trong hàng chờ."
    code = receipt_code.display(ticket.receipt_code)
    assert Field("Mã biên nhận", code) in slip.blocks


def test_without_a_page_address_the_qr_holds_the_receipt_code(catalog_db: Database) -> None:
    ticket = Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1").create(
        QueueTicketRequest("A"))
    slip = slip_for_submission(ticket, VI, load_catalog(catalog_db))
    assert slip.qr_payloads() == [receipt_code.qr_payload(ticket.receipt_code)]
