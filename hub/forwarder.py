"""The hub's queue events to the city, each exactly once, however long the link is down.

Every move of every ticket is an event row with a UUID, written in the transaction of the
move (:mod:`hub.queue`): that table is the hub's outbox. The forwarder posts the oldest
unacknowledged events in batches to the city (``POST /v1/queue-events``, the hub enrolled
there like a kiosk) and marks those the city holds (new or already had: a retry after a lost
answer) as forwarded; nothing is marked before the city answered, so a crash or a cut
link only means sending again, and the UUID makes that harmless. Events are never
deleted. A UUID the city holds with another body is logged and not sent again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import requests
from pydantic import ValidationError

from hub.queue import HubQueue, QueueEvent
from kiosk import __version__
from sync import hub_wire

log = logging.getLogger(__name__)
BATCH = 200
MAX_BACKOFF_SECONDS = 300.0


class ForwardError(Exception):
    """The city did not take the batch (it stays unforwarded and is sent again)."""


@dataclass
class ForwardRound:
    """What one round sent."""

    forwarded: int = 0
    conflicts: int = 0
    error: str | None = None


def wire_event(event: QueueEvent) -> hub_wire.QueueEventItem:
    """An event as the city receives it: the same body every time it is sent."""
    ticket = event.ticket
    rated = event.rating is not None
    return hub_wire.QueueEventItem(
        uuid=uuid.UUID(event.uuid), action=event.action.value, state=event.state.value,
        ticket_number=ticket.number, ticket_uuid=uuid.UUID(ticket.submission_uuid),
        service=event.service, priority=ticket.priority.value,
        service_day=ticket.service_day, counter=event.counter, officer=event.officer,
        at=event.at, rating=event.rating.value if event.rating is not None else None,
        called_at=ticket.called_at if rated else None,
        serving_at=ticket.serving_at if rated else None,
        finished_at=ticket.finished_at if rated else None)


class CityLink:
    """Posts batches of events to the city backend."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + hub_wire.QUEUE_EVENTS
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"motcua-hub/{__version__}"})

    def send(self, batch: hub_wire.QueueEventBatch) -> hub_wire.QueueEventAck:
        """The city's acknowledgement of ``batch`` (ForwardError if there is none)."""
        try:
            response = self.session.post(self.url, data=batch.model_dump_json(),
                                         headers={"Content-Type": "application/json"},
                                         timeout=self.timeout)
            _ = response.content
        except requests.RequestException as error:
            raise ForwardError(f"{type(error).__name__}") from None
        if response.status_code != 200:
            raise ForwardError(f"{response.status_code} {response.text[:200]}")
        try:
            return hub_wire.QueueEventAck.model_validate_json(response.content)
        except ValidationError:
            raise ForwardError("unreadable answer") from None

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


class Forwarder:
    """Drains the hub's unforwarded events into the city."""

    def __init__(self, queue: HubQueue, city: CityLink, *, unit_code: int) -> None:
        self.queue = queue
        self.city = city
        self.unit_code = unit_code

    def run_once(self) -> ForwardRound:
        """Send until nothing is left or the city cannot take more."""
        report = ForwardRound()
        while events := self.queue.unforwarded(BATCH):
            batch = hub_wire.QueueEventBatch(unit_code=self.unit_code,
                                             events=[wire_event(event) for event in events])
            try:
                ack = self.city.send(batch)
            except ForwardError as error:
                report.error = str(error)
                return report
            held = [str(item) for item in (*ack.accepted, *ack.duplicates)]
            for conflict in ack.conflicts:
                log.error("the city holds queue event %s with another body", conflict)
            report.conflicts += len(ack.conflicts)
            report.forwarded += self.queue.mark_forwarded(
                held + [str(item) for item in ack.conflicts])
            if not held and not ack.conflicts:
                report.error = "the city acknowledged none of the batch"
                return report
        return report

    def run_forever(self, stop: threading.Event, interval: float,
                    wait: Callable[[float], bool] | None = None,
                    also: Callable[[], object] | None = None) -> None:
        """Rounds every ``interval`` seconds, backing off (doubling, capped) while the
        city cannot be reached, until ``stop`` is set; ``also`` runs after each round (the
        public queue state for phones, :mod:`hub.city_state`)."""
        wait = wait or stop.wait
        delay = interval
        while True:
            report = self.run_once()
            if also is not None:
                also()
            if report.error is None:
                delay = interval
            else:
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                log.warning("forwarding queue events failed (%s); next try in %.0f s",
                            report.error, delay)
            if wait(delay):
                return
