"""The kiosk's link to its service point's hub: tickets in, the live queue back.

Every few seconds (``hub.interval_seconds``, in its own thread of ``kiosk sync run``, so a
city link in backoff never slows the point's queue):

1. **Tickets**: each queue ticket this kiosk issued since the last one the hub took is
   sent, oldest first (the kiosk's sequence). The hub's answer advances the cursor; a
   ticket the hub refuses for good (409: its number taken, or its UUID known with another
   ticket) is logged and passed over, so one bad ticket never holds the others back. When
   the hub cannot be reached nothing advances, and on reconnect the tickets made meanwhile
   join its queue in the order they were issued.
2. **Queue**: the hub's live load of each service is kept as the queue publication
   (:func:`kiosk.queue_state.store_queue`), which the ticket slip and the service choice
   read for people ahead and the wait; the kiosk's own tickets issued since are added by
   the same policy as for a publication from the city.

The city path is untouched: submissions still go to the city by the sync agent; with no
``hub.url`` this link does not run and the queue comes from the city.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk import clock
from kiosk.kinds.queue_ticket import QueueTicketDetails
from kiosk.queue_state import store_queue
from kiosk.storage import Database
from kiosk.submissions import Outbox, Submission
from kiosk.sync_state import SyncFact, put_facts, read_fact
from sync import hub_wire
from sync.client import FailureKind, RequestFailedError
from sync.hub_client import HubClient

log = logging.getLogger(__name__)
#: Tickets read from the kiosk database per step.
BATCH = 50


@dataclass
class HubRound:
    """What one round with the hub did."""

    sent: int = 0
    refused: int = 0
    queue_received: bool = False
    failure: RequestFailedError | None = None
    notes: list[str] = field(default_factory=list)


def registration(ticket: Submission) -> hub_wire.TicketRegistration:
    """A kiosk's ticket as the hub takes it."""
    details = QueueTicketDetails.from_json(ticket.details)
    issued = dt.datetime.fromisoformat(ticket.created_at)
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=clock.HANOI)
    return hub_wire.TicketRegistration(
        submission_uuid=ticket.uuid, number=ticket.ticket_number or "",
        service=details.service, priority=details.priority.value,
        service_day=ticket.service_day, issued_at=issued)


class HubLink:
    """Sends this kiosk's tickets to the hub and keeps the hub's live queue."""

    def __init__(self, db: Database, client: HubClient, *, kiosk_id: str,
                 unit_code: int = 0, now: Callable[[], dt.datetime] = clock.now) -> None:
        self.db = db
        self.client = client
        self.unit_code = unit_code
        self.now = now
        self.outbox = Outbox(db, kiosk_id=kiosk_id, queue_prefix="1")

    def run_once(self) -> HubRound:
        """Send what the hub lacks, then read its queue."""
        report = HubRound()
        try:
            self._send_tickets(report)
            self._pull_queue(report)
        except RequestFailedError as failure:
            report.failure = failure
            put_facts(self.db, {SyncFact.HUB_LAST_ERROR: failure.reason,
                                SyncFact.HUB_LAST_ERROR_AT: self._stamp()})
            return report
        put_facts(self.db, {SyncFact.HUB_LAST_SUCCESS_AT: self._stamp()})
        return report

    def run_forever(self, wait: Callable[[float], bool], interval: float) -> None:
        """Rounds every ``interval`` seconds until ``wait`` says stop."""
        while True:
            try:
                report = self.run_once()
            except Exception:  # a bug here must not stop the point's queue for good
                log.exception("hub round failed")
            else:
                if report.failure is not None:
                    log.warning("hub round failed: %s", report.failure.reason)
            if wait(interval):
                return

    def _stamp(self) -> str:
        return self.now().astimezone(clock.HANOI).isoformat(timespec="seconds")

    def _send_tickets(self, report: HubRound) -> None:
        cursor = int(read_fact(self.db, SyncFact.HUB_TICKET_SEQ) or 0)
        while tickets := self.outbox.queue_tickets_after(cursor, BATCH):
            for ticket in tickets:
                try:
                    place = self.client.register(registration(ticket))
                except RequestFailedError as failure:
                    if failure.kind is not FailureKind.REJECTED:
                        raise
                    log.error("the hub refused ticket %s for good: %s", ticket.ticket_number,
                              failure.reason)
                    report.refused += 1
                    report.notes.append(f"{ticket.ticket_number} refused: {failure.reason}")
                else:
                    report.sent += 1
                    report.notes.append(f"{place.number} at the hub, "
                                        f"{place.people_ahead} ahead")
                cursor = ticket.seq
                put_facts(self.db, {SyncFact.HUB_TICKET_SEQ: str(cursor)})

    def _pull_queue(self, report: HubRound) -> None:
        publication = self.client.queue()
        services = [entry.to_core() for entry in publication.services]
        report.queue_received = store_queue(self.db, self.unit_code, publication.published_at,
                                            services, now=self.now())


def hub_thread(make_link: Callable[[], HubLink], stop: threading.Event,
               interval: float) -> threading.Thread:
    """A thread running a link made inside it (its own database connection)."""

    def run() -> None:
        link = make_link()
        try:
            link.run_forever(stop.wait, interval)
        finally:
            link.client.close()
            link.db.close()

    return threading.Thread(target=run, name="hub-link", daemon=True)
