"""What the backend does with its database: credentials, submissions, statuses, publishing,
queues.

Every operation is one transaction. Inserts that assign a feed cursor are serialized (on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by its single writer), so a
consumer that has read up to cursor N never later finds a smaller cursor appear: the pull
feeds have no gaps and no repeats.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.keys import SealedDataError, SealingKeys
from sync import wire

#: Advisory lock keys (PostgreSQL) that serialize the inserts of each cursor feed.
_SUBMISSION_FEED_LOCK = 0x6D6F7401
_STATUS_FEED_LOCK = 0x6D6F7402
#: Advisory lock class (PostgreSQL; the second key is the unit code) that serializes the
#: queue publications of one service point.
_QUEUE_LOCK = 0x6D6F7403
#: How far a queue publication's ``published_at`` may be ahead of the backend's clock (the
#: skew between the two clocks): one stamped later would hold off every real publication
#: of that service point until its time came.
MAX_QUEUE_CLOCK_AHEAD = dt.timedelta(minutes=5)


class Role(enum.Enum):
    """Who a token belongs to."""

    KIOSK = "kiosk"
    BACK_OFFICE = "back_office"


class CatalogKind(enum.Enum):
    """What the back office publishes for kiosks."""

    CATALOG = "catalog"
    DIRECTORY = "directory"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    client_id: str
    role: Role


@dataclass(frozen=True)
class Published:
    """The currently published version of a catalog or directory."""

    version: int
    etag: str
    body: bytes


class CredentialError(ValueError):
    """A credential that cannot be added, and why."""


class NotNewerError(ValueError):
    """A publication whose version is not newer than the one served."""


class PublishedAtError(ValueError):
    """A queue publication stamped too far ahead of the backend's clock, or out of range."""


def utc_now() -> dt.datetime:
    """The backend's clock (a server with a working clock, unlike a kiosk)."""
    return dt.datetime.now(dt.UTC)


def token_digest(token: str) -> str:
    """How a token is stored: its SHA-256.

    Tokens are 256 random bits, so a fast hash is enough (nothing to brute-force) and
    lets each request be checked with one indexed look-up.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A new secret token (43 URL-safe characters, 256 bits) that does not start with '-'.

    Technicians paste tokens on command lines (``kiosk config set sync.token TOKEN``), where
    a leading '-' reads as an option: about one token in 64 was refused so.
    """
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


class Store:
    """The backend's operations on one database."""

    def __init__(
        self, engine: Engine, keys: SealingKeys, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.clock = clock

    def _stamp(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def _serialize(self, connection: Connection, lock: int) -> None:
        if is_postgresql(self.engine):
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock)))

    # -- credentials ----------------------------------------------------------------------

    def add_credential(self, client_id: str, role: Role, token: str | None = None) -> str:
        """A new token for ``client_id``; only its digest is stored. Returns the token.

        ``token`` is for demo mode only, whose token is published in the source.
        """
        token = new_token() if token is None else token
        with write_transaction(self.engine) as connection:
            other_role = connection.execute(
                sa.select(schema.credentials.c.role).where(
                    schema.credentials.c.client_id == client_id,
                    schema.credentials.c.role != role.value,
                )
            ).first()
            if other_role is not None:
                raise CredentialError(
                    f"{client_id!r} is already a {Role(other_role[0]).value} client: "
                    "names are unique across kiosks and back-office clients"
                )
            connection.execute(
                schema.credentials.insert().values(
                    client_id=client_id, role=role.value, token_sha256=token_digest(token),
                    created_at=self._stamp(),
                )
            )
        return token

    def revoke(self, client_id: str) -> int:
        """Revoke every active token of ``client_id``; returns how many."""
        with write_transaction(self.engine) as connection:
            result = connection.execute(
                schema.credentials.update()
                .where(
                    schema.credentials.c.client_id == client_id,
                    schema.credentials.c.revoked_at.is_(None),
                )
                .values(revoked_at=self._stamp())
            )
        return result.rowcount

    def authenticate(self, token: str) -> Principal | None:
        """The caller holding ``token``, or None when it is unknown or revoked."""
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(schema.credentials.c.client_id, schema.credentials.c.role).where(
                    schema.credentials.c.token_sha256 == token_digest(token),
                    schema.credentials.c.revoked_at.is_(None),
                )
            ).first()
        return None if row is None else Principal(row[0], Role(row[1]))

    # -- submissions ----------------------------------------------------------------------

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
            new_rows: list[dict[str, object]] = []
            conflict_rows: dict[tuple[uuid.UUID, str], dict[str, object]] = {}
            for item, digest in zip(items, digests, strict=True):
                known = stored.get(item.uuid)
                if known is None:
                    rejection = self._rejection(item)
                    if rejection is not None:
                        results.append(_result(item.uuid, wire.ItemOutcome.REJECTED, rejection))
                        continue
                    stored[item.uuid] = digest
                    new_rows.append(
                        {"uuid": item.uuid, "kiosk_id": item.kiosk_id,
                         "kiosk_seq": item.kiosk_seq, "receipt_code": item.receipt_code,
                         "body": wire.canonical_json(item).decode("utf-8"),
                         "body_sha256": digest, "received_at": stamp}
                    )
                    results.append(_result(item.uuid, wire.ItemOutcome.ACCEPTED))
                elif known == digest:
                    results.append(_result(item.uuid, wire.ItemOutcome.ACCEPTED))
                else:
                    conflict_rows[(item.uuid, digest)] = {
                        "uuid": item.uuid, "kiosk_id": item.kiosk_id,
                        "body": wire.canonical_json(item).decode("utf-8"),
                        "body_sha256": digest, "received_at": stamp,
                    }
                    results.append(_result(
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

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests and the command line)."""
        tables = (schema.submissions, schema.conflicts, schema.status_events,
                  schema.publications, schema.heartbeats, schema.credentials,
                  schema.queue_states)
        with read_snapshot(self.engine) as connection:
            return {
                table.name: int(connection.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar_one())
                for table in tables
            }

    # -- application statuses -------------------------------------------------------------

    def update_statuses(
        self, principal: Principal, batch: wire.StatusUpdateBatch
    ) -> wire.StatusUpdateResult:
        """Append a status event per known submission; unknown ones are rejected."""
        stamp = self._stamp()
        results: list[wire.ItemResult] = []
        with write_transaction(self.engine) as connection:
            self._serialize(connection, _STATUS_FEED_LOCK)
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
                    results.append(_result(update.submission_uuid, wire.ItemOutcome.REJECTED,
                                           "no submission with this UUID"))
                    continue
                rows.append({
                    "submission_uuid": update.submission_uuid, "kiosk_id": found[0],
                    "receipt_code": found[1], "status": update.status.value,
                    "note": update.note, "updated_at": stamp, "client_id": principal.client_id,
                })
                results.append(_result(update.submission_uuid, wire.ItemOutcome.ACCEPTED))
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

    # -- publishing -----------------------------------------------------------------------

    def publish(
        self, kind: CatalogKind, version: int, body: bytes, principal: Principal
    ) -> wire.Publication:
        """Serve ``body`` as ``version`` of ``kind``; a version not newer is refused."""
        etag = wire.quote_etag(hashlib.sha256(body).hexdigest())
        table = schema.publications
        with write_transaction(self.engine) as connection:
            current = connection.execute(
                sa.select(table.c.version).where(table.c.kind == kind.value)
            ).scalar_one_or_none()
            if current is not None and version <= current:
                raise NotNewerError(
                    f"{kind.value} version {current} is published; publish a higher version "
                    f"than {version}"
                )
            values = {"version": version, "etag": etag, "body": body,
                      "published_at": self._stamp(), "client_id": principal.client_id}
            if current is None:
                connection.execute(table.insert().values(kind=kind.value, **values))
            else:
                connection.execute(table.update().where(table.c.kind == kind.value)
                                   .values(**values))
        return wire.Publication(version=version, etag=etag)

    def published(self, kind: CatalogKind) -> Published | None:
        """The version of ``kind`` served now, or None before the first publication."""
        table = schema.publications
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.version, table.c.etag, table.c.body)
                .where(table.c.kind == kind.value)
            ).first()
        return None if row is None else Published(int(row[0]), row[1], bytes(row[2]))

    # -- queues ---------------------------------------------------------------------------

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

    # -- heartbeats -----------------------------------------------------------------------

    def record_heartbeat(self, kiosk_id: str, heartbeat: wire.Heartbeat) -> wire.HeartbeatAck:
        """Keep the latest heartbeat of ``kiosk_id``."""
        stamp = self._stamp()
        values = {"kiosk_id": kiosk_id, "received_at": stamp,
                  "body": heartbeat.model_dump_json()}
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.heartbeats).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["kiosk_id"],
            set_={"received_at": stamp, "body": values["body"]},
        )
        with write_transaction(self.engine) as connection:
            connection.execute(statement)
        return wire.HeartbeatAck(server_time=stamp)

    def fleet(self) -> wire.Fleet:
        """Every kiosk that has a token, and its last heartbeat."""
        credentials, heartbeats = schema.credentials, schema.heartbeats
        with read_snapshot(self.engine) as connection:
            enrolled: dict[str, bool] = {}
            for client_id, revoked_at in connection.execute(
                sa.select(credentials.c.client_id, credentials.c.revoked_at)
                .where(credentials.c.role == Role.KIOSK.value)
            ):
                enrolled[client_id] = enrolled.get(client_id, False) or revoked_at is None
            beats = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    sa.select(heartbeats.c.kiosk_id, heartbeats.c.received_at,
                              heartbeats.c.body))
            }
        entries = []
        for kiosk_id in sorted(enrolled):
            beat = beats.get(kiosk_id)
            entries.append(wire.FleetEntry(
                kiosk_id=kiosk_id, enrolled=enrolled[kiosk_id],
                last_heartbeat_at=None if beat is None else beat[0],
                heartbeat=None if beat is None else _heartbeat(beat[1]),
            ))
        return wire.Fleet(kiosks=entries)


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


def _heartbeat(body: str) -> wire.Heartbeat | None:
    try:
        return wire.Heartbeat.model_validate_json(body)
    except ValidationError:  # pragma: no cover - written by this backend
        return None


def _result(
    item: uuid.UUID, outcome: wire.ItemOutcome, reason: str | None = None
) -> wire.ItemResult:
    return wire.ItemResult(uuid=item, outcome=outcome, status=wire.OUTCOME_STATUS[outcome],
                           reason=reason)
