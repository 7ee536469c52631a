"""The core's :class:`~kiosk.servicepoint.ticket_rating.HubRatings` over the hub's HTTP API.

The kiosk's desk asks this (on its worker thread) when a citizen scans their ticket to rate
the service. Transport failures, timeouts and 5xx answers are "hub unreachable" (the screen
offers the counter choice instead); the hub's 409 is "rated already", its 404 and 422 "not
rateable".
"""

from __future__ import annotations

from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.ticket_rating import (
    AlreadyRatedError,
    HubUnreachableError,
    NotRateableError,
    ServedTicket,
)
from kiosk.servicepoint.tickets import TicketState
from sync import hub_wire
from sync.client import FailureKind, RequestFailedError
from sync.hub_client import HubClient


def served_ticket(answer: hub_wire.TicketForRating) -> ServedTicket:
    """The hub's answer as the core's value."""
    return ServedTicket(
        number=answer.number, service=answer.service, state=TicketState(answer.state),
        counter=answer.counter, counter_name=answer.counter_name, officer=answer.officer,
        officer_name=answer.officer_name, called_at=answer.called_at,
        serving_at=answer.serving_at, finished_at=answer.finished_at, rated=answer.rated)


class HubTicketRatings:
    """Ticket ratings recorded at the hub through its kiosk API."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    def ticket(self, token: str) -> ServedTicket | None:
        """The ticket with page token ``token`` at the hub (None: unknown there)."""
        try:
            answer = self.client.ticket_for_rating(token)
        except RequestFailedError as failure:
            raise HubUnreachableError(failure.reason) from None
        return None if answer is None else served_ticket(answer)

    def rate(self, token: str, level: RatingLevel) -> ServedTicket:
        """Record the rating at the hub (it keeps one per ticket)."""
        try:
            answer = self.client.rate(token, hub_wire.TicketRating(level=level.value))
        except RequestFailedError as failure:
            if failure.status == 409:
                raise AlreadyRatedError(failure.reason) from None
            if failure.status in {404, 422}:
                raise NotRateableError(failure.reason) from None
            if failure.kind is FailureKind.REJECTED:
                # Any other refusal (a token the hub no longer accepts...): not recorded,
                # and retrying from the screen will not help.
                raise NotRateableError(failure.reason) from None
            raise HubUnreachableError(failure.reason) from None
        return served_ticket(answer)

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()
