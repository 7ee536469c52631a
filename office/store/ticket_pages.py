"""Hubs' public queue states at the city (the store's part; the API is office/ticket_pages.py).

Each hub's latest publication replaces its previous one, unless it is older (a delayed post
never undoes a newer one); one ticket is found by its page token only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import NotNewerError, StorePart
from sync import hub_wire

#: Advisory lock class (PostgreSQL; the second key is a hash of the hub) serializing one
#: hub's publications.
_TICKET_PAGES_LOCK = 0x6D6F7405

@dataclass(frozen=True)
class TicketPage:
    """What a ticket's page shows."""

    ticket: hub_wire.PublicTicket
    service: hub_wire.PublicService | None
    unit_code: int
    published_at: dt.datetime


class TicketPages(StorePart):
    """The public queue state of every hub."""

    def publish(self, hub_id: str,
                state: hub_wire.TicketPagePublication) -> hub_wire.TicketPageAck:
        """Serve ``state`` for ``hub_id``'s tickets (NotNewerError: an older one)."""
        published_at = state.published_at.astimezone(dt.UTC).isoformat(
            timespec="milliseconds")
        hubs, pages = schema.ticket_page_hubs, schema.ticket_pages
        services = json.dumps([s.model_dump(mode="json") for s in state.services],
                              ensure_ascii=False, separators=(",", ":"))
        with write_transaction(self.engine) as connection:
            self._serialize(connection, _TICKET_PAGES_LOCK)
            current = connection.execute(
                sa.select(hubs.c.published_at).where(hubs.c.hub_id == hub_id)
            ).scalar_one_or_none()
            # One fixed UTC format: comparing the texts compares the times.
            if current is not None and published_at < current:
                raise NotNewerError(f"a later queue state ({current}) is served")
            values = {"unit_code": state.unit_code, "published_at": published_at,
                      "received_at": self._stamp(), "service_day": state.service_day,
                      "services": services}
            if current is None:
                connection.execute(hubs.insert().values(hub_id=hub_id, **values))
            else:
                connection.execute(hubs.update().where(hubs.c.hub_id == hub_id)
                                   .values(**values))
            connection.execute(pages.delete().where(pages.c.hub_id == hub_id))
            tokens = [ticket.token for ticket in state.tickets]
            # A token another hub holds is not taken over (tokens are random: only a
            # confused or hostile hub would send one).
            taken = set(connection.execute(
                sa.select(pages.c.token).where(pages.c.token.in_(tokens))).scalars()) \
                if tokens else set()
            rows = [{"token": t.token, "hub_id": hub_id, "number": t.number,
                     "service": t.service, "state": t.state, "people_ahead": t.people_ahead,
                     "counter": t.counter}
                    for t in state.tickets if t.token not in taken]
            if rows:
                connection.execute(pages.insert(), rows)
        return hub_wire.TicketPageAck(tickets=len(rows), published_at=state.published_at)

    def page(self, token: str) -> TicketPage | None:
        """The ticket with page token ``token``, or None."""
        hubs, pages = schema.ticket_page_hubs, schema.ticket_pages
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(pages, hubs.c.unit_code, hubs.c.published_at, hubs.c.services)
                .join(hubs, hubs.c.hub_id == pages.c.hub_id)
                .where(pages.c.token == token)).one_or_none()
        if row is None:
            return None
        ticket = hub_wire.PublicTicket(token=row.token, number=row.number, service=row.service,
                                       state=row.state, people_ahead=row.people_ahead,
                                       counter=row.counter)
        services = [hub_wire.PublicService.model_validate(item)
                    for item in json.loads(row.services)]
        service = next((s for s in services if s.service == row.service), None)
        return TicketPage(ticket, service, row.unit_code,
                          dt.datetime.fromisoformat(row.published_at))
