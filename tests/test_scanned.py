"""Classifying what the scanner read. People, numbers and addresses are fictional."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import receipt_code
from kiosk.idcard import parse_id_qr
from kiosk.scanned import ScanKind, ScannedCode, classify

CARD = "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
ISSUED_2024 = "001099012345||Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|10052024"
TODAY = dt.date(2026, 11, 27)
#: A valid receipt code (7 symbols and the check symbol).
CODE = "K7QM3XP5"


def test_id_card_payload_is_a_citizen_id() -> None:
    # GIVEN the QR code of a chip ID card, as a scanner sends it (with CR/LF)
    raw = CARD + "\r\n"
    # WHEN it is classified
    scanned = classify(raw, today=TODAY)
    # THEN it is a citizen ID with the parsed card, and the raw text kept as read
    assert scanned == ScannedCode(
        kind=ScanKind.CITIZEN_ID,
        raw=raw,
        card=parse_id_qr(CARD, today=TODAY),
        receipt_code=None,
        problem=None,
    )
    assert scanned.parsed_json() == {
        "id_number": "001099012345",
        "old_id_number": "123456789",
        "full_name": "Nguyễn Văn An",
        "birth_date": "1999-03-15",
        "sex": "male",
        "address": "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
        "issue_date": "2021-04-20",
    }


def test_refused_id_card_payload_is_other_with_the_reason() -> None:
    # GIVEN an ID-card-looking payload whose ID number lost a digit
    raw = CARD.replace("001099012345", "00109901234")
    # WHEN it is classified
    scanned = classify(raw, today=TODAY)
    # THEN it is OTHER, and the problem says why
    assert scanned == ScannedCode(
        kind=ScanKind.OTHER,
        raw=raw,
        card=None,
        receipt_code=None,
        problem="the ID number (field 1) must be exactly 12 digits; it has 11 digits",
    )
    assert scanned.parsed_json() is None


def test_text_with_separators_but_too_few_fields_is_other_with_a_problem() -> None:
    scanned = classify("a|b|c", today=TODAY)
    assert scanned.kind is ScanKind.OTHER
    assert scanned.problem == (
        "an ID card QR code has at least 7 fields separated by '|'; this payload has 3"
    )


def test_untrusted_clock_accepts_a_card_issued_in_2024() -> None:
    # GIVEN a kiosk whose clock is untrusted (booted in 1970): today is None
    # WHEN a card issued in 2024 is scanned
    scanned = classify(ISSUED_2024, today=None)
    # THEN it is a citizen ID
    assert scanned.kind is ScanKind.CITIZEN_ID
    assert scanned.card is not None
    assert scanned.card.issue_date == dt.date(2024, 5, 10)


def test_trusted_wrong_clock_refuses_a_card_issued_in_2024() -> None:
    scanned = classify(ISSUED_2024, today=dt.date(2020, 1, 1))
    assert scanned.kind is ScanKind.OTHER
    assert scanned.problem == (
        "the issue date is after today (2020-01-01); if the card is real, the kiosk clock is wrong"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "MOTCUA:R:K7QM3XP5",
        "motcua:r:k7qm3xp5\r\n",
        "K7QM-3XP5",
        "k7qm 3xp5",
        "K7QM3XP5",
    ],
)
def test_receipt_codes_in_any_accepted_form(raw: str) -> None:
    # GIVEN one of our receipts' QR payloads, or the code as printed or typed
    assert receipt_code.is_valid(CODE)
    # WHEN it is classified
    scanned = classify(raw, today=TODAY)
    # THEN it is a receipt code in canonical form
    assert scanned == ScannedCode(kind=ScanKind.RECEIPT_CODE, raw=raw, receipt_code=CODE)
    assert scanned.parsed_json() == {"receipt_code": "K7QM3XP5"}


def test_receipt_code_with_a_wrong_check_symbol_is_other() -> None:
    scanned = classify("MOTCUA:R:K7QM3XP6", today=TODAY)
    assert scanned == ScannedCode(kind=ScanKind.OTHER, raw="MOTCUA:R:K7QM3XP6")


@pytest.mark.parametrize(
    "raw",
    [
        "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html",
        "http://example.vn",
        "HTTPS://EXAMPLE.VN/A?B=1#C",
        "https://example.vn/search?q=a|b\r\n",
    ],
)
def test_web_addresses_are_urls(raw: str) -> None:
    # GIVEN a QR code holding a web address (even one containing "|")
    scanned = classify(raw, today=TODAY)
    # THEN it is a URL, with nothing parsed and no problem
    assert scanned == ScannedCode(kind=ScanKind.URL, raw=raw)
    assert scanned.parsed_json() is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "8934567890123",
        "http://",
        "https:// example.vn",
        "ftp://example.vn",
        "xem https://example.vn",
        "Xin chào",
    ],
)
def test_anything_else_is_other_without_a_problem(raw: str) -> None:
    # GIVEN a product barcode, an empty read, another scheme or plain text
    scanned = classify(raw, today=TODAY)
    # THEN it is OTHER, and no ID card problem is claimed
    assert scanned == ScannedCode(kind=ScanKind.OTHER, raw=raw)
    assert scanned.parsed_json() is None


def test_long_text_is_classified_quickly() -> None:
    # A large non-URL read must not make the URL pattern backtrack for seconds.
    scanned = classify("http://" + "a" * 200_000 + " x", today=TODAY)
    assert scanned.kind is ScanKind.OTHER


@settings(max_examples=1000, deadline=None)
@given(raw=st.text(max_size=80), today=st.one_of(st.none(), st.dates()))
def test_classify_never_raises_and_sets_fields_by_kind(raw: str, today: dt.date | None) -> None:
    scanned = classify(raw, today=today)
    assert scanned.raw == raw
    assert (scanned.card is not None) == (scanned.kind is ScanKind.CITIZEN_ID)
    assert (scanned.receipt_code is not None) == (scanned.kind is ScanKind.RECEIPT_CODE)
    assert scanned.problem is None or scanned.kind is ScanKind.OTHER
