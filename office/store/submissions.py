"""Submissions from kiosks: stored once each, conflicts recorded, the back office's pull feed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Connection, Engine

from kiosk.card_lookup import CardLookupKey
from office import schema
from office.card_key import card_lookup_key
from office.database import is_postgresql, read_snapshot, write_transaction
from office.keys import SealedDataError, SealingKeys
from office.store.base import StorePart, item_result, utc_now
from sync import wire

#: Feed positions per PostgreSQL transaction: more than a batch's items (see below).
FEED_SLOTS = 1024
assert wire.MAX_BATCH_ITEMS < FEED_SLOTS


# The feed's order on PostgreSQL (FEED_SLOTS positions per transaction).
#
# How the feed stays gap-free without a lock between writers: a transaction's rows take
# positions ``id * FEED_SLOTS + n``, and a reader returns only the positions below
# ``xmin * FEED_SLOTS`` of its own snapshot (:func:`_visible_below`), where ``xmin`` is
# the oldest transaction still running. Every transaction older than ``xmin`` has ended,
# so its rows are all visible (or rolled back for good); every row that commits later
# belongs to a transaction whose id is at least ``xmin``, so its position is above all
# that reader returned. Rows appear in the order of the ids, after at most the longest
# transaction then running. Transaction ids (``xid8``) are 64-bit and never wrap.

#: A batch's new rows in one PostgreSQL statement, its one parameter the rows as a JSON
#: array (one text, prepared by the server after a few uses, never compiled again; one
#: JSON text costs the worker a fraction of what adapting an array per column did). Each
#: row's feed position is this transaction's id times FEED_SLOTS plus its slot (above), its
#: unit the kiosk's at this moment. Rows go in UUID order: two batches racing over the same
#: UUIDs wait for each other in one order and never deadlock; ``ON CONFLICT DO NOTHING``
#: waits for the other to end, so a UUID not returned is stored and committed.
#:
#: The driver's own text (psycopg's ``%(name)s`` parameters), sent as it is: by
#: :meth:`Submissions.ingest` (``exec_driver_sql``, nothing for SQLAlchemy to compile) and
#: by the API's lean path on an async connection (office/lean_ingest.py), one text for both.
INSERT_POSTGRESQL = """
    INSERT INTO submissions (cursor, uuid, kiosk_id, kiosk_seq, receipt_code, body,
                             body_sha256, received_at, kind, procedure_code, unit_code,
                             card_hash)
    SELECT pg_current_xact_id()::text::bigint * FEED_SLOTS + item.slot, item.uuid,
           item.kiosk_id, item.kiosk_seq, item.receipt_code, item.body, item.body_sha256,
           item.received_at, item.kind, item.procedure_code,
           (SELECT unit_code FROM kiosk_units WHERE kiosk_units.kiosk_id = item.kiosk_id),
           item.card_hash
    FROM json_to_recordset(CAST(%(rows)s AS json))
         AS item(slot integer, uuid uuid, kiosk_id text, kiosk_seq bigint,
                 receipt_code text, body text, body_sha256 text, received_at text,
                 kind text, procedure_code text, card_hash text)
    ORDER BY item.uuid
    ON CONFLICT (uuid) DO NOTHING
    RETURNING uuid""".replace("FEED_SLOTS", str(FEED_SLOTS))

_ROW_COLUMNS = ("kiosk_id", "kiosk_seq", "receipt_code", "body", "body_sha256",
                "received_at", "kind", "procedure_code", "card_hash")


def insert_parameters(rows: list[dict[str, object]]) -> dict[str, str]:
    """:data:`INSERT_POSTGRESQL`'s parameter: each row with its slot (its place in the
    batch), as one JSON text."""
    records = []
    for slot, row in enumerate(rows):
        record: dict[str, object] = {"slot": slot, "uuid": str(row["uuid"])}
        for column in _ROW_COLUMNS:
            record[column] = row[column]
        records.append(record)
    return {"rows": json.dumps(records, ensure_ascii=False)}


def _new_rows(
    prepared: list[_Prepared], stored: dict[uuid.UUID, str], units: dict[str, int] | None,
    stamp: str,
) -> dict[uuid.UUID, dict[str, object]]:
    """The rows to insert: each item not refused and not ``stored``, the first of a UUID
    sent twice in one batch."""
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
            "unit_code": None if units is None else units.get(item.kiosk_id),
            "card_hash": entry.card_hash}
    return new_rows


def _visible_below() -> sa.ColumnElement[int]:
    """The watermark of the feed's order (above), in the reading statement's snapshot."""
    return sa.literal_column(
        f"(pg_snapshot_xmin(pg_current_snapshot())::text::bigint * {FEED_SLOTS})")


@dataclass(frozen=True)
class _Prepared:
    """One item of a batch with what is computed from it before any transaction."""

    item: wire.WireSubmission
    digest: str
    body: str
    rejection: str | None
    #: The keyed hash of the opened identity's ID number; None without one.
    card_hash: str | None = None


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


class PostgresqlIngest:
    """A batch ready for :data:`INSERT_POSTGRESQL`: its items' CPU work done, its new rows'
    parameters, and what the answer needs once the statement has returned."""

    def __init__(self, prepared: list[_Prepared], stamp: str) -> None:
        self.prepared = prepared
        self.stamp = stamp
        self._new_rows = _new_rows(prepared, {}, None, stamp)
        #: The statement's parameters; None when no item is to be inserted.
        self.parameters = (insert_parameters(list(self._new_rows.values())) if self._new_rows
                           else None)

    def inserted_rows(self, inserted: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, object]]:
        """The new rows the statement inserted (``inserted``: the UUIDs it returned)."""
        returned = set(inserted)
        return {key: row for key, row in self._new_rows.items() if key in returned}

    def unanswered(self, new_rows: dict[uuid.UUID, dict[str, object]]) -> set[uuid.UUID]:
        """The items whose stored digest must be read: not inserted, or refused here."""
        return {entry.item.uuid for entry in self.prepared
                if entry.item.uuid not in new_rows}

    def answer(self, inserted: list[uuid.UUID]) -> wire.BatchResult | None:
        """The answer without reading the database: when every item was inserted and no
        conflict is to be recorded (the usual batch); else None."""
        new_rows = self.inserted_rows(inserted)
        if self.unanswered(new_rows):
            return None
        results, conflict_rows = _decide(self.prepared, {}, new_rows, self.stamp)
        return None if conflict_rows else wire.BatchResult(results=results)


class Submissions(StorePart):
    """Ingesting batches and serving them, identities opened, to the back office."""

    def __init__(
        self, engine: Engine, keys: SealingKeys, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        super().__init__(engine, clock=clock)
        self._keys = keys
        self._card_key = card_lookup_key(keys)

    @property
    def keys(self) -> SealingKeys:
        """Opens the citizens' sealed identities; replaced when the keys are rotated."""
        return self._keys

    @keys.setter
    def keys(self, keys: SealingKeys) -> None:
        self._keys = keys
        self._card_key = card_lookup_key(keys)

    @property
    def card_key(self) -> CardLookupKey:
        """The city's card lookup key (derived from the sealing keys; office/card_key.py)."""
        return self._card_key

    def ingest(self, batch: wire.SubmissionBatch) -> wire.BatchResult:
        """Store each new submission once; answer a replay as the first time.

        The caller has checked that every item belongs to the authenticated kiosk. A
        UUID already stored with another body is a conflict: recorded, never stored.

        The CPU work (digests, canonical JSON, opening sealed identities) is done before
        touching the database, and no lock is shared between writers: on PostgreSQL the
        feed's order comes from each transaction's id (:data:`INSERT_POSTGRESQL`), so batches
        from many workers commit at once, each in one statement; SQLite has one writer.
        """
        prepared = self._prepare(batch)
        stamp = self._stamp()
        if is_postgresql(self.engine):
            return self._ingest_postgresql(PostgresqlIngest(prepared, stamp))
        with write_transaction(self.engine) as connection:
            uuids = {entry.item.uuid for entry in prepared}
            stored = self._digests(connection, uuids)
            new_rows = _new_rows(prepared, stored, self._unit_of(connection, prepared), stamp)
            if new_rows:
                # SQLite: this transaction is the only writer (BEGIN IMMEDIATE).
                connection.execute(schema.submissions.insert(), list(new_rows.values()))
            results, conflict_rows = _decide(prepared, stored, new_rows, stamp)
            if conflict_rows:
                self._record_conflicts(connection, conflict_rows)
        return wire.BatchResult(results=results)

    def _prepare(self, batch: wire.SubmissionBatch) -> list[_Prepared]:
        return [
            _Prepared(item, wire.body_digest(item), wire.canonical_json(item).decode("utf-8"),
                      *self._opened(item))
            for item in batch.submissions
        ]

    def plan_postgresql(self, batch: wire.SubmissionBatch) -> PostgresqlIngest:
        """:meth:`ingest`'s work on PostgreSQL before its one statement, for a caller that
        runs :data:`INSERT_POSTGRESQL` itself (the API's lean path, on an async
        connection) and then calls :meth:`settle_postgresql`."""
        return PostgresqlIngest(self._prepare(batch), self._stamp())

    def _ingest_postgresql(self, plan: PostgresqlIngest) -> wire.BatchResult:
        """The batch's new rows in ONE autocommitted statement (one round trip).

        A single INSERT is atomic on its own, so the batch is still all stored or none
        without BEGIN/COMMIT round trips. Its feed positions and the kiosk's unit are
        computed inside the statement (:data:`INSERT_POSTGRESQL`).
        """
        with self.engine.connect() as plain:
            connection = plain.execution_options(isolation_level="AUTOCOMMIT")
            inserted: list[uuid.UUID] = []
            if plan.parameters is not None:
                inserted = list(connection.exec_driver_sql(INSERT_POSTGRESQL, plan.parameters)
                                .scalars())
            answer = plan.answer(inserted)
            if answer is not None:
                return answer
            return self._settle(connection, plan, inserted)

    def settle_postgresql(self, plan: PostgresqlIngest, inserted: list[uuid.UUID]
                          ) -> wire.BatchResult:
        """The answer once :data:`INSERT_POSTGRESQL` has returned ``inserted`` (after it
        committed), reading what it needs to answer replays and conflicts (blocking: a
        thread's call; :meth:`PostgresqlIngest.answer` first when nothing need be read)."""
        with self.engine.connect() as plain:
            connection = plain.execution_options(isolation_level="AUTOCOMMIT")
            return self._settle(connection, plan, inserted)

    def _settle(self, connection: Connection, plan: PostgresqlIngest,
                inserted: list[uuid.UUID]) -> wire.BatchResult:
        """``ON CONFLICT DO NOTHING`` waits for a racing transaction over the same UUID, so
        the UUIDs the statement did not insert are stored (committed) when it returns: only
        then, and only for those and for items refused here, are stored digests read to
        answer replays and conflicts."""
        new_rows = plan.inserted_rows(inserted)
        stored = self._digests(connection, plan.unanswered(new_rows))
        results, conflict_rows = _decide(plan.prepared, stored, new_rows, plan.stamp)
        if conflict_rows:
            self._record_conflicts(connection, conflict_rows)
        return wire.BatchResult(results=results)

    @staticmethod
    def _unit_of(connection: Connection, prepared: list[_Prepared]) -> dict[str, int]:
        # A batch is one kiosk's (the API checks): one unit for all its items.
        rows = connection.execute(
            sa.select(schema.kiosk_units.c.kiosk_id, schema.kiosk_units.c.unit_code)
            .where(schema.kiosk_units.c.kiosk_id.in_(
                {entry.item.kiosk_id for entry in prepared})))
        return {str(kiosk_id): int(unit) for kiosk_id, unit in rows}

    @staticmethod
    def _digests(connection: Connection, uuids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not uuids:
            return {}
        return dict(connection.execute(
            sa.select(schema.submissions.c.uuid, schema.submissions.c.body_sha256)
            .where(schema.submissions.c.uuid.in_(uuids))
        ).all())

    def _opened(self, item: wire.WireSubmission) -> tuple[str | None, str | None]:
        """Why ``item`` is refused (its sealed identity does not open), else None; and the
        card hash of the identity it keeps, if any."""
        if item.citizen_sealed is None:
            return None, None
        try:
            citizen = self.keys.open(item.citizen_sealed)
        except SealedDataError as error:
            return str(error), None
        return None, self.card_hash_of(citizen)

    def card_hash_of(self, citizen: dict[str, JsonValue]) -> str | None:
        """The keyed hash of an opened identity's ID number; None when it has none (or
        one the hash cannot take: not ASCII)."""
        number = citizen.get("id_number")
        if not isinstance(number, str) or not number.strip() or not number.isascii():
            return None
        return self._card_key.card_hash(number)

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
