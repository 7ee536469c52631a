"""The scan-routing policy: what a scanned code means where the kiosk is now.

People and numbers are fictional."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.idcard import CitizenCard
from kiosk.kiosk_mode import KioskMode
from kiosk.scan_routing import ScanAction, route_scan
from kiosk.scanned import ScanKind, ScannedCode, classify

TODAY = dt.date(2026, 11, 27)
CARD_AN = classify(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=TODAY,
)
CARD_BINH = classify(
    "001185004321||Trần Thị Bình|02071985|Nữ|Số 12 ngõ 34 phố Đội Cấn, Ba Đình, Hà Nội|10082021",
    today=TODAY,
)
RECEIPT = classify("K7QM3XP5", today=TODAY)
URL = classify("https://dichvucong.gov.vn/p/home", today=TODAY)
BROKEN_CARD = classify(
    "00109901234|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=TODAY,
)
BARCODE = classify("8934588012345", today=TODAY)
TECHNICIAN_CARD = classify("MOTCUA:TECH:card-1", today=TODAY)
EVERY_CODE = [CARD_AN, CARD_BINH, RECEIPT, URL, BROKEN_CARD, BARCODE, TECHNICIAN_CARD]


def test_the_samples_are_the_kinds_they_stand_for() -> None:
    kinds = [(code.kind, code.problem is not None) for code in EVERY_CODE]
    assert kinds == [
        (ScanKind.CITIZEN_ID, False),
        (ScanKind.CITIZEN_ID, False),
        (ScanKind.RECEIPT_CODE, False),
        (ScanKind.URL, False),
        (ScanKind.OTHER, True),
        (ScanKind.OTHER, False),
        (ScanKind.TECHNICIAN_CARD, False),
    ]


@pytest.mark.parametrize("scanned", EVERY_CODE, ids=lambda code: code.kind.value)
def test_in_technician_mode_every_code_goes_to_the_technician_screen(
    scanned: ScannedCode,
) -> None:
    # GIVEN a technician in technician mode (a citizen identified before they came)
    # WHEN anything is scanned THEN it is shown on the technician screen, never handled
    assert route_scan(scanned, mode=KioskMode.TECHNICIAN, citizen=CARD_AN.card) is (
        ScanAction.TO_TECHNICIAN
    )


@pytest.mark.parametrize("scanned", EVERY_CODE, ids=lambda code: code.kind.value)
def test_on_the_pin_pad_every_code_is_ignored(scanned: ScannedCode) -> None:
    # GIVEN the technician PIN pad; WHEN anything is scanned THEN nothing happens
    assert route_scan(scanned, mode=KioskMode.TECHNICIAN_PIN, citizen=None) is (
        ScanAction.IGNORE
    )


def test_a_technician_card_opens_the_technician_entry() -> None:
    assert route_scan(TECHNICIAN_CARD, mode=KioskMode.CITIZEN, citizen=None) is (
        ScanAction.OPEN_TECHNICIAN_ENTRY
    )
    assert route_scan(TECHNICIAN_CARD, mode=KioskMode.CITIZEN, citizen=CARD_AN.card) is (
        ScanAction.OPEN_TECHNICIAN_ENTRY
    )


def test_an_id_card_identifies_when_nobody_is_identified() -> None:
    assert route_scan(CARD_AN, mode=KioskMode.CITIZEN, citizen=None) is ScanAction.IDENTIFY


def test_the_same_id_card_again_identifies_without_starting_over() -> None:
    assert route_scan(CARD_AN, mode=KioskMode.CITIZEN, citizen=CARD_AN.card) is (
        ScanAction.IDENTIFY
    )


def test_a_different_id_card_means_start_over() -> None:
    # GIVEN An identified; WHEN Bình's card is scanned THEN start over, then identify Bình
    assert route_scan(CARD_BINH, mode=KioskMode.CITIZEN, citizen=CARD_AN.card) is (
        ScanAction.START_OVER_WITH_NEW_CARD
    )


def test_a_citizen_id_without_its_card_is_an_unknown_code() -> None:
    # A CITIZEN_ID scan always has its card (classify); without one it is explained, not used
    scanned = ScannedCode(kind=ScanKind.CITIZEN_ID, raw="x")
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=None) is (
        ScanAction.UNKNOWN_CODE_BANNER
    )


@pytest.mark.parametrize("citizen", [None, CARD_AN.card], ids=["nobody", "identified"])
def test_a_receipt_opens_its_status_whoever_is_identified(citizen: CitizenCard | None) -> None:
    assert route_scan(RECEIPT, mode=KioskMode.CITIZEN, citizen=citizen) is ScanAction.OPEN_STATUS


def test_a_receipt_kind_without_its_code_is_an_unknown_code() -> None:
    scanned = ScannedCode(kind=ScanKind.RECEIPT_CODE, raw="x")
    assert route_scan(scanned, mode=KioskMode.CITIZEN, citizen=None) is (
        ScanAction.UNKNOWN_CODE_BANNER
    )


def test_a_web_address_is_explained() -> None:
    assert route_scan(URL, mode=KioskMode.CITIZEN, citizen=None) is (
        ScanAction.WEB_ADDRESS_BANNER
    )


def test_an_id_card_that_could_not_be_read_is_explained() -> None:
    assert route_scan(BROKEN_CARD, mode=KioskMode.CITIZEN, citizen=CARD_AN.card) is (
        ScanAction.UNREADABLE_CARD_BANNER
    )


def test_any_other_code_is_explained_as_unknown() -> None:
    assert route_scan(BARCODE, mode=KioskMode.CITIZEN, citizen=None) is (
        ScanAction.UNKNOWN_CODE_BANNER
    )
