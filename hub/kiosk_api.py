"""The kiosks' API: register a ticket (idempotent), read a ticket's place, read the queue,
and rate a served ticket scanned at a kiosk (one rating per ticket, kept here)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import JSONResponse

from hub.queue import (
    AlreadyRatedError,
    ConflictError,
    HubQueue,
    NewTicket,
    QueueError,
    Ticket,
)
from hub.web import Web
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.ticket_page import is_token
from sync import hub_wire, wire

router = APIRouter(tags=["kiosks"])


def kiosk_id(web: Web, authorization: Annotated[str | None, Header()] = None) -> str:
    """The kiosk whose bearer token came with the request (else 401)."""
    scheme, _, token = (authorization or "").partition(" ")
    found = web.queue.kiosk_for_token(token) if scheme.lower() == "bearer" else None
    if found is None:
        raise HTTPException(401, "unknown kiosk token", headers={"WWW-Authenticate": "Bearer"})
    web.sightings.saw(found)
    return found


Kiosk = Annotated[str, Depends(kiosk_id)]


@router.post(hub_wire.HubEndpoint.TICKETS.value, response_model=hub_wire.TicketPlace,
             status_code=201)
def register_ticket(web: Web, body: hub_wire.TicketRegistration, kiosk: Kiosk) -> JSONResponse:
    """Queue a kiosk's ticket: 201 new, 200 already here, 409 another ticket, same UUID."""
    new = NewTicket(body.submission_uuid, body.number, body.service,
                    PriorityGroup(body.priority), kiosk, body.service_day, body.issued_at)
    try:
        ticket, created = web.queue.register(new)
    except ConflictError as error:
        raise HTTPException(409, str(error)) from None
    except QueueError as error:
        raise HTTPException(422, str(error)) from None
    place = _place(web.queue, ticket.submission_uuid)
    return JSONResponse(place.model_dump(mode="json"), status_code=201 if created else 200)


@router.get(hub_wire.HubEndpoint.TICKET.value, response_model=hub_wire.TicketPlace)
def ticket_place(web: Web, submission_uuid: str, _kiosk: Kiosk) -> hub_wire.TicketPlace:
    """Where one ticket stands."""
    return _place(web.queue, submission_uuid)


@router.get(hub_wire.HubEndpoint.QUEUE.value, response_model=wire.QueuePublication)
def live_queue(web: Web, _kiosk: Kiosk) -> wire.QueuePublication:
    """Every service's load now, in the city publication's shape (kiosk/queue_state.py)."""
    services = [
        wire.ServiceQueue(service=load.service, waiting=load.waiting,
                          priority_waiting=load.priority_waiting,
                          counters_open=load.counters_open,
                          average_service_seconds=(None if load.average_service_seconds is None
                                                   else max(1, load.average_service_seconds)))
        for load in web.queue.loads()
    ]
    return wire.QueuePublication(published_at=web.queue.now().astimezone(dt.UTC),
                                 services=services)


def _place(queue: HubQueue, submission_uuid: str) -> hub_wire.TicketPlace:
    position = queue.position(submission_uuid)
    if position is None:
        raise HTTPException(404, "no such ticket at this hub")
    ticket = position.ticket
    return hub_wire.TicketPlace(
        submission_uuid=ticket.submission_uuid, number=ticket.number, service=ticket.service,
        state=ticket.state.value, people_ahead=position.people_ahead, counter=ticket.counter)


@router.get(hub_wire.HubEndpoint.RATING.value, response_model=hub_wire.TicketForRating)
def ticket_for_rating(web: Web, token: str, _kiosk: Kiosk) -> hub_wire.TicketForRating:
    """A scanned ticket: who served it, when, and whether it has its rating (404: unknown)."""
    return _for_rating(web.queue, _by_token(web.queue, token))


@router.post(hub_wire.HubEndpoint.RATING.value, response_model=hub_wire.TicketForRating,
             status_code=201)
def rate_ticket(web: Web, token: str, body: hub_wire.TicketRating,
                _kiosk: Kiosk) -> hub_wire.TicketForRating:
    """The citizen's rating of a served ticket: 201 stored (and forwarded to the city as a
    ``rate`` event), 409 rated already, 422 not served, 404 unknown."""
    ticket = _by_token(web.queue, token)
    try:
        web.queue.rate(ticket.id, RatingLevel(body.level))
    except AlreadyRatedError as error:
        raise HTTPException(409, str(error)) from None
    except QueueError as error:
        raise HTTPException(422, str(error)) from None
    return _for_rating(web.queue, web.queue.ticket(ticket.id))


def _by_token(queue: HubQueue, token: str) -> Ticket:
    ticket = queue.ticket_by_token(token) if is_token(token) else None
    if ticket is None:
        raise HTTPException(404, "no such ticket at this hub")
    return ticket


def _for_rating(queue: HubQueue, ticket: Ticket) -> hub_wire.TicketForRating:
    counter_name = None
    if ticket.counter is not None:
        try:
            counter_name = queue.counter(ticket.counter).name
        except QueueError:
            counter_name = None  # a counter since removed: its number still says enough
    officer = queue.officer(ticket.officer) if ticket.officer else None
    return hub_wire.TicketForRating(
        number=ticket.number, service=ticket.service, state=ticket.state.value,
        counter=ticket.counter, counter_name=counter_name, officer=ticket.officer,
        officer_name=officer.name if officer else None, called_at=ticket.called_at,
        serving_at=ticket.serving_at, finished_at=ticket.finished_at,
        rated=queue.is_rated(ticket.id))
