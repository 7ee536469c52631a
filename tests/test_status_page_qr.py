"""A feedback's or papers check's QR opens the city's public status page on a phone, and a
kiosk reads the receipt code back out of that address."""

from __future__ import annotations

import dataclasses

from kiosk import receipt_code
from kiosk.catalog import load_catalog
from kiosk.kinds import FeedbackCategory, FeedbackRequest, slip_for_submission
from kiosk.scanned import ScanKind, classify
from kiosk.storage import Database
from kiosk.submissions import Outbox, Submission
from tests.test_receipt import VI

PAGE = "https://motcua.hanoi.example/tra-cuu"


def _feedback(db: Database) -> Submission:
    return Outbox(db, kiosk_id="HN-4-K1", queue_prefix="1").create(
        FeedbackRequest(FeedbackCategory.OTHER, "Đèn ở sảnh bị hỏng."))


def test_the_receipt_qr_opens_the_status_page_with_the_code(catalog_db: Database) -> None:
    feedback = _feedback(catalog_db)
    context = dataclasses.replace(VI, status_page_url=PAGE)
    slip = slip_for_submission(feedback, context, load_catalog(catalog_db))
    code = receipt_code.display(feedback.receipt_code)
    assert slip.qr_payloads() == [f"{PAGE}?ma={code}"]


def test_without_a_page_address_the_receipt_qr_holds_the_code(catalog_db: Database) -> None:
    feedback = _feedback(catalog_db)
    slip = slip_for_submission(feedback, VI, load_catalog(catalog_db))
    assert slip.qr_payloads() == ["MOTCUA:R:" + feedback.receipt_code]


def test_a_kiosk_reads_the_code_out_of_a_status_page_address() -> None:
    code = receipt_code.new_code()
    scanned = classify(f"{PAGE}?ma={receipt_code.display(code)}", today=None)
    assert scanned.kind is ScanKind.RECEIPT_CODE
    assert scanned.receipt_code == code


def test_other_addresses_stay_web_addresses() -> None:
    assert classify(f"{PAGE}?ma=KHONG-HOP-LE", today=None).kind is ScanKind.URL
    assert classify(f"{PAGE}?code=ABCD", today=None).kind is ScanKind.URL
    assert classify("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html",
                    today=None).kind is ScanKind.URL
