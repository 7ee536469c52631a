"""Hubs' public queue states at the city, for the tickets' phone pages.

A hub posts its queue as phones should see it (``POST /v1/ticket-pages``,
:mod:`hub.city_state`); each post replaces that hub's previous one, unless it is older (a
delayed post never undoes a newer one: 409). The citizen's page (``office/web/ticket_page.py``)
finds one ticket by its page token, the only key there is: 100 random bits, so tickets
cannot be listed or guessed.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from office.app import Hub, StoreDep
from office.store.base import NotNewerError
from office.store.ticket_pages import TicketPages
from sync import hub_wire

router = APIRouter()


@router.post(hub_wire.TICKET_PAGES, response_model=hub_wire.TicketPageAck, tags=["hub"],
             responses={403: {"description": "not a hub token, or another unit"},
                        409: {"description": "older than the state served"}})
def receive_ticket_pages(state: hub_wire.TicketPagePublication, caller: Hub,
                         store: StoreDep) -> hub_wire.TicketPageAck:
    """A hub publishes its queue for its tickets' phone pages (replacing its last one); a
    hub token only, for the hub's own unit."""
    caller.check_unit(state.unit_code)
    try:
        return TicketPages(store.engine, clock=store.clock).publish(caller.hub_id, state)
    except NotNewerError as error:
        raise HTTPException(409, str(error)) from None
