"""Feedback (phản ánh kiến nghị): a category, the citizen's text, an optional contact.

Feedback keeps only the citizen's masked name (for the slip), never the identity.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.kinds.base import (
    N_,
    Kind,
    Prepared,
    Records,
    SlipSources,
    SubmissionError,
    SubmissionKind,
)
from kiosk.receipt import Field, Receipt, SlipContext, SubmissionWords, submission_receipt
from kiosk.text import nfc

if TYPE_CHECKING:
    from kiosk.submissions import Submission

MAX_FEEDBACK_LENGTH = 2000
MAX_CONTACT_LENGTH = 100


class FeedbackCategory(enum.Enum):
    """Kinds of phản ánh kiến nghị."""

    CONSTRUCTION_ORDER = "construction_order"
    ENVIRONMENT_SANITATION = "environment_sanitation"
    LAND = "land"
    TRAFFIC = "traffic"
    SERVICE_ATTITUDE = "service_attitude"
    OTHER = "other"


@dataclass(frozen=True)
class FeedbackRequest:
    """A phản ánh kiến nghị."""

    category: FeedbackCategory
    text: str
    contact: str | None = None


@dataclass(frozen=True)
class FeedbackDetails:
    """What is stored with feedback: the category, the text and contact as normalised."""

    category: FeedbackCategory
    text: str
    contact: str | None

    def to_json(self) -> dict[str, Any]:
        """The details as stored and sent (``sync.wire.FeedbackDetails``)."""
        return {"category": self.category.value, "text": self.text, "contact": self.contact}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedbackDetails:
        """The details stored by :meth:`to_json`."""
        return cls(FeedbackCategory(data["category"]), str(data["text"]), data.get("contact"))


def prepare(request: FeedbackRequest, records: Records) -> Prepared:
    """Check the text (not empty, not too long) and contact; the details to store."""
    text = nfc(request.text.strip())
    if not text:
        raise SubmissionError("feedback text is empty")
    if len(text) > MAX_FEEDBACK_LENGTH:
        raise SubmissionError(
            f"feedback text has {len(text)} characters; at most {MAX_FEEDBACK_LENGTH}"
        )
    contact = nfc(request.contact.strip()) if request.contact else None
    if contact is not None and len(contact) > MAX_CONTACT_LENGTH:
        raise SubmissionError(f"contact is longer than {MAX_CONTACT_LENGTH} characters")
    return Prepared(FeedbackDetails(request.category, text, contact).to_json())


#: Feedback is received, not lodged: no "receipt", no "submitted by", no application status.
WORDS = SubmissionWords(title="feedback.title", citizen="label.sender", lookup="feedback.lookup")


def slip(submission: Submission, context: SlipContext, sources: SlipSources) -> Receipt:
    """"Feedback received", with the feedback's category and the code to see the answer."""
    category = FeedbackDetails.from_json(submission.details).category
    return submission_receipt(
        submission, context, words=WORDS,
        procedure=sources.procedure(submission.procedure_code),
        fields=[Field(context.t("label.category"), context.t(f"feedback.{category.value}"))],
    )


KIND = Kind(
    kind=SubmissionKind.FEEDBACK,
    request_type=FeedbackRequest,
    prepare=prepare,
    slip=slip,
    next_step=N_("Your feedback was received. Keep this code to follow it up at the kiosk."),
)
