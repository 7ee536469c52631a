"""Creating submissions: UUID, receipt code, queue number and outbox row together."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kiosk import receipt_code
from kiosk.catalog import import_catalog
from kiosk.clock import HANOI
from kiosk.idcard import parse_id_qr
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    PriorityGroup,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
    SubmissionError,
    SubmissionKind,
)
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox, OutboxState
from office.keys import SealingKeys
from tests.conftest import catalog_bytes

CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=dt.date(2026, 11, 27),
)
MORNING = dt.datetime(2026, 11, 27, 8, 0, tzinfo=HANOI)
#: The backend's key pair; the kiosk is given only the public half.
BACKEND_KEYS = SealingKeys.generate()


@pytest.fixture
def outbox(catalog_db: Database) -> Outbox:
    return Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1",
                  sealer=SealedBoxSealer(BACKEND_KEYS.public_key))


def test_a_ticket_gets_uuid_code_number_and_a_pending_outbox_row(outbox: Outbox) -> None:
    ticket = outbox.create(QueueTicketRequest(service="A"), citizen=CARD, now=MORNING)
    assert ticket.kind is SubmissionKind.QUEUE_TICKET
    assert len(ticket.uuid) == 36
    assert receipt_code.is_valid(ticket.receipt_code)
    assert ticket.ticket_number == "A1-001"
    assert ticket.service_day == "2026-11-27"
    assert ticket.state is OutboxState.PENDING
    assert ticket.details == {"service": "A", "priority": "none"}
    assert ticket.citizen_masked == "N. V. A. ********2345"
    assert ticket.has_personal_data is False  # a ticket needs no identity
    assert outbox.counts() == {"pending": 1, "sent": 0, "failed": 0}


def test_queue_numbers_run_per_service_series_and_day(outbox: Outbox) -> None:
    numbers = [
        outbox.create(QueueTicketRequest(service=s, priority=p), now=when).ticket_number
        for s, p, when in [
            ("A", PriorityGroup.NONE, MORNING),
            ("A", PriorityGroup.NONE, MORNING),
            ("C", PriorityGroup.NONE, MORNING),
            ("A", PriorityGroup.ELDERLY, MORNING),
            ("A", PriorityGroup.PREGNANT, MORNING),
            ("A", PriorityGroup.NONE, MORNING + dt.timedelta(days=1)),
        ]
    ]
    assert numbers == ["A1-001", "A1-002", "C1-001", "A1-U001", "A1-U002", "A1-001"]


def test_two_kiosks_at_one_point_never_share_a_number(
    tmp_path: Path, small_catalog: dict[str, Any]
) -> None:
    numbers = []
    for prefix in ("1", "2"):  # two kiosks, each with its own database, both offline
        database = open_database(tmp_path / f"kiosk{prefix}.sqlite3")
        import_catalog(database, catalog_bytes(small_catalog))
        box = Outbox(database, kiosk_id=f"K{prefix}", queue_prefix=prefix)
        numbers.append(box.create(QueueTicketRequest(service="A"), now=MORNING).ticket_number)
        database.close()
    assert numbers == ["A1-001", "A2-001"]


def test_an_intake_lists_missing_documents_and_keeps_the_applicant(outbox: Outbox) -> None:
    intake = outbox.create(IntakeRequest("1.001193", (1,)), citizen=CARD, now=MORNING)
    assert intake.details == {
        "documents_present": ["Giấy chứng sinh"],
        "documents_missing": ["Tờ khai đăng ký khai sinh"],
    }
    assert intake.procedure_code == "1.001193"
    assert intake.has_personal_data is True
    # THEN the kiosk keeps the identity only sealed, and only the backend's key opens it
    sealed = outbox.sealed_personal_data(intake.uuid)
    assert sealed is not None and b"001099012345" not in sealed
    assert BACKEND_KEYS.open(base64.b64encode(sealed).decode()) == {
        "id_number": "001099012345",
        "full_name": "Nguyễn Văn An",
        "birth_date": "1999-03-15",
        "sex": "male",
        "address": "Số 1 Phố Huế, Hà Nội",
    }
    clear = outbox.db.execute("SELECT citizen FROM submissions WHERE uuid = ?",
                              [intake.uuid]).fetchone()[0]
    assert clear is None


def test_an_intake_with_a_card_is_refused_when_no_backend_key_is_set(
    catalog_db: Database,
) -> None:
    # GIVEN a kiosk that was never given the backend's public key
    unkeyed = Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1")
    # WHEN an intake with an ID card is made THEN it is refused and nothing is stored
    with pytest.raises(SubmissionError) as refused:
        unkeyed.create(IntakeRequest("1.001193", ()), citizen=CARD, now=MORNING)
    assert "sync.backend_public_key" in str(refused.value)
    assert unkeyed.list() == []
    # AND a ticket, which needs no identity, is still made (keeping only the masked form)
    ticket = unkeyed.create(QueueTicketRequest(service="A"), citizen=CARD, now=MORNING)
    assert (ticket.has_personal_data, ticket.citizen_masked) == (False, "N. V. A. ********2345")


def test_identity_stored_in_clear_by_schema_1_is_sealed_and_scrubbed(outbox: Outbox) -> None:
    # GIVEN an intake whose identity an older release stored in clear
    intake = outbox.create(IntakeRequest("1.001193", ()), citizen=CARD, now=MORNING)
    outbox.db.execute("UPDATE submissions SET citizen = ?, citizen_sealed = NULL WHERE uuid = ?",
                      ['{"id_number": "001099012345"}', intake.uuid])
    # WHEN the legacy data is sealed
    assert outbox.seal_legacy_personal_data(outbox.sealer) == 1  # type: ignore[arg-type]
    # THEN only the sealed form is left, and it opens to what was there
    row = outbox.db.execute("SELECT citizen, citizen_sealed FROM submissions WHERE uuid = ?",
                            [intake.uuid]).fetchone()
    assert row[0] is None
    assert BACKEND_KEYS.open(base64.b64encode(row[1]).decode()) == {"id_number": "001099012345"}
    assert outbox.seal_legacy_personal_data(outbox.sealer) == 0  # type: ignore[arg-type]


def test_feedback_and_rating_are_stored_as_given(outbox: Outbox) -> None:
    feedback = outbox.create(
        FeedbackRequest(FeedbackCategory.TRAFFIC, "  Đèn tín hiệu hỏng  ", "0912345678"),
        now=MORNING,
    )
    assert feedback.details == {
        "category": "traffic", "text": "Đèn tín hiệu hỏng", "contact": "0912345678",
    }
    rating = outbox.create(RatingRequest(RatingLevel.VERY_SATISFIED, counter="Quầy số 1"))
    assert rating.details == {
        "level": "very_satisfied", "counter": "Quầy số 1", "ticket_number": None,
    }
    assert rating.citizen_masked is None


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (QueueTicketRequest(service="Q"), "unknown queue service 'Q'"),
        (IntakeRequest("9.999999", ()), "procedure '9.999999' is not in the catalog"),
        (IntakeRequest("1.001193", (0, 2)),
         "procedure 1.001193 has 2 documents; no document number 2"),
        (FeedbackRequest(FeedbackCategory.OTHER, "   "), "feedback text is empty"),
        (FeedbackRequest(FeedbackCategory.OTHER, "x" * 2001),
         "feedback text has 2001 characters; at most 2000"),
    ],
)
def test_a_bad_request_stores_nothing(outbox: Outbox, request_: object, message: str) -> None:
    with pytest.raises(SubmissionError) as refused:
        outbox.create(request_, now=MORNING)  # type: ignore[arg-type]
    assert str(refused.value) == message
    assert outbox.list() == []
    assert outbox.db.execute("SELECT count(*) FROM queue_counters").fetchone()[0] == 0


def test_delivery_states_and_retry(outbox: Outbox) -> None:
    first, second, third = (
        outbox.create(RatingRequest(RatingLevel.SATISFIED), now=MORNING) for _ in range(3)
    )
    outbox.record_attempt([first.uuid], "connection refused")
    assert outbox.mark_sent([first.uuid, second.uuid]) == 2
    assert outbox.mark_sent([first.uuid]) == 0  # acknowledged twice: counted once
    outbox.mark_failed(third.uuid, "400: unknown procedure")
    assert [s.state for s in outbox.list()] == [
        OutboxState.SENT, OutboxState.SENT, OutboxState.FAILED,
    ]
    failed = outbox.list(state=OutboxState.FAILED)
    assert [(s.uuid, s.last_error, s.attempts) for s in failed] == [
        (third.uuid, "400: unknown procedure", 1)
    ]
    assert outbox.get(first.uuid).attempts == 2  # type: ignore[union-attr]
    assert outbox.retry_failed() == 1
    assert outbox.counts() == {"pending": 1, "sent": 2, "failed": 0}


def test_personal_data_is_purged_only_after_acknowledgement_and_retention(
    outbox: Outbox,
) -> None:
    sent = outbox.create(IntakeRequest("1.001193", ()), citizen=CARD, now=MORNING)
    unsent = outbox.create(IntakeRequest("1.001193", ()), citizen=CARD, now=MORNING)
    outbox.mark_sent([sent.uuid], now=MORNING)
    assert outbox.purge_personal_data(retention_days=30, now=MORNING + dt.timedelta(days=29)) == 0
    assert outbox.purge_personal_data(retention_days=30, now=MORNING + dt.timedelta(days=31)) == 1
    assert outbox.sealed_personal_data(sent.uuid) is None
    assert outbox.get(sent.uuid).citizen_masked is None  # type: ignore[union-attr]
    assert outbox.sealed_personal_data(unsent.uuid) is not None


def test_receipt_codes_can_be_found_again(outbox: Outbox) -> None:
    made = outbox.create(RatingRequest(RatingLevel.ACCEPTABLE), now=MORNING)
    typed = receipt_code.display(made.receipt_code).lower()
    found = outbox.find_by_receipt(receipt_code.normalise(typed) or "")
    assert [s.uuid for s in found] == [made.uuid]
