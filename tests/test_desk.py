"""The service desk: what the citizen's screens ask of the core, on one connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk import receipt_code
from kiosk.application_status import (
    ApplicationStatus,
    OfficeLookup,
    OfficeRecord,
    OfficeUnreachableError,
    StatusRecord,
    apply_statuses,
)
from kiosk.config import load_config
from kiosk.desk import LookupOutcome, OfficeCheck, ServiceDesk, open_desk_database
from kiosk.kinds import QueueTicketRequest
from kiosk.text import fold


def desk(tmp_path: Path, office: OfficeLookup | None = None) -> ServiceDesk:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    return ServiceDesk(open_desk_database(config), config, office=office)


def test_demo_desk_has_the_catalog_and_the_directory(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    names = [field.name for field in counter.fields()]
    assert {"Căn cước", "Chứng thực", "Cư trú", "Hộ tịch", "Đất đai"} <= set(names)
    assert names == sorted(names, key=fold)
    assert counter.search("dang ky khai sinh")[0].code == "1.001193"
    assert len(counter.communes()) == 126
    assert counter.search_communes("cau giay")[0].name == "Phường Cầu Giấy"
    assert len(counter.search_communes("  ")) == 126


def test_the_demo_desk_finds_old_codes_and_hides_other_levels(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    # an old code (a receipt or link from the earlier catalog) finds the portal's procedure
    found = counter.procedure("2.000200")
    assert found is not None
    assert found.code == "1.014061"
    # a province-level variant only when asked for by its exact code
    assert "1.001456" not in [p.code for p in counter.search("cap ho chieu")]
    assert [p.code for p in counter.search("1.001456")][:1] == ["1.001456"]
    assert all(not p.hidden for field in counter.fields() for p in field.procedures)


def test_look_up_outcomes(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    ticket = counter.submit(QueueTicketRequest("A", procedure_code="1.001193"), None)
    code = ticket.receipt_code
    # A typo is caught by the check symbol
    assert counter.look_up("ABCD-EFGH").outcome is LookupOutcome.NOT_A_CODE
    # Made here, not yet sent
    answer = counter.look_up(receipt_code.display(code).lower())
    assert (answer.outcome, answer.code, answer.procedure.code if answer.procedure else None) == (
        LookupOutcome.NOT_YET_SENT, code, "1.001193",
    )  # fmt: skip
    # Sent, no status yet
    counter.outbox.mark_sent([ticket.uuid])
    assert counter.look_up(code).outcome is LookupOutcome.NO_STATUS_YET
    # A status from the office
    record = StatusRecord(ticket.uuid, code, ApplicationStatus.IN_PROGRESS, None,
                          "2026-12-01T09:00:00+07:00", 3)
    apply_statuses(counter.db, [record], cursor=3)
    answer = counter.look_up(receipt_code.qr_payload(code))
    assert (answer.outcome, answer.latest) == (LookupOutcome.STATUS, record)
    # Unknown here
    other: Any = next(c for c in (receipt_code.new_code() for _ in range(50)) if c != code)
    assert counter.look_up(other).outcome is LookupOutcome.UNKNOWN_CODE


def test_slips_in_the_citizens_language(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    ticket = counter.submit(QueueTicketRequest("A"), None)
    assert counter.slip_for(ticket, "en").plain_text().splitlines()[2] == "QUEUE TICKET"
    assert counter.checklist("1.001193", "vi").reference == "1.001193"


def test_forget_queries_rebuilds_the_index(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    counter.search("nguyen van an")
    first_index = counter._index
    counter.forget_queries()
    assert counter._index is None
    counter.search("khai sinh")
    assert counter._index is not first_index


class FakeOffice:
    """An office that knows given codes, or cannot be reached; records what it was asked."""

    def __init__(self, known: dict[str, list[OfficeRecord]], *, reachable: bool = True) -> None:
        self.known = known
        self.reachable = reachable
        self.asked: list[str] = []

    def look_up(self, receipt_code: str) -> list[OfficeRecord]:
        self.asked.append(receipt_code)
        if not self.reachable:
            raise OfficeUnreachableError("connection refused")
        return self.known.get(receipt_code, [])

    def close(self) -> None:
        pass


def office_record(code: str, status: ApplicationStatus | None) -> OfficeRecord:
    return OfficeRecord(
        submission_uuid="7d1c1e0e-5f3c-4a43-9d0e-1b0f6a1d2c3e", receipt_code=code,
        kind="application_intake", procedure_code="1.001193",
        received_at="2026-12-01T01:00:00+00:00", status=status,
        note=None if status is None else "Quầy 2",
        updated_at=None if status is None else "2026-12-01T03:00:00+00:00",
    )


def test_a_code_printed_by_another_kiosk_is_asked_of_the_office(tmp_path: Path) -> None:
    # GIVEN a code this kiosk never saw, which the office knows with a status
    code = receipt_code.new_code()
    office = FakeOffice({code: [office_record(code, ApplicationStatus.READY_FOR_PICKUP)]})
    counter = desk(tmp_path, office=office)
    # WHEN a citizen types it here
    answer = counter.look_up(receipt_code.display(code))
    # THEN the office was asked once and its status is shown, for the right procedure
    assert office.asked == [code]
    assert answer.outcome is LookupOutcome.STATUS
    assert answer.office is OfficeCheck.ANSWERED
    assert answer.latest == StatusRecord(
        "7d1c1e0e-5f3c-4a43-9d0e-1b0f6a1d2c3e", code, ApplicationStatus.READY_FOR_PICKUP,
        "Quầy 2", "2026-12-01T03:00:00+00:00", 0,
    )  # fmt: skip
    assert answer.procedure is not None and answer.procedure.code == "1.001193"
    assert answer.synced_at is not None


def test_the_office_answers_received_without_status_or_unknown(tmp_path: Path) -> None:
    received = receipt_code.new_code()
    unknown = next(c for c in (receipt_code.new_code() for _ in range(50)) if c != received)
    counter = desk(tmp_path, office=FakeOffice({received: [office_record(received, None)]}))
    first = counter.look_up(received)
    second = counter.look_up(unknown)
    assert (first.outcome, first.office, first.latest) == (
        LookupOutcome.NO_STATUS_YET, OfficeCheck.ANSWERED, None)
    assert (second.outcome, second.office) == (LookupOutcome.UNKNOWN_CODE, OfficeCheck.ANSWERED)


def test_an_unreachable_office_is_said_and_a_code_known_here_is_not_asked(
    tmp_path: Path,
) -> None:
    office = FakeOffice({}, reachable=False)
    counter = desk(tmp_path, office=office)
    ticket = counter.submit(QueueTicketRequest("A"), None)
    # A code made here is answered here, without asking
    assert counter.look_up(ticket.receipt_code).outcome is LookupOutcome.NOT_YET_SENT
    # A typo is caught before asking anyone
    assert counter.look_up("ABCD-EFGH").outcome is LookupOutcome.NOT_A_CODE
    assert office.asked == []
    # An unknown code: asked, and the office could not be reached
    other = next(c for c in (receipt_code.new_code() for _ in range(50))
                 if c != ticket.receipt_code)
    answer = counter.look_up(other)
    assert (answer.outcome, answer.office) == (LookupOutcome.UNKNOWN_CODE,
                                               OfficeCheck.UNREACHABLE)
    assert office.asked == [other]
