"""The kinds of submission, one module each: the table, each kind's check, details, slip
and next step, and the wire schema's details agreeing with what each kind stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, get_type_hints

import pytest

from kiosk.catalog import Catalog, load_catalog
from kiosk.clock import HANOI
from kiosk.kinds import (
    KINDS,
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    PriorityGroup,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
    Request,
    SubmissionError,
    SubmissionKind,
    kind_of_request,
    slip_for_submission,
)
from kiosk.kinds.feedback import FeedbackDetails
from kiosk.kinds.intake import IntakeDetails
from kiosk.kinds.queue_ticket import QueueTicketDetails
from kiosk.kinds.rating import RatingDetails
from kiosk.receipt import SlipContext, SlipKind
from kiosk.storage import Database
from kiosk.submissions import Outbox
from sync import wire

MORNING = dt.datetime(2026, 11, 27, 8, 0, tzinfo=HANOI)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")


class Records:
    """A catalog of one service (A) and one procedure with two papers."""

    def has_service(self, code: str) -> bool:
        return code == "A"

    def procedure(self, code: str) -> Mapping[str, Any]:
        if code != "1.001193":
            raise SubmissionError(f"procedure {code!r} is not in the catalog")
        return {"documents": [{"name": "Tờ khai"}, {"name": "Giấy chứng sinh"}]}


#: One valid request of each kind, the details it stores, and its typed details.
CASES: list[tuple[Request, dict[str, Any], object]] = [
    (QueueTicketRequest("A", PriorityGroup.ELDERLY, "1.001193"),
     {"service": "A", "priority": "elderly"},
     QueueTicketDetails("A", PriorityGroup.ELDERLY)),
    (IntakeRequest("1.001193", (1,)),
     {"documents_present": ["Giấy chứng sinh"], "documents_missing": ["Tờ khai"]},
     IntakeDetails(("Giấy chứng sinh",), ("Tờ khai",))),
    (FeedbackRequest(FeedbackCategory.LAND, "  Lấn chiếm vỉa hè ", None),
     {"category": "land", "text": "Lấn chiếm vỉa hè", "contact": None},
     FeedbackDetails(FeedbackCategory.LAND, "Lấn chiếm vỉa hè", None)),
    (RatingRequest(RatingLevel.ACCEPTABLE, ticket_number="A1-004"),
     {"level": "acceptable", "counter": None, "ticket_number": "A1-004"},
     RatingDetails(RatingLevel.ACCEPTABLE, None, "A1-004")),
]


def test_the_table_has_one_kind_per_submission_kind_each_with_its_request() -> None:
    assert set(KINDS) == set(SubmissionKind)
    assert all(spec.kind is kind for kind, spec in KINDS.items())
    assert [kind_of_request(request).kind for request, _, _ in CASES] == list(SubmissionKind)
    assert [kind for kind, spec in KINDS.items() if spec.keeps_identity] == [
        SubmissionKind.APPLICATION_INTAKE]


@pytest.mark.parametrize(("request_", "stored", "typed"), CASES,
                         ids=[kind.value for kind in SubmissionKind])
def test_each_kind_checks_its_request_and_stores_its_typed_details(
    request_: Request, stored: dict[str, Any], typed: Any
) -> None:
    prepared = kind_of_request(request_).prepare(request_, Records())
    assert prepared.details == stored
    assert type(typed).from_json(stored) == typed
    assert typed.to_json() == stored
    assert prepared.procedure_code == getattr(request_, "procedure_code", None)


@pytest.mark.parametrize(("request_", "message"), [
    (QueueTicketRequest("Z"), "unknown queue service 'Z'"),
    (QueueTicketRequest("A", procedure_code="9.999999"), "is not in the catalog"),
    (IntakeRequest("1.001193", (2,)), "has 2 documents; no document number 2"),
    (IntakeRequest("1.001193", (0,), "tre-bi-bo-roi"),
     "has no case 'tre-bi-bo-roi' \\(its cases: mac-dinh\\)"),
    (FeedbackRequest(FeedbackCategory.OTHER, "   "), "feedback text is empty"),
    (FeedbackRequest(FeedbackCategory.OTHER, "x" * 2001), "at most 2000"),
    (FeedbackRequest(FeedbackCategory.OTHER, "x", "0" * 101), "longer than 100"),
])
def test_each_kind_refuses_a_request_that_is_not_valid(request_: Request, message: str) -> None:
    with pytest.raises(SubmissionError, match=message):
        kind_of_request(request_).prepare(request_, Records())


class TwoCaseRecords(Records):
    """The same procedure in format 2, with two cases sharing a paper."""

    def procedure(self, code: str) -> Mapping[str, Any]:
        super().procedure(code)
        return {"cases": [
            {"key": "dung-han", "submit": [{"name": "Tờ khai"}, {"name": "Giấy chứng sinh"}],
             "show": [{"name": "Thẻ căn cước"}]},
            {"key": "tre-bi-bo-roi", "submit": [{"name": "Tờ khai"}, {"name": "Biên bản"}]},
        ]}


@pytest.mark.parametrize(("request_", "present", "missing"), [
    (IntakeRequest("1.001193", (0, 2), "dung-han"),
     ["Tờ khai", "Thẻ căn cước"], ["Giấy chứng sinh"]),
    (IntakeRequest("1.001193", (1,), "tre-bi-bo-roi"), ["Biên bản"], ["Tờ khai"]),
    # no case: every paper of the procedure, each name once (the old behaviour)
    (IntakeRequest("1.001193", (3,)), ["Biên bản"],
     ["Tờ khai", "Giấy chứng sinh", "Thẻ căn cước"]),
])
def test_an_intake_counts_the_papers_of_its_case(
    request_: IntakeRequest, present: list[str], missing: list[str]
) -> None:
    prepared = kind_of_request(request_).prepare(request_, TwoCaseRecords())
    assert prepared.details == {"documents_present": present, "documents_missing": missing}


def test_an_intake_refuses_a_paper_number_outside_its_case() -> None:
    request_ = IntakeRequest("1.001193", (2,), "tre-bi-bo-roi")
    with pytest.raises(SubmissionError,
                       match=r"1\.001193 case tre-bi-bo-roi has 2 documents; no document number 2"):
        kind_of_request(request_).prepare(request_, TwoCaseRecords())


@pytest.mark.parametrize(("request_", "slip_kind"), [
    (CASES[0][0], SlipKind.QUEUE_TICKET),
    (CASES[1][0], SlipKind.SUBMISSION_RECEIPT),
    (CASES[2][0], SlipKind.SUBMISSION_RECEIPT),
    (CASES[3][0], SlipKind.RATING_THANKS),
], ids=[kind.value for kind in SubmissionKind])
def test_the_table_picks_each_kinds_slip_and_next_step(
    catalog_db: Database, request_: Request, slip_kind: SlipKind
) -> None:
    outbox = Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1")
    submission = outbox.create(request_, now=MORNING)
    catalog: Catalog | None = load_catalog(catalog_db)
    assert slip_for_submission(submission, VI, catalog).kind is slip_kind
    assert KINDS[submission.kind].next_step


@pytest.mark.parametrize(("kind", "typed", "details"), [
    (SubmissionKind.QUEUE_TICKET, QueueTicketDetails, wire.QueueTicketDetails),
    (SubmissionKind.APPLICATION_INTAKE, IntakeDetails, wire.IntakeDetails),
    (SubmissionKind.FEEDBACK, FeedbackDetails, wire.FeedbackDetails),
    (SubmissionKind.RATING, RatingDetails, wire.RatingDetails),
])
def test_the_wire_schema_types_the_details_each_kind_stores(
    kind: SubmissionKind, typed: type[Any], details: type[Any]
) -> None:
    # Every key a kind stores is a required key of its wire details, and no other.
    stored = next(case[1] for case in CASES if kind_of_request(case[0]).kind is kind)
    assert set(get_type_hints(details)) == set(stored) == set(typed.__dataclass_fields__)
    assert details.__required_keys__ == set(stored)
