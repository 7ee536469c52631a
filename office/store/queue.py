"""The queues of service points, as their back office publishes them for kiosks."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import NotNewerError, StorePart
from office.store.credentials import Principal
from sync import wire

#: Advisory lock class (PostgreSQL; the second key is the unit code) that serializes the
#: queue publications of one service point.
_QUEUE_LOCK = 0x6D6F7403
#: How far a queue publication's ``published_at`` may be ahead of the backend's clock (the
#: skew between the two clocks): one stamped later would hold off every real publication
#: of that service point until its time came.
MAX_QUEUE_CLOCK_AHEAD = dt.timedelta(minutes=5)


class PublishedAtError(ValueError):
    """A queue publication stamped too far ahead of the backend's clock, or out of range."""


class Queues(StorePart):
    """The queue served now for each service point; only a later one replaces it."""

    def publish_queue(
        self, unit_code: int, publication: wire.QueuePublication, principal: Principal
    ) -> wire.QueueState:
        """Serve ``publication`` as the queue of service point ``unit_code``; returns it.

        The caller has checked the unit code. A publication not later than the one served
        is refused (:class:`NotNewerError`), so a delayed one never replaces a newer one;
        one stamped more than :data:`MAX_QUEUE_CLOCK_AHEAD` ahead of the backend's clock
        is refused (:class:`PublishedAtError`).
        """
        ahead = publication.published_at - self.clock()
        if ahead > MAX_QUEUE_CLOCK_AHEAD:
            raise PublishedAtError(
                f"published_at is {_minutes(ahead)} ahead of the backend's clock (at most "
                f"{_minutes(MAX_QUEUE_CLOCK_AHEAD)}): is the publisher's clock right?"
            )
        published_at = _queue_time(publication.published_at)
        stamp = self._stamp()
        body = json.dumps([entry.model_dump(mode="json") for entry in publication.services],
                          ensure_ascii=False, separators=(",", ":"))
        table = schema.queue_states
        with write_transaction(self.engine) as connection:
            if is_postgresql(self.engine):
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(
                    sa.cast(_QUEUE_LOCK, sa.Integer), sa.cast(unit_code, sa.Integer))))
            current = connection.execute(
                sa.select(table.c.published_at).where(table.c.unit_code == unit_code)
            ).scalar_one_or_none()
            # One fixed UTC format: comparing the texts compares the times.
            if current is not None and published_at <= current:
                raise NotNewerError(
                    f"the queue of unit {unit_code} published at {current} is served; "
                    f"publish a later one than {published_at}"
                )
            values = {"published_at": published_at, "received_at": stamp,
                      "client_id": principal.client_id, "body": body}
            if current is None:
                connection.execute(table.insert().values(unit_code=unit_code, **values))
            else:
                connection.execute(table.update().where(table.c.unit_code == unit_code)
                                   .values(**values))
        return wire.QueueState(unit_code=unit_code,
                               published_at=dt.datetime.fromisoformat(published_at),
                               received_at=stamp, services=list(publication.services))

    def queue_state(self, unit_code: int) -> wire.QueueState | None:
        """The queue of ``unit_code`` served now, or None before its first publication."""
        table = schema.queue_states
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.published_at, table.c.received_at, table.c.body)
                .where(table.c.unit_code == unit_code)
            ).first()
        if row is None:
            return None
        return wire.QueueState(
            unit_code=unit_code, published_at=dt.datetime.fromisoformat(row[0]),
            received_at=row[1],
            services=[wire.ServiceQueue.model_validate(entry) for entry in json.loads(row[2])],
        )


def _queue_time(moment: dt.datetime) -> str:
    """How ``published_at`` is stored: UTC, microseconds, always the same width."""
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        raise PublishedAtError(f"published_at {moment.isoformat()} is out of range") from None
    return utc.isoformat(timespec="microseconds")


def _minutes(delta: dt.timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes:.0f} minutes" if minutes < 60 * 48 else f"{minutes / 1440:.0f} days"
