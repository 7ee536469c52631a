"""Submissions from kiosks: stored once each, conflicts recorded, the back office's pull feed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from office import schema
from office.database import read_snapshot, write_transaction
from office.keys import SealedDataError, SealingKeys
from office.store.base import StorePart, item_result, utc_now
from sync import wire

#: Advisory lock key (PostgreSQL) that serializes the inserts of the submission feed.
_SUBMISSION_FEED_LOCK = 0x6D6F7401


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
        """
        items = batch.submissions
        digests = [wire.body_digest(item) for item in items]
        stamp = self._stamp()
        results: list[wire.ItemResult] = []
        with write_transaction(self.engine) as connection:
            self._serialize(connection, _SUBMISSION_FEED_LOCK)
            stored: dict[uuid.UUID, str] = dict(
                connection.execute(
                    sa.select(schema.submissions.c.uuid, schema.submissions.c.body_sha256)
                    .where(schema.submissions.c.uuid.in_({item.uuid for item in items}))
                ).all()
            )
            # A batch is one kiosk's (the API checks): one unit for all its items.
            units = dict(connection.execute(
                sa.select(schema.kiosk_units.c.kiosk_id, schema.kiosk_units.c.unit_code)
                .where(schema.kiosk_units.c.kiosk_id.in_({item.kiosk_id for item in items}))
            ).all())
            new_rows: list[dict[str, object]] = []
            conflict_rows: dict[tuple[uuid.UUID, str], dict[str, object]] = {}
            for item, digest in zip(items, digests, strict=True):
                known = stored.get(item.uuid)
                if known is None:
                    rejection = self._rejection(item)
                    if rejection is not None:
                        results.append(item_result(item.uuid, wire.ItemOutcome.REJECTED, rejection))
                        continue
                    stored[item.uuid] = digest
                    new_rows.append(
                        {"uuid": item.uuid, "kiosk_id": item.kiosk_id,
                         "kiosk_seq": item.kiosk_seq, "receipt_code": item.receipt_code,
                         "body": wire.canonical_json(item).decode("utf-8"),
                         "body_sha256": digest, "received_at": stamp,
                         "kind": item.kind.value, "procedure_code": item.procedure_code,
                         "unit_code": units.get(item.kiosk_id)}
                    )
                    results.append(item_result(item.uuid, wire.ItemOutcome.ACCEPTED))
                elif known == digest:
                    results.append(item_result(item.uuid, wire.ItemOutcome.ACCEPTED))
                else:
                    conflict_rows[(item.uuid, digest)] = {
                        "uuid": item.uuid, "kiosk_id": item.kiosk_id,
                        "body": wire.canonical_json(item).decode("utf-8"),
                        "body_sha256": digest, "received_at": stamp,
                    }
                    results.append(item_result(
                        item.uuid, wire.ItemOutcome.CONFLICT,
                        "this UUID is stored with a different body; the new body was "
                        "recorded as a conflict, not stored",
                    ))
            if new_rows:
                connection.execute(schema.submissions.insert(), new_rows)
            if conflict_rows:
                self._record_conflicts(connection, list(conflict_rows.values()))
        return wire.BatchResult(results=results)

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
        if fresh:
            connection.execute(schema.conflicts.insert(), fresh)

    def pull(self, after: int, limit: int) -> wire.SubmissionPage:
        """Submissions stored after cursor ``after``, oldest first, identities opened."""
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(schema.submissions.c.cursor, schema.submissions.c.received_at,
                          schema.submissions.c.body)
                .where(schema.submissions.c.cursor > after)
                .order_by(schema.submissions.c.cursor)
                .limit(limit + 1)
            ).all()
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
