"""Application statuses: the back office's updates, each kiosk's status feed, and the
look-up of a receipt code."""

from __future__ import annotations

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart, item_result
from office.store.credentials import Principal
from sync import wire

#: Advisory lock key (PostgreSQL) that serializes the inserts of the status feed.
STATUS_FEED_LOCK = 0x6D6F7402


class Statuses(StorePart):
    """Status events of stored submissions, appended by the back office, read by kiosks."""

    def update_statuses(
        self, principal: Principal, batch: wire.StatusUpdateBatch
    ) -> wire.StatusUpdateResult:
        """Append a status event per known submission; unknown ones are rejected."""
        stamp = self._stamp()
        results: list[wire.ItemResult] = []
        with write_transaction(self.engine) as connection:
            self._serialize(connection, STATUS_FEED_LOCK)
            known = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    sa.select(schema.submissions.c.uuid, schema.submissions.c.kiosk_id,
                              schema.submissions.c.receipt_code)
                    .where(schema.submissions.c.uuid.in_(
                        {update.submission_uuid for update in batch.updates}))
                )
            }
            rows = []
            for update in batch.updates:
                found = known.get(update.submission_uuid)
                if found is None:
                    results.append(item_result(update.submission_uuid, wire.ItemOutcome.REJECTED,
                                           "no submission with this UUID"))
                    continue
                rows.append({
                    "submission_uuid": update.submission_uuid, "kiosk_id": found[0],
                    "receipt_code": found[1], "status": update.status.value,
                    "note": update.note, "updated_at": stamp, "client_id": principal.client_id,
                })
                results.append(item_result(update.submission_uuid, wire.ItemOutcome.ACCEPTED))
            if rows:
                connection.execute(schema.status_events.insert(), rows)
        return wire.StatusUpdateResult(results=results)

    def status_feed(self, kiosk_id: str, after: int, limit: int) -> wire.StatusPage:
        """Status events of ``kiosk_id``'s submissions after cursor ``after``."""
        table = schema.status_events
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(table.c.cursor, table.c.submission_uuid, table.c.receipt_code,
                          table.c.status, table.c.note, table.c.updated_at)
                .where(table.c.kiosk_id == kiosk_id, table.c.cursor > after)
                .order_by(table.c.cursor)
                .limit(limit + 1)
            ).all()
        page = rows[:limit]
        return wire.StatusPage(
            items=[
                wire.StatusEvent(cursor=str(row[0]), submission_uuid=row[1],
                                 receipt_code=row[2], status=row[3], note=row[4],
                                 updated_at=row[5])
                for row in page
            ],
            next_cursor=str(page[-1][0]) if page else str(after),
            has_more=len(rows) > limit,
        )

    def look_up_application(self, receipt_code: str) -> wire.ApplicationLookup:
        """What the office knows of ``receipt_code``: every submission stored with it
        (codes are random, so rarely more than one), newest received first, each with its
        latest status if any. Nothing personal: only the kind and procedure of the body."""
        submissions, events = schema.submissions, schema.status_events
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(submissions.c.uuid, submissions.c.received_at, submissions.c.body)
                .where(submissions.c.receipt_code == receipt_code)
                .order_by(submissions.c.cursor.desc())
            ).all()
            # The latest event of each: its largest cursor (index status_events_submission).
            latest = (
                sa.select(sa.func.max(events.c.cursor))
                .where(events.c.submission_uuid.in_([row[0] for row in rows]))
                .group_by(events.c.submission_uuid)
            )
            statuses = {
                row[0]: (row[1], row[2], row[3])
                for row in connection.execute(
                    sa.select(events.c.submission_uuid, events.c.status, events.c.note,
                              events.c.updated_at)
                    .where(events.c.cursor.in_(latest))
                )
            }
        found = []
        for submission_uuid, received_at, body in rows:
            submission = wire.read_submission(body)
            status, note, updated_at = statuses.get(submission_uuid, (None, None, None))
            found.append(wire.ApplicationFound(
                submission_uuid=submission_uuid, kind=submission.kind,
                procedure_code=submission.procedure_code, received_at=received_at,
                status=status, note=note, updated_at=updated_at,
            ))
        return wire.ApplicationLookup(receipt_code=receipt_code, applications=found)
