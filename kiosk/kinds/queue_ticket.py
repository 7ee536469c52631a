"""The queue ticket: a number for a queue service, printed with where to go and the wait.

The number itself (``A1-007``) is drawn by the outbox in the transaction that stores the
ticket (:meth:`kiosk.submissions.Outbox.create`); this module checks the request, says what
is stored with it and makes the slip.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk import receipt_code
from kiosk.catalog import Procedure, Service
from kiosk.kinds.base import (
    N_,
    Kind,
    Prepared,
    Records,
    SlipSources,
    SubmissionError,
    SubmissionKind,
)
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import (
    Align,
    BigNumber,
    Field,
    Line,
    QrCode,
    Receipt,
    SlipContext,
    SlipKind,
    TextSize,
    created_text,
    procedure_title,
    slip_footer,
    slip_header,
    wait_text,
)
from kiosk.servicepoint.ticket_page import page_token, page_url

if TYPE_CHECKING:
    from kiosk.submissions import Submission


class PriorityGroup(enum.Enum):
    """Citizens served first (ưu tiên)."""

    NONE = "none"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    SMALL_CHILDREN = "small_children"


@dataclass(frozen=True)
class QueueTicketRequest:
    """A queue number for a service, optionally for a procedure."""

    service: str
    priority: PriorityGroup = PriorityGroup.NONE
    procedure_code: str | None = None


@dataclass(frozen=True)
class QueueTicketDetails:
    """What is stored with a ticket (besides its number and procedure)."""

    service: str
    priority: PriorityGroup

    def to_json(self) -> dict[str, Any]:
        """The details as stored and sent (``sync.wire.QueueTicketDetails``)."""
        return {"service": self.service, "priority": self.priority.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QueueTicketDetails:
        """The details stored by :meth:`to_json`."""
        return cls(str(data["service"]), PriorityGroup(data.get("priority", "none")))


def ticket_qr(submission: Submission, ticket_page_url: str) -> str:
    """What a queue ticket's QR holds: its phone page under ``ticket_page_url``
    (``queue.ticket_page_url``), or its receipt code when none is configured."""
    if ticket_page_url:
        return page_url(ticket_page_url, page_token(submission.uuid))
    return receipt_code.qr_payload(submission.receipt_code)


def prepare(request: QueueTicketRequest, records: Records) -> Prepared:
    """Check the service (and procedure) exist; the details to store."""
    if not records.has_service(request.service):
        raise SubmissionError(f"unknown queue service {request.service!r}")
    if request.procedure_code is not None:
        records.procedure(request.procedure_code)
    details = QueueTicketDetails(request.service, request.priority)
    return Prepared(details.to_json(), request.procedure_code)


def queue_ticket(
    submission: Submission,
    context: SlipContext,
    *,
    service: Service | None,
    procedure: Procedure | None = None,
    wait: WaitEstimate | None = None,
) -> Receipt:
    """The queue ticket: the big number, where to go, when it was taken, and a QR code.

    ``wait`` (people ahead, and the estimated wait when it can be estimated) is printed only
    when known: from a fresh queue the back office published; offline the kiosk cannot know.
    The QR code holds the ticket's phone page (its place in the queue, on the city's
    server: ``context.ticket_page_url``) when one is configured, else the receipt code; a
    kiosk reads either to rate the service after it (:mod:`kiosk.servicepoint.ticket_rating`).
    """
    if submission.kind is not SubmissionKind.QUEUE_TICKET or submission.ticket_number is None:
        raise ValueError(f"submission {submission.uuid} is not a queue ticket")
    blocks = slip_header(context, context.t("queue_ticket.title"))
    blocks.append(BigNumber(submission.ticket_number))
    priority = QueueTicketDetails.from_json(submission.details).priority
    if priority is not PriorityGroup.NONE:
        blocks.append(
            Field(context.t("label.priority"), context.t(f"priority.{priority.value}"))
        )
        blocks.append(Line(context.t("queue_ticket.priority_letter"), TextSize.SMALL))
    if service is not None:
        name = service.name_en if context.language == "en" and service.name_en else service.name
        blocks.append(Field(context.t("label.service"), name))
        if service.counter:
            blocks.append(Field(context.t("label.counter"), service.counter))
    if procedure is not None:
        blocks.append(Field(context.t("label.procedure"), procedure_title(procedure, context)))
    if wait is not None:
        blocks.append(Field(context.t("label.people_ahead"), str(wait.people_ahead)))
        # The number counts this kiosk's tickets; the people ahead count the whole point's
        # queue ("A1-001" with 6 ahead): say why both are right.
        blocks.append(Line(context.t("queue_ticket.order"), TextSize.SMALL))
        if wait.counters_open == 0:
            blocks.append(Line(context.t("queue_ticket.no_counter"), TextSize.SMALL))
        elif wait.minutes is not None:
            blocks.append(
                Field(context.t("label.estimated_wait"), wait_text(wait.minutes, context))
            )
        blocks.append(
            Line(context.t("queue_ticket.as_of").format(time=wait.as_of.strftime("%H:%M")),
                 TextSize.SMALL)
        )
    blocks.append(Field(context.t("label.time"), created_text(submission)))
    code = receipt_code.display(submission.receipt_code)
    qr = ticket_qr(submission, context.ticket_page_url)
    if context.ticket_page_url:
        blocks.append(QrCode(qr, caption=context.t("queue_ticket.phone_page")))
        blocks.append(Field(context.t("label.receipt_code"), code))
    else:
        blocks.append(QrCode(qr, caption=f"{context.t('label.receipt_code')}: {code}"))
    blocks.append(Line(context.t("queue_ticket.wait"), align=Align.CENTER))
    blocks.extend(slip_footer(context))
    return Receipt(SlipKind.QUEUE_TICKET, tuple(blocks), context.language,
                   submission.ticket_number)


def slip(submission: Submission, context: SlipContext, sources: SlipSources) -> Receipt:
    """The ticket, with its service, procedure and wait as the catalog and queue know them."""
    service = sources.service(QueueTicketDetails.from_json(submission.details).service)
    return queue_ticket(
        submission, context, service=service,
        procedure=sources.procedure(submission.procedure_code), wait=sources.wait,
    )


KIND = Kind(
    kind=SubmissionKind.QUEUE_TICKET,
    request_type=QueueTicketRequest,
    prepare=prepare,
    slip=slip,
    next_step=N_("Please wait until number {number} is called at {counter}."),
)
