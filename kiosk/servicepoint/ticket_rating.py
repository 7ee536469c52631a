"""Rating a served ticket at the kiosk: the citizen scans their ticket, the hub says who served it.

The hub is the one place that knows which counter and officer served a ticket, and the one
place that keeps "one rating per served ticket" (its ratings table, written in the same
transaction as the check). So a ticket-tied rating made at the kiosk is *recorded at the
hub* (:class:`HubRatings`), which forwards it to the city as a ``rate`` queue event with the
counter, officer, service and the ticket's times; the kiosk stores no rating of its own for
it (the city would count it twice).

When the hub cannot be asked, or the ticket is not one the hub can take a rating for, the
citizen is told why, and may still rate by choosing the counter (an ordinary kiosk rating,
:mod:`kiosk.kinds.rating`).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol

from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.tickets import TicketState


class HubUnreachableError(Exception):
    """The hub could not be asked just now (down, unreachable, or it failed)."""


class AlreadyRatedError(Exception):
    """The hub holds a rating for this ticket already."""


class NotRateableError(Exception):
    """The hub refuses a rating for this ticket (not served yet, or unknown): says why."""


@dataclass(frozen=True)
class ServedTicket:
    """A ticket as the hub describes it for a rating (no personal data: there is none)."""

    number: str
    service: str
    state: TicketState
    counter: int | None
    counter_name: str | None
    officer: str | None
    officer_name: str | None
    called_at: dt.datetime | None
    serving_at: dt.datetime | None
    finished_at: dt.datetime | None
    rated: bool


class HubRatings(Protocol):
    """The hub's side of ticket ratings (an HTTP client in ``sync/``; fakes in tests)."""

    def ticket(self, token: str) -> ServedTicket | None:
        """The ticket with page token ``token`` (None: the hub has no such ticket).
        Raises HubUnreachableError."""
        ...

    def rate(self, token: str, level: RatingLevel) -> ServedTicket:
        """Record the citizen's rating of ticket ``token``. Raises AlreadyRatedError,
        NotRateableError or HubUnreachableError."""
        ...

    def close(self) -> None:
        """Close its connections (the desk is closing)."""
        ...


class TicketCheck(enum.Enum):
    """What the kiosk can do with a scanned ticket."""

    RATEABLE = "rateable"  # served, not rated: offer the four levels
    ALREADY_RATED = "already_rated"  # one rating per served ticket: refuse a second
    NOT_SERVED = "not_served"  # still waiting, at a counter, skipped or sent on
    UNKNOWN_TICKET = "unknown_ticket"  # the hub has no such ticket (not yet, or not ours)
    HUB_UNREACHABLE = "hub_unreachable"  # cannot ask now: choose the counter instead
    NO_HUB = "no_hub"  # this kiosk has no hub: choose the counter instead


@dataclass(frozen=True)
class TicketAnswer:
    """A check's outcome, with the ticket when the hub described it."""

    check: TicketCheck
    ticket: ServedTicket | None = None


def check_ticket(hub: HubRatings | None, token: str) -> TicketAnswer:
    """Whether ticket ``token`` can be rated now, as the hub sees it."""
    if hub is None:
        return TicketAnswer(TicketCheck.NO_HUB)
    try:
        ticket = hub.ticket(token)
    except HubUnreachableError:
        return TicketAnswer(TicketCheck.HUB_UNREACHABLE)
    if ticket is None:
        return TicketAnswer(TicketCheck.UNKNOWN_TICKET)
    if ticket.rated:
        return TicketAnswer(TicketCheck.ALREADY_RATED, ticket)
    if ticket.state is not TicketState.DONE:
        return TicketAnswer(TicketCheck.NOT_SERVED, ticket)
    return TicketAnswer(TicketCheck.RATEABLE, ticket)


class RatingResult(enum.Enum):
    """How a ticket-tied rating ended."""

    RECORDED = "recorded"
    ALREADY_RATED = "already_rated"  # another kiosk or the counter's tablet was first
    REFUSED = "refused"  # the hub refused it (the ticket is not served, say)
    HUB_UNREACHABLE = "hub_unreachable"  # not recorded: choose the counter instead


@dataclass(frozen=True)
class RatingAnswer:
    """A rating's outcome, with the rated ticket when it was recorded."""

    result: RatingResult
    ticket: ServedTicket | None = None


def rate_ticket(hub: HubRatings | None, token: str, level: RatingLevel) -> RatingAnswer:
    """Record ``level`` for ticket ``token`` at the hub; the hub decides "once"."""
    if hub is None:
        return RatingAnswer(RatingResult.HUB_UNREACHABLE)
    try:
        return RatingAnswer(RatingResult.RECORDED, hub.rate(token, level))
    except AlreadyRatedError:
        return RatingAnswer(RatingResult.ALREADY_RATED)
    except NotRateableError:
        return RatingAnswer(RatingResult.REFUSED)
    except HubUnreachableError:
        return RatingAnswer(RatingResult.HUB_UNREACHABLE)
