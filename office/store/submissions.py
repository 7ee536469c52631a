"""Submissions from kiosks: stored once each, conflicts recorded, the back office's pull feed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Connection, Engine

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.keys import SealedDataError, SealingKeys
from office.store.base import StorePart, item_result, utc_now
from sync import wire

#: Feed positions per PostgreSQL transaction: more than a batch's items (see below).
FEED_SLOTS = 1024
assert wire.MAX_BATCH_ITEMS < FEED_SLOTS


def _transaction_base(connection: Connection) -> int:
    """The first feed position of this PostgreSQL transaction: its id times FEED_SLOTS.

    How the feed stays gap-free without a lock between writers: a transaction's rows take
    positions ``id * FEED_SLOTS + n``, and a reader returns only the positions below
    ``xmin * FEED_SLOTS`` of its own snapshot (:func:`_visible_below`), where ``xmin`` is
    the oldest transaction still running. Every transaction older than ``xmin`` has ended,
    so its rows are all visible (or rolled back for good); every row that commits later
    belongs to a transaction whose id is at least ``xmin``, so its position is above all
    that reader returned. Rows appear in the order of the ids, after at most the longest
    transaction then running. Transaction ids (``xid8``) are 64-bit and never wrap.
    """
    xid = connection.execute(sa.text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    return int(xid) * FEED_SLOTS


def _visible_below() -> sa.ColumnElement[int]:
    """The watermark of :func:`_transaction_base`, in the reading statement's snapshot."""
    return sa.literal_column(
        f"(pg_snapshot_xmin(pg_current_snapshot())::text::bigint * {FEED_SLOTS})")


@dataclass(frozen=True)
class _Prepared:
    """One item of a batch with what is computed from it before any transaction."""

    item: wire.WireSubmission
    digest: str
    body: str
    rejection: str | None


def _decide(
    prepared: list[_Prepared], stored: dict[uuid.UUID, str],
    new_rows: dict[uuid.UUID, dict[str, object]], stamp: str,
) -> tuple[list[wire.ItemResult], list[dict[str, object]]]:
    """Each item's result, and the conflicts to record, once the new rows are in."""
    results: list[wire.ItemResult] = []
    conflicts: dict[tuple[uuid.UUID, str], dict[str, object]] = {}
    for entry in prepared:
        item = entry.item
        known = stored.get(item.uuid)
        if item.uuid in new_rows:
            known = str(new_rows[item.uuid]["body_sha256"])
        if known is None:
            results.append(item_result(item.uuid, wire.ItemOutcome.REJECTED, entry.rejection))
        elif known == entry.digest:
            results.append(item_result(item.uuid, wire.ItemOutcome.ACCEPTED))
        else:
            conflicts[(item.uuid, entry.digest)] = {
                "uuid": item.uuid, "kiosk_id": item.kiosk_id, "body": entry.body,
                "body_sha256": entry.digest, "received_at": stamp,
            }
            results.append(item_result(
                item.uuid, wire.ItemOutcome.CONFLICT,
                "this UUID is stored with a different body; the new body was "
                "recorded as a conflict, not stored",
            ))
    return results, list(conflicts.values())


class Submissions(StorePart):
    """Ingesting batches and serving them, identities opened, to the back office."""

    def __init__(
        self, engine: Engine, keys: SealingKeys, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        super().__init__(engine, clock=clock)
        #: Opens the citizens' sealed identities; replaced when the keys are rotated.
        self.keys = keys

    def ingest(self, batch: wire.SubmissionBatch) -> wire.BatchResult:
        """Store each new submission once; answer a replay as the first time.

        The caller has checked that every item belongs to the authenticated kiosk. A
        UUID already stored with another body is a conflict: recorded, never stored.

        The CPU work (digests, canonical JSON, opening sealed identities) is done before
        the transaction, and no lock is shared between writers: on PostgreSQL the feed's
        order comes from each transaction's id (:func:`_feed_positions`), so batches from
        many workers commit at once; SQLite has one writer anyway.
        """
        prepared = [
            _Prepared(item, wire.body_digest(item), wire.canonical_json(item).decode("utf-8"),
                      self._rejection(item))
            for item in batch.submissions
        ]
        stamp = self._stamp()
        postgresql = is_postgresql(self.engine)
        with write_transaction(self.engine) as connection:
            # Before any row is written, so every position this transaction hands out is
            # at least its id times FEED_SLOTS (see _feed_positions).
            base = _transaction_base(connection) if postgresql else None
            uuids = {entry.item.uuid for entry in prepared}
            stored = self._digests(connection, uuids)
            # A batch is one kiosk's (the API checks): one unit for all its items.
            units = dict(connection.execute(
                sa.select(schema.kiosk_units.c.kiosk_id, schema.kiosk_units.c.unit_code)
                .where(schema.kiosk_units.c.kiosk_id.in_(
                    {entry.item.kiosk_id for entry in prepared}))
            ).all())
            new_rows: dict[uuid.UUID, dict[str, object]] = {}
            for entry in prepared:
                item = entry.item
                if item.uuid in stored or item.uuid in new_rows or entry.rejection is not None:
                    continue
                new_rows[item.uuid] = {
                    "uuid": item.uuid, "kiosk_id": item.kiosk_id,
                    "kiosk_seq": item.kiosk_seq, "receipt_code": item.receipt_code,
                    "body": entry.body, "body_sha256": entry.digest, "received_at": stamp,
                    "kind": item.kind.value, "procedure_code": item.procedure_code,
                    "unit_code": units.get(item.kiosk_id)}
            if new_rows:
                lost = self._insert(connection, list(new_rows.values()), base)
                # Another request stored some of these UUIDs first (a retry racing the
                # original): answer them as replays of what it stored.
                stored.update(self._digests(connection, lost))
                for key in lost:
                    del new_rows[key]
            results, conflict_rows = _decide(prepared, stored, new_rows, stamp)
            if conflict_rows:
                self._record_conflicts(connection, conflict_rows)
        return wire.BatchResult(results=results)

    @staticmethod
    def _digests(connection: Connection, uuids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not uuids:
            return {}
        return dict(connection.execute(
            sa.select(schema.submissions.c.uuid, schema.submissions.c.body_sha256)
            .where(schema.submissions.c.uuid.in_(uuids))
        ).all())

    @staticmethod
    def _insert(connection: Connection, rows: list[dict[str, object]], base: int | None
                ) -> set[uuid.UUID]:
        """Insert ``rows``; returns the UUIDs another transaction stored first."""
        if base is None:
            # SQLite: this transaction is the only writer (BEGIN IMMEDIATE).
            connection.execute(schema.submissions.insert(), rows)
            return set()
        # Positions in the batch's order; inserted in UUID order, so two batches racing
        # over the same UUIDs wait for each other in one order and never deadlock.
        for slot, row in enumerate(rows):
            row["cursor"] = base + slot
        rows = sorted(rows, key=lambda row: str(row["uuid"]))
        inserted = set(connection.execute(
            postgresql_insert(schema.submissions).values(rows)
            .on_conflict_do_nothing(index_elements=["uuid"])
            .returning(schema.submissions.c.uuid)
        ).scalars())
        return {row["uuid"] for row in rows if row["uuid"] not in inserted}  # type: ignore[misc]

    def _rejection(self, item: wire.WireSubmission) -> str | None:
        if item.citizen_sealed is None:
            return None
        try:
            self.keys.open(item.citizen_sealed)
        except SealedDataError as error:
            return str(error)
        return None

    def _record_conflicts(self, connection: Connection, rows: list[dict[str, object]]) -> None:
        known = {
            (row[0], row[1])
            for row in connection.execute(
                sa.select(schema.conflicts.c.uuid, schema.conflicts.c.body_sha256).where(
                    schema.conflicts.c.uuid.in_({row["uuid"] for row in rows})
                )
            )
        }
        fresh = [row for row in rows if (row["uuid"], row["body_sha256"]) not in known]
        if not fresh:
            return
        if is_postgresql(self.engine):
            # Two requests may record the same conflict at once (no lock between them).
            connection.execute(postgresql_insert(schema.conflicts).values(fresh)
                               .on_conflict_do_nothing())
        else:
            connection.execute(schema.conflicts.insert(), fresh)

    def pull(self, after: int, limit: int) -> wire.SubmissionPage:
        """Submissions stored after cursor ``after``, oldest first, identities opened."""
        query = (
            sa.select(schema.submissions.c.cursor, schema.submissions.c.received_at,
                      schema.submissions.c.body)
            .where(schema.submissions.c.cursor > after)
            .order_by(schema.submissions.c.cursor)
            .limit(limit + 1)
        )
        if is_postgresql(self.engine):
            query = query.where(schema.submissions.c.cursor < _visible_below())
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(query).all()
        page = rows[:limit]
        items = []
        for cursor, received_at, body in page:
            submission = wire.read_submission(body)
            citizen = (
                None if submission.citizen_sealed is None
                else self.keys.open(submission.citizen_sealed)
            )
            items.append(wire.PulledSubmission(
                cursor=str(cursor), received_at=received_at, submission=submission,
                citizen=citizen,
            ))
        next_cursor = str(page[-1][0]) if page else str(after)
        return wire.SubmissionPage(items=items, next_cursor=next_cursor,
                                   has_more=len(rows) > limit)
