"""The kinds of submission, one module each, and the table that picks one.

Each module (:mod:`~kiosk.kinds.queue_ticket`, :mod:`~kiosk.kinds.intake`,
:mod:`~kiosk.kinds.feedback`, :mod:`~kiosk.kinds.rating`) holds its request, its typed
details, how a request is checked, its slip and its next-step text, as one
:class:`~kiosk.kinds.base.Kind`. The outbox, the slip builder and the done screen look a
kind up in :data:`KINDS`. Adding a kind: one module, one entry here, one value of
:class:`SubmissionKind`, its screen, and its details in the wire schema (``sync/wire.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kiosk.catalog import Catalog
from kiosk.kinds import feedback, intake, queue_ticket, rating
from kiosk.kinds.base import Kind, SlipSources, SubmissionError, SubmissionKind
from kiosk.kinds.feedback import (
    MAX_CONTACT_LENGTH,
    MAX_FEEDBACK_LENGTH,
    FeedbackCategory,
    FeedbackRequest,
)
from kiosk.kinds.intake import IntakeRequest
from kiosk.kinds.queue_ticket import PriorityGroup, QueueTicketRequest
from kiosk.kinds.rating import RatingLevel, RatingRequest
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import Receipt, SlipContext

if TYPE_CHECKING:
    from kiosk.submissions import Submission

__all__ = [
    "KINDS",
    "MAX_CONTACT_LENGTH",
    "MAX_FEEDBACK_LENGTH",
    "FeedbackCategory",
    "FeedbackRequest",
    "IntakeRequest",
    "Kind",
    "PriorityGroup",
    "QueueTicketRequest",
    "RatingLevel",
    "RatingRequest",
    "Request",
    "SubmissionError",
    "SubmissionKind",
    "kind_of_request",
    "slip_for_submission",
]

#: Every kind of submission, by its :class:`SubmissionKind`.
KINDS: Mapping[SubmissionKind, Kind[Any]] = {
    spec.kind: spec
    for spec in (queue_ticket.KIND, intake.KIND, feedback.KIND, rating.KIND)
}
assert set(KINDS) == set(SubmissionKind), "every SubmissionKind needs its module"

#: What a screen asks the outbox to store.
Request = QueueTicketRequest | IntakeRequest | FeedbackRequest | RatingRequest

_BY_REQUEST: Mapping[type[Any], Kind[Any]] = {spec.request_type: spec for spec in KINDS.values()}


def kind_of_request(request: Request) -> Kind[Any]:
    """The kind that ``request`` makes."""
    return _BY_REQUEST[type(request)]


def slip_for_submission(
    submission: Submission,
    context: SlipContext,
    catalog: Catalog | None,
    *,
    wait: WaitEstimate | None = None,
) -> Receipt:
    """The slip a citizen got (or gets again) for ``submission``: ticket, thank-you or receipt."""
    return KINDS[submission.kind].slip(submission, context, SlipSources(catalog, wait))
