"""The hub's queue as citizens' phones see it, published to the city.

A ticket's QR opens a page on the city's server (``office/web/ticket_page.py``): the hub is
on the point's LAN, out of the phones' reach. So the hub posts its public queue state (each
ticket of the day still of interest, by its page token, with its state and people ahead, and
each service's load) to ``POST /v1/ticket-pages`` after every change, and at least every
minute (the page says how fresh it is). Nothing personal is in it: a ticket is its number,
service, state and place. Each post replaces the hub's previous one; a lost post is simply
followed by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable

import requests

from hub.queue import HubQueue, Ticket
from kiosk import __version__
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.servicepoint.ticket_page import page_token
from kiosk.servicepoint.tickets import CALLABLE_STATES, TicketState
from sync import hub_wire

log = logging.getLogger(__name__)
#: A served ticket's page says "served" for this long, then the ticket leaves the page.
SERVED_SHOWN_FOR = dt.timedelta(minutes=30)
#: Seconds between posts when nothing changed (so the page's "as of" stays recent).
REFRESH_SECONDS = 60.0


def people_ahead(tickets: list[Ticket]) -> dict[int, int]:
    """For each callable ticket (by id): the callable tickets of its service before it.

    The rule of :meth:`hub.queue.HubQueue.position`: before a priority ticket the priority
    tickets received before it; before a regular ticket every priority ticket waiting and
    the regular ones received before it. Counted in one pass per service.
    """
    by_service: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if ticket.state in CALLABLE_STATES:
            by_service[ticket.service].append(ticket)
    ahead: dict[int, int] = {}
    for waiting in by_service.values():
        priority_total = sum(t.priority is not PriorityGroup.NONE for t in waiting)
        priority_seen = regular_seen = 0
        for ticket in waiting:  # receipt order (ids ascend)
            if ticket.priority is not PriorityGroup.NONE:
                ahead[ticket.id] = priority_seen
                priority_seen += 1
            else:
                ahead[ticket.id] = priority_total + regular_seen
                regular_seen += 1
    return ahead


def publication(queue: HubQueue, unit_code: int) -> hub_wire.TicketPagePublication:
    """The hub's public queue state now."""
    now = queue.now()
    tickets = queue.day_tickets()
    ahead = people_ahead(tickets)
    shown = [
        ticket for ticket in tickets
        if ticket.state is not TicketState.DONE
        or (ticket.finished_at is not None and now - ticket.finished_at <= SERVED_SHOWN_FOR)
    ]
    names = {service.code: service for service in queue.services()}
    services = [
        hub_wire.PublicService(
            service=load.service, name=names[load.service].name,
            name_en=names[load.service].name_en, waiting=load.waiting,
            counters_open=load.counters_open,
            average_service_seconds=(None if load.average_service_seconds is None
                                     else max(1, load.average_service_seconds)))
        for load in queue.loads()
    ]
    return hub_wire.TicketPagePublication(
        unit_code=unit_code, published_at=now, service_day=queue.service_day(),
        services=services,
        tickets=[hub_wire.PublicTicket(
            token=page_token(ticket.submission_uuid), number=ticket.number,
            service=ticket.service, state=ticket.state.value,
            people_ahead=ahead.get(ticket.id, 0), counter=ticket.counter)
            for ticket in shown[-hub_wire.MAX_PUBLIC_TICKETS:]])


class PublishError(Exception):
    """The city did not take the publication (the next round sends a fresh one)."""


class CityStateLink:
    """Posts the public queue state to the city backend."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0,
                 session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + hub_wire.TICKET_PAGES
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"motcua-hub/{__version__}"})

    def send(self, state: hub_wire.TicketPagePublication) -> hub_wire.TicketPageAck:
        """The city's answer (PublishError when there is none)."""
        try:
            response = self.session.post(self.url, data=state.model_dump_json(),
                                         headers={"Content-Type": "application/json"},
                                         timeout=self.timeout)
            _ = response.content
        except requests.RequestException as error:
            raise PublishError(type(error).__name__) from None
        if response.status_code != 200:
            raise PublishError(f"{response.status_code} {response.text[:200]}")
        return hub_wire.TicketPageAck.model_validate_json(response.content)

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


class StatePublisher:
    """Publishes the hub's public queue state when it changed, or when it grew old."""

    def __init__(self, queue: HubQueue, city: CityStateLink, *, unit_code: int,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.queue = queue
        self.city = city
        self.unit_code = unit_code
        self.monotonic = monotonic
        self._sent_seq: int | None = None
        self._sent_at = 0.0

    def run_once(self) -> bool:
        """Post if due; whether a post was taken by the city."""
        seq = self.queue.last_event_seq()
        fresh = self.monotonic() - self._sent_at < REFRESH_SECONDS
        if seq == self._sent_seq and fresh:
            return False
        try:
            self.city.send(publication(self.queue, self.unit_code))
        except PublishError as error:
            log.warning("publishing the queue for phones failed (%s)", error)
            return False
        self._sent_seq, self._sent_at = seq, self.monotonic()
        return True
