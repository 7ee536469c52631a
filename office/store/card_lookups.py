"""Applications by ID card: what a kiosk may show a citizen who scanned their card.

The city stores, at ingest, the keyed hash of each intake's ID number (office/card_key.py,
office/store/submissions.py); a kiosk sends the same hash for the card in its reader and
gets that card's applications, without any personal data. Rows stored before the hashes
existed get theirs from :meth:`CardLookups.backfill` (``kiosk backend card-hashes``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.keys import SealedDataError
from office.store.base import StorePart
from office.store.submissions import Submissions
from sync import wire

#: Rows read per backfill step (each opens a sealed identity: CPU, not the database).
BACKFILL_STEP = 500


class CardLookups(StorePart):
    """Answers look-ups by card hash; fills in hashes for rows stored without them."""

    def applications(self, card_hash: str) -> list[wire.CardApplication]:
        """The intakes stored with ``card_hash``, newest first: at most
        :data:`wire.MAX_CARD_APPLICATIONS`, received in the last
        :data:`wire.CARD_LOOKUP_DAYS` days, each with its latest status if any."""
        submissions, events = schema.submissions, schema.status_events
        since = (self.clock() - dt.timedelta(days=wire.CARD_LOOKUP_DAYS)).astimezone(dt.UTC)
        with read_snapshot(self.engine) as connection:
            rows = connection.execute(
                sa.select(submissions.c.uuid, submissions.c.receipt_code,
                          submissions.c.procedure_code, submissions.c.received_at)
                .where(submissions.c.card_hash == card_hash,
                       submissions.c.received_at >= since.isoformat(timespec="milliseconds"))
                .order_by(submissions.c.cursor.desc())
                .limit(wire.MAX_CARD_APPLICATIONS)
            ).all()
            latest = (
                sa.select(sa.func.max(events.c.cursor))
                .where(events.c.submission_uuid.in_([row[0] for row in rows]))
                .group_by(events.c.submission_uuid)
            )
            statuses = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    sa.select(events.c.submission_uuid, events.c.status, events.c.updated_at)
                    .where(events.c.cursor.in_(latest)))
            }
        found = []
        for submission_uuid, receipt_code, procedure_code, received_at in rows:
            status, updated_at = statuses.get(submission_uuid, (None, None))
            found.append(wire.CardApplication(
                receipt_code=receipt_code, procedure_code=procedure_code,
                received_at=received_at, status=status, updated_at=updated_at))
        return found

    def backfill(self, submissions: Submissions) -> int:
        """Compute the hash of every stored submission that has a sealed identity and no
        hash yet; the number of rows filled in. Identities that do not open stay NULL."""
        table = schema.submissions
        filled = 0
        after = 0
        while True:
            with read_snapshot(self.engine) as connection:
                rows = connection.execute(
                    sa.select(table.c.cursor, table.c.body)
                    .where(table.c.card_hash.is_(None), table.c.cursor > after)
                    .order_by(table.c.cursor).limit(BACKFILL_STEP)).all()
            if not rows:
                return filled
            after = int(rows[-1][0])
            hashes: list[dict[str, object]] = []
            for cursor, body in rows:
                sealed = wire.read_submission(body).citizen_sealed
                if sealed is None:
                    continue
                try:
                    card_hash = submissions.card_hash_of(submissions.keys.open(sealed))
                except SealedDataError:
                    continue
                if card_hash is not None:
                    hashes.append({"row": cursor, "hash": card_hash})
            if hashes:
                with write_transaction(self.engine) as connection:
                    connection.execute(
                        table.update().where(table.c.cursor == sa.bindparam("row"))
                        .values(card_hash=sa.bindparam("hash")), hashes)
                filled += len(hashes)
