"""The papers check before the counter (the "intake"): a procedure and which of its papers
the citizen brought. Nothing is lodged: the counter receives the application.

An intake is the one kind that keeps who applied: the outbox seals the card holder's
identity for the backend (``keeps_identity``). Its slip lists the papers present and
those still missing, and asks the citizen to keep it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.catalog import DEFAULT_CASE
from kiosk.kinds.base import (
    N_,
    Kind,
    Prepared,
    Records,
    SlipSources,
    SubmissionError,
    SubmissionKind,
)
from kiosk.receipt import (
    Align,
    Block,
    CheckItem,
    Line,
    Receipt,
    SlipContext,
    SubmissionWords,
    submission_receipt,
)

if TYPE_CHECKING:
    from kiosk.submissions import Submission


@dataclass(frozen=True)
class IntakeRequest:
    """An application handed in: the procedure and which of its documents the citizen has.

    ``documents_present`` are indices into the papers of case ``case_key`` (its papers to
    submit, then those to show). Without a case key they index every paper of the
    procedure, each name once (``Procedure.documents``): for a one-case procedure that is
    its case's papers.
    """

    procedure_code: str
    documents_present: tuple[int, ...]
    case_key: str | None = None


@dataclass(frozen=True)
class IntakeDetails:
    """What is stored with an intake: the names of the papers present and missing."""

    documents_present: tuple[str, ...]
    documents_missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The details as stored and sent (``sync.wire.IntakeDetails``)."""
        return {
            "documents_present": list(self.documents_present),
            "documents_missing": list(self.documents_missing),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IntakeDetails:
        """The details stored by :meth:`to_json`."""
        return cls(
            tuple(data.get("documents_present", ())), tuple(data.get("documents_missing", ()))
        )


def _papers_of(record: Mapping[str, Any], request: IntakeRequest) -> Sequence[Mapping[str, Any]]:
    """The papers the request's indices point into (SubmissionError for an unknown case)."""
    cases: Sequence[Mapping[str, Any]] = (
        record["cases"] if "cases" in record  # a version 1 record has one list
        else [{"key": DEFAULT_CASE, "submit": record["documents"]}]
    )
    if request.case_key is None:
        papers: dict[str, Mapping[str, Any]] = {}
        for case in cases:
            for paper in [*case["submit"], *case.get("show", ())]:
                papers.setdefault(paper["name"], paper)
        return list(papers.values())
    for case in cases:
        if case["key"] == request.case_key:
            return [*case["submit"], *case.get("show", ())]
    keys = ", ".join(case["key"] for case in cases)
    raise SubmissionError(
        f"procedure {request.procedure_code} has no case {request.case_key!r} "
        f"(its cases: {keys})"
    )


def prepare(request: IntakeRequest, records: Records) -> Prepared:
    """Check the procedure, its case and the document numbers; the papers present and
    missing."""
    documents = _papers_of(records.procedure(request.procedure_code), request)
    present = sorted(set(request.documents_present))
    outside = [index for index in present if not 0 <= index < len(documents)]
    if outside:
        where = "" if request.case_key is None else f" case {request.case_key}"
        raise SubmissionError(
            f"procedure {request.procedure_code}{where} has {len(documents)} documents; "
            f"no document number {outside[0]}"
        )
    missing = [d["name"] for i, d in enumerate(documents) if i not in present]
    details = IntakeDetails(tuple(documents[index]["name"] for index in present), tuple(missing))
    return Prepared(details.to_json(), request.procedure_code)


def _papers(details: IntakeDetails, context: SlipContext) -> list[Block]:
    blocks: list[Block] = []
    if details.documents_present:
        blocks.append(Line(context.t("label.documents_present") + ":", bold=True))
        blocks.extend(CheckItem(name, checked=True) for name in details.documents_present)
    if details.documents_missing:
        blocks.append(Line(context.t("label.documents_missing") + ":", bold=True))
        blocks.extend(CheckItem(name) for name in details.documents_missing)
    return blocks


#: A papers check lodges nothing: its slip is titled as a check, and says plainly that it
#: is not the office's appointment slip (phiếu hẹn), which only the counter gives.
WORDS = SubmissionWords(title="intake.title", citizen="label.card_holder", lookup="intake.lookup")


def slip(submission: Submission, context: SlipContext, sources: SlipSources) -> Receipt:
    """The papers checked: those present and missing, and "this is not a phiếu hẹn"."""
    return submission_receipt(
        submission, context, words=WORDS,
        procedure=sources.procedure(submission.procedure_code),
        papers=_papers(IntakeDetails.from_json(submission.details), context),
        notes=[Line(context.t("intake.not_appointment"), bold=True, align=Align.CENTER)],
    )


KIND = Kind(
    kind=SubmissionKind.APPLICATION_INTAKE,
    request_type=IntakeRequest,
    prepare=prepare,
    slip=slip,
    next_step=N_(
        "This is not an appointment slip: nothing has been handed in yet. Take a queue "
        "number, then bring your papers and this slip to the counter."
    ),
    keeps_identity=True,
)
