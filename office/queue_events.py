"""Service points' queue events at the city: received from hubs once, served as a feed.

A hub (enrolled with a hub token of its own: ``kiosk backend add-hub HUB-ID --unit U``)
posts each move of each ticket, for its unit only, with its UUID (``POST
/v1/queue-events``); a UUID already stored with the same body is a duplicate (the hub's
retry after a lost answer), with another body a conflict, never an overwrite. The back
office reads them in order with a gapless cursor (``GET /v1/queue-events``) to compute wait
and service times per service, counter and officer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from fastapi import APIRouter

from office import schema
from office.app import After, Hub, Limit, Puller, StoreDep
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart
from sync import hub_wire

#: Advisory lock class (PostgreSQL) serializing inserts into the queue-event feed.
_QUEUE_EVENT_FEED_LOCK = 0x6D6F7404

router = APIRouter()


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _body(event: hub_wire.QueueEventItem) -> str:
    return event.model_dump_json()


def event_row(hub_id: str, unit_code: int, event: hub_wire.QueueEventItem, *, body: str,
              digest: str, received_at: str) -> dict[str, object]:
    """The ``queue_events`` row of an event: its body, and the columns copied from it that
    the back office filters and aggregates on."""
    return {"uuid": event.uuid, "hub_id": hub_id, "unit_code": unit_code,
            "action": event.action, "service": event.service, "counter": event.counter,
            "officer": event.officer, "at": event.at.isoformat(), "body": body,
            "body_sha256": digest, "received_at": received_at,
            "service_day": event.service_day, "ticket_uuid": event.ticket_uuid,
            "rating": event.rating,
            "at_us": (event.at - _EPOCH) // dt.timedelta(microseconds=1)}


class QueueEvents(StorePart):
    """The queue-event feed of every service point."""

    def record(self, hub_id: str, batch: hub_wire.QueueEventBatch) -> hub_wire.QueueEventAck:
        """Store each new event once; say which were new, known, or in conflict."""
        table = schema.queue_events
        stamp = self._stamp()
        accepted: list[uuid.UUID] = []
        duplicates: list[uuid.UUID] = []
        conflicts: list[uuid.UUID] = []
        with write_transaction(self.engine) as connection:
            self._serialize(connection, _QUEUE_EVENT_FEED_LOCK)
            stored: dict[uuid.UUID, str] = dict(connection.execute(
                sa.select(table.c.uuid, table.c.body_sha256)
                .where(table.c.uuid.in_({event.uuid for event in batch.events}))).all())
            rows = []
            for event in batch.events:
                body = _body(event)
                digest = hashlib.sha256(body.encode()).hexdigest()
                known = stored.get(event.uuid)
                if known is None:
                    stored[event.uuid] = digest
                    rows.append(event_row(hub_id, batch.unit_code, event, body=body,
                                          digest=digest, received_at=stamp))
                    accepted.append(event.uuid)
                elif known == digest:
                    duplicates.append(event.uuid)
                else:
                    conflicts.append(event.uuid)
            if rows:
                connection.execute(table.insert(), rows)
        return hub_wire.QueueEventAck(accepted=accepted, duplicates=duplicates,
                                      conflicts=conflicts)

    def pull(self, after: int, limit: int) -> hub_wire.QueueEventPage:
        """Events after cursor ``after``, oldest first."""
        table = schema.queue_events
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(table.c.cursor, table.c.hub_id, table.c.unit_code, table.c.body,
                          table.c.received_at)
                .where(table.c.cursor > after).order_by(table.c.cursor).limit(limit + 1)
            ).all()
        more = len(rows) > limit
        items = [
            hub_wire.QueueEventRecord(
                cursor=str(row.cursor), hub_id=row.hub_id, unit_code=row.unit_code,
                event=hub_wire.QueueEventItem.model_validate_json(row.body),
                received_at=row.received_at)
            for row in rows[:limit]
        ]
        return hub_wire.QueueEventPage(
            items=items, next_cursor=items[-1].cursor if items else str(after), has_more=more)


@router.post(hub_wire.QUEUE_EVENTS, response_model=hub_wire.QueueEventAck, tags=["hub"],
             responses={403: {"description": "not a hub token, or another unit"}})
def receive_queue_events(batch: hub_wire.QueueEventBatch, caller: Hub,
                         store: StoreDep) -> hub_wire.QueueEventAck:
    """A hub delivers its queue events (idempotent by each event's UUID); a hub token
    only, for the hub's own unit."""
    caller.check_unit(batch.unit_code)
    return QueueEvents(store.engine, clock=store.clock).record(caller.hub_id, batch)


@router.get(hub_wire.QUEUE_EVENTS, response_model=hub_wire.QueueEventPage,
            tags=["back office"])
def queue_event_feed(caller: Puller, store: StoreDep, after: After = "0",
                     limit: Limit = 100) -> hub_wire.QueueEventPage:
    """The back office reads every service point's queue events in order."""
    return QueueEvents(store.engine, clock=store.clock).pull(int(after), limit)
