"""What every part of the store shares: the engine, the clock, the feed locks' helper, and
the per-item result of a batch.

Every operation is one transaction. Inserts that assign a feed cursor are serialized (on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by its single writer), so a
consumer that has read up to cursor N never later finds a smaller cursor appear: the pull
feeds have no gaps and no repeats.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from office.database import is_postgresql
from sync import wire


class NotNewerError(ValueError):
    """A publication whose version is not newer than the one served."""


def utc_now() -> dt.datetime:
    """The backend's clock (a server with a working clock, unlike a kiosk)."""
    return dt.datetime.now(dt.UTC)


class StorePart:
    """One concern's operations on the database, over the engine and clock all parts share."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def _stamp(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def _serialize(self, connection: Connection, lock: int) -> None:
        if is_postgresql(self.engine):
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock)))


def item_result(
    item: uuid.UUID, outcome: wire.ItemOutcome, reason: str | None = None
) -> wire.ItemResult:
    """The answer for one item of a batch (a submission or a status update)."""
    return wire.ItemResult(uuid=item, outcome=outcome, status=wire.OUTCOME_STATUS[outcome],
                           reason=reason)
