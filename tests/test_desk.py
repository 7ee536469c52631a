"""The service desk: what the citizen's screens ask of the core, on one connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk import receipt_code
from kiosk.application_status import ApplicationStatus, StatusRecord, apply_statuses
from kiosk.config import load_config
from kiosk.desk import LookupOutcome, ServiceDesk, open_desk_database
from kiosk.submissions import QueueTicketRequest


def desk(tmp_path: Path) -> ServiceDesk:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    return ServiceDesk(open_desk_database(config), config)


def test_demo_desk_has_the_catalog_and_the_directory(tmp_path: Path) -> None:
    counter = desk(tmp_path)
    assert [field.name for field in counter.fields()][:2] == ["Căn cước", "Chứng thực"]
    assert counter.search("dang ky khai sinh")[0].code == "1.001193"
    assert len(counter.communes()) == 126
    assert counter.search_communes("cau giay")[0].name == "Phường Cầu Giấy"
    assert len(counter.search_communes("  ")) == 126


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
