"""What changed for kiosks, kept in each worker's memory: the published documents' ETags,
each kiosk's newest status event and each service point's queue.

``GET /v1/kiosk/changes`` is what every kiosk asks every 30 s; a country's 6,642 kiosks
make that 220 requests a second, nearly all answered "nothing changed". So the answer
comes from memory: :class:`ChangeHeads` reads the database at most once every
:data:`REFRESH_SECONDS` per worker (the publications' ETags, the status events after the
last one it saw, the queues' publication times: small reads, never a catalog's body), and
a change made through any worker is seen by every worker within that time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from office import schema
from office.database import read_snapshot
from office.store.base import StorePart, utc_now
from office.store.publications import CatalogKind
from sync import wire

#: Seconds between two reads of what changed, per worker.
REFRESH_SECONDS = 2.0


@dataclass
class _Heads:
    """What the last refresh read."""

    etags: dict[str, str] = field(default_factory=dict)
    status_cursors: dict[str, int] = field(default_factory=dict)
    last_status: int = 0
    queues: dict[int, str] = field(default_factory=dict)


class ChangeHeads(StorePart):
    """Each kiosk's :class:`wire.KioskChanges`, answered from memory."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now,
                 monotonic: Callable[[], float] = time.monotonic,
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__(engine, clock=clock)
        self._monotonic = monotonic
        self.refresh_seconds = refresh_seconds
        self._heads = _Heads()
        self._next_refresh = float("-inf")
        self._refreshing = threading.Lock()

    def refresh_due(self) -> bool:
        """Whether the memory is older than :attr:`refresh_seconds` (then call
        :meth:`refresh`, in a thread: it reads the database)."""
        return self._monotonic() >= self._next_refresh

    def expire(self) -> None:
        """Read again at the next request (this worker just changed something)."""
        self._next_refresh = float("-inf")

    @property
    def renew_seconds(self) -> float:
        """Seconds between two reads (:data:`REFRESH_SECONDS`)."""
        return self.refresh_seconds

    @property
    def due_at(self) -> float:
        """When (monotonic) the memory gets too old: a request coming later reads first."""
        return self._next_refresh

    def refresh(self) -> None:
        """:meth:`renew` if the memory is too old: the request path's fallback when the
        worker's background upkeep (:mod:`office.upkeep`) has not read in time."""
        if self.refresh_due():
            self.renew()

    def renew(self) -> None:
        """Read what changed since the last read, now; one thread reads, the others answer
        from the memory they have meanwhile."""
        if not self._refreshing.acquire(blocking=False):
            return
        try:
            started = self._monotonic()
            heads = self._heads
            events = schema.status_events
            with read_snapshot(self.engine) as connection:
                etags = {str(kind): str(etag) for kind, etag in connection.execute(
                    sa.select(schema.publications.c.kind, schema.publications.c.etag))}
                newer = connection.execute(
                    sa.select(events.c.kiosk_id, sa.func.max(events.c.cursor))
                    .where(events.c.cursor > heads.last_status)
                    .group_by(events.c.kiosk_id)).all()
                queues = {int(unit): str(published) for unit, published in connection.execute(
                    sa.select(schema.queue_states.c.unit_code,
                              schema.queue_states.c.published_at))}
            # Built aside and swapped whole: a request never sees half a refresh.
            cursors = dict(heads.status_cursors)
            cursors.update({str(kiosk): int(cursor) for kiosk, cursor in newer})
            self._heads = _Heads(etags, cursors, max(cursors.values(), default=0), queues)
            self._next_refresh = started + self.refresh_seconds
        finally:
            self._refreshing.release()

    def changes(self, kiosk_id: str, unit_code: int | None) -> tuple[wire.KioskChanges, str]:
        """What ``kiosk_id`` (serving ``unit_code``) would pull now, and its ETag; from
        memory only."""
        heads = self._heads
        answer = wire.KioskChanges(
            catalog=heads.etags.get(CatalogKind.CATALOG.value),
            catalog_overlay=heads.etags.get(CatalogKind.OVERLAY.value),
            directory=heads.etags.get(CatalogKind.DIRECTORY.value),
            status_cursor=str(heads.status_cursors.get(kiosk_id, 0)),
            queue_published_at=None if unit_code is None else heads.queues.get(unit_code))
        return answer, changes_etag(answer)

    def etag(self, kiosk_id: str, unit_code: int | None) -> str:
        """:meth:`changes`' ETag alone, without building the answer (the unchanged poll's
        shortcut: the model cost a third of its own work)."""
        heads = self._heads
        return _etag_of((
            heads.etags.get(_CATALOG), heads.etags.get(_OVERLAY), heads.etags.get(_DIRECTORY),
            str(heads.status_cursors.get(kiosk_id, 0)),
            None if unit_code is None else heads.queues.get(unit_code)))


_CATALOG, _OVERLAY, _DIRECTORY = (kind.value for kind in (
    CatalogKind.CATALOG, CatalogKind.OVERLAY, CatalogKind.DIRECTORY))


def changes_etag(answer: wire.KioskChanges) -> str:
    """The ETag of an answer: a digest of its values, the same in every worker."""
    return _etag_of((answer.catalog, answer.catalog_overlay, answer.directory,
                     answer.status_cursor, answer.queue_published_at))


def _etag_of(values: tuple[str | None, ...]) -> str:
    text = "\x1f".join(str(value) for value in values)
    return wire.quote_etag(hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest())
