"""The status look-up takes an official dossier code (mã hồ sơ) too: only the office knows
those, so the desk asks it; a mistyped receipt code stays a typo."""

from __future__ import annotations

from pathlib import Path

from kiosk import receipt_code
from kiosk.application_status import ApplicationStatus, is_dossier_code
from kiosk.desk import LookupOutcome, OfficeCheck
from tests.test_desk import FakeOffice, desk, office_record

DOSSIER = "000.00.09.H26-261207/0001"


def test_a_dossier_code_is_asked_of_the_office_and_answered_with_the_receipt_code(
    tmp_path: Path,
) -> None:
    code = receipt_code.new_code()
    office = FakeOffice({DOSSIER: [office_record(code, ApplicationStatus.IN_PROGRESS)]})
    counter = desk(tmp_path, office=office)
    answer = counter.look_up(f"  {DOSSIER} ")
    assert office.asked == [DOSSIER]
    assert (answer.outcome, answer.code, answer.office) == (
        LookupOutcome.STATUS, code, OfficeCheck.ANSWERED)
    assert answer.latest is not None and answer.latest.status is ApplicationStatus.IN_PROGRESS
    # A dossier code the office does not know: unknown, with no receipt code to show
    unknown = counter.look_up("H26-999")
    assert (unknown.outcome, unknown.code) == (LookupOutcome.UNKNOWN_CODE, None)


def test_a_mistyped_receipt_code_is_still_a_typo_and_no_office_means_no_dossier(
    tmp_path: Path,
) -> None:
    code = receipt_code.new_code()
    typo = code[:7] + next(s for s in receipt_code.ALPHABET if s != code[7])
    office = FakeOffice({})
    assert desk(tmp_path, office=office).look_up(typo).outcome is LookupOutcome.NOT_A_CODE
    assert office.asked == []
    assert desk(tmp_path / "alone").look_up(DOSSIER).outcome is LookupOutcome.NOT_A_CODE


def test_what_counts_as_a_dossier_code() -> None:
    assert is_dossier_code(DOSSIER)
    assert is_dossier_code("H26.1-2")
    assert not is_dossier_code("ABCD-EFGH")  # eight symbols: a receipt code attempt
    assert not is_dossier_code("mã có dấu")
    assert not is_dossier_code("-H26")
    assert not is_dossier_code("H" * 61)
