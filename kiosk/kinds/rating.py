"""The satisfaction rating: one of four levels, optionally about a counter or a ticket.

A rating keeps nothing of the citizen. Its slip is a thank-you, printed only when asked.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk import receipt_code
from kiosk.kinds.base import N_, Kind, Prepared, Records, SlipSources, SubmissionKind
from kiosk.receipt import (
    Align,
    Field,
    Line,
    Receipt,
    SlipContext,
    SlipKind,
    created_text,
    slip_footer,
    slip_header,
)

if TYPE_CHECKING:
    from kiosk.submissions import Submission


class RatingLevel(enum.Enum):
    """The four satisfaction levels."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    ACCEPTABLE = "acceptable"
    UNSATISFIED = "unsatisfied"


@dataclass(frozen=True)
class RatingRequest:
    """A satisfaction rating, optionally about one counter or ticket."""

    level: RatingLevel
    counter: str | None = None
    ticket_number: str | None = None


@dataclass(frozen=True)
class RatingDetails:
    """What is stored with a rating: the request as made."""

    level: RatingLevel
    counter: str | None
    ticket_number: str | None

    def to_json(self) -> dict[str, Any]:
        """The details as stored and sent (``sync.wire.RatingDetails``)."""
        return {
            "level": self.level.value,
            "counter": self.counter,
            "ticket_number": self.ticket_number,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RatingDetails:
        """The details stored by :meth:`to_json`."""
        return cls(RatingLevel(data["level"]), data.get("counter"), data.get("ticket_number"))


def prepare(request: RatingRequest, records: Records) -> Prepared:
    """Any rating the screen can make is valid: the details to store."""
    details = RatingDetails(request.level, request.counter, request.ticket_number)
    return Prepared(details.to_json())


def rating_thanks(submission: Submission, context: SlipContext) -> Receipt:
    """The thank-you for a rating: the level given, the counter or ticket rated, the code."""
    if submission.kind is not SubmissionKind.RATING:
        raise ValueError(f"submission {submission.uuid} is not a rating")
    blocks = slip_header(context, context.t("rating.title"))
    details = RatingDetails.from_json(submission.details)
    blocks.append(Field(context.t("label.rating"), context.t(f"rating.{details.level.value}")))
    if details.counter:
        blocks.append(Field(context.t("label.counter"), details.counter))
    if details.ticket_number:
        blocks.append(Field(context.t("label.ticket"), details.ticket_number))
    blocks.append(Field(context.t("label.time"), created_text(submission)))
    code = receipt_code.display(submission.receipt_code)
    blocks.append(Field(context.t("label.receipt_code"), code))
    blocks.append(Line(context.t("rating.thanks"), align=Align.CENTER))
    blocks.extend(slip_footer(context))
    return Receipt(SlipKind.RATING_THANKS, tuple(blocks), context.language, code)


def slip(submission: Submission, context: SlipContext, sources: SlipSources) -> Receipt:
    """The thank-you (a rating names no procedure or service to look up)."""
    return rating_thanks(submission, context)


KIND = Kind(
    kind=SubmissionKind.RATING,
    request_type=RatingRequest,
    prepare=prepare,
    slip=slip,
    next_step=N_("Your rating helps us serve everyone better."),
)
