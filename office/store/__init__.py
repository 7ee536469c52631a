"""What the backend does with its database: credentials, submissions, statuses, publishing,
queues, the fleet.

One module per concern, each a small class over the engine and clock they all share
(:mod:`office.store.base`, which also says how the cursor feeds stay gapless);
:class:`Store` composes them on one engine and is what the HTTP API and the command line
use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from office import schema
from office.database import read_snapshot
from office.keys import SealingKeys
from office.store.audit import Audit
from office.store.base import NotNewerError, utc_now
from office.store.card_lookups import CardLookups
from office.store.cases import Cases
from office.store.changes import ChangeHeads
from office.store.credentials import (
    CredentialError,
    Credentials,
    Principal,
    Role,
    Scope,
    new_token,
    token_digest,
)
from office.store.fleet import Heartbeats
from office.store.publications import CatalogKind, Publications, Published
from office.store.queue import MAX_QUEUE_CLOCK_AHEAD, PublishedAtError, Queues
from office.store.satisfaction import Satisfaction
from office.store.served_units import ServedUnits
from office.store.statuses import Statuses
from office.store.submissions import Submissions
from office.store.units import KioskUnits
from office.store.user_admin import UserAdmin
from office.store.users import Users
from sync import wire

__all__ = [
    "MAX_QUEUE_CLOCK_AHEAD",
    "CatalogKind",
    "CredentialError",
    "NotNewerError",
    "Principal",
    "Published",
    "PublishedAtError",
    "Role",
    "Scope",
    "Store",
    "new_token",
    "token_digest",
    "utc_now",
]


class Store:
    """The backend's operations on one database: one part per concern, one engine.

    The parts are attributes (``store.credentials``, ``store.submissions``,
    ``store.statuses``, ``store.publications``, ``store.queues``, ``store.heartbeats``, and
    the back office's ``store.units``, ``store.users``, ``store.cases``, ``store.audit``,
    ``store.satisfaction``, ``store.user_admin``);
    the methods below hand each call to its part.
    """

    def __init__(
        self, engine: Engine, keys: SealingKeys, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.credentials = Credentials(engine, clock=clock)
        self.submissions = Submissions(engine, keys, clock=clock)
        self.statuses = Statuses(engine, clock=clock)
        self.publications = Publications(engine, clock=clock)
        self.queues = Queues(engine, clock=clock)
        self.heartbeats = Heartbeats(engine, clock=clock)
        self.units = KioskUnits(engine, clock=clock)
        self.users = Users(engine, clock=clock)
        self.cases = Cases(engine, clock=clock)
        self.audit = Audit(engine, clock=clock)
        self.satisfaction = Satisfaction(engine, clock=clock)
        self.user_admin = UserAdmin(engine, clock=clock)
        #: What changed for kiosks, in this process's memory (GET /v1/kiosk/changes).
        self.changes = ChangeHeads(engine, clock=clock)
        #: Units loaded by the operator beyond Hà Nội's (kiosk backend load-units).
        self.served_units = ServedUnits(engine, clock=clock)
        #: Applications by ID card (the keyed hash stored at ingest).
        self.card_lookups = CardLookups(engine, clock=clock)

    @property
    def keys(self) -> SealingKeys:
        """The sealing keys that open citizens' identities (held by the submissions part)."""
        return self.submissions.keys

    @keys.setter
    def keys(self, keys: SealingKeys) -> None:
        # A rotation (new key pair, the old one retired) replaces them while serving.
        self.submissions.keys = keys

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

    # -- credentials ----------------------------------------------------------------------

    def add_credential(
        self, client_id: str, role: Role, token: str | None = None,
        scopes: Iterable[Scope] | None = None,
    ) -> str:
        """See :meth:`Credentials.add_credential`."""
        return self.credentials.add_credential(client_id, role, token, scopes)

    def revoke(self, client_id: str) -> int:
        """See :meth:`Credentials.revoke`."""
        return self.credentials.revoke(client_id)

    def authenticate(self, token: str) -> Principal | None:
        """See :meth:`Credentials.authenticate`."""
        return self.credentials.authenticate(token)

    # -- submissions ----------------------------------------------------------------------

    def ingest(self, batch: wire.SubmissionBatch) -> wire.BatchResult:
        """See :meth:`Submissions.ingest`."""
        return self.submissions.ingest(batch)

    def pull(self, after: int, limit: int) -> wire.SubmissionPage:
        """See :meth:`Submissions.pull`."""
        return self.submissions.pull(after, limit)

    # -- application statuses -------------------------------------------------------------

    def update_statuses(
        self, principal: Principal, batch: wire.StatusUpdateBatch
    ) -> wire.StatusUpdateResult:
        """See :meth:`Statuses.update_statuses`."""
        try:
            return self.statuses.update_statuses(principal, batch)
        finally:
            self.changes.expire()  # this worker's kiosks see it at once

    def status_feed(self, kiosk_id: str, after: int, limit: int) -> wire.StatusPage:
        """See :meth:`Statuses.status_feed`."""
        return self.statuses.status_feed(kiosk_id, after, limit)

    def look_up_application(self, receipt_code: str) -> wire.ApplicationLookup:
        """See :meth:`Statuses.look_up_application`."""
        return self.statuses.look_up_application(receipt_code)

    def look_up_card(self, request: wire.CardLookupRequest) -> wire.CardApplications:
        """The applications made with the card whose keyed hash is asked; nothing when
        the hash was made with a key this city does not hold."""
        if request.key_id != self.submissions.card_key.key_id:
            return wire.CardApplications(key_known=False, applications=[])
        return wire.CardApplications(
            key_known=True, applications=self.card_lookups.applications(request.card_hash))

    def look_up_dossier(self, dossier_code: str) -> wire.DossierLookup:
        """What the office knows of an official dossier code: the intake linked to it (no
        personal data), or nothing."""
        linked = self.cases.by_dossier_code(dossier_code)
        if linked is None:
            return wire.DossierLookup(dossier_code=dossier_code, receipt_code=None,
                                      applications=[])
        submission_uuid, receipt_code = linked
        found = self.statuses.look_up_application(receipt_code).applications
        return wire.DossierLookup(
            dossier_code=dossier_code, receipt_code=receipt_code,
            applications=[item for item in found if item.submission_uuid == submission_uuid])

    # -- publishing -----------------------------------------------------------------------

    def publish(
        self, kind: CatalogKind, version: int, body: bytes, principal: Principal
    ) -> wire.Publication:
        """See :meth:`Publications.publish`."""
        try:
            return self.publications.publish(kind, version, body, principal)
        finally:
            self.changes.expire()

    def published(self, kind: CatalogKind) -> Published | None:
        """See :meth:`Publications.published`."""
        return self.publications.published(kind)

    # -- queues ---------------------------------------------------------------------------

    def publish_queue(
        self, unit_code: int, publication: wire.QueuePublication, principal: Principal
    ) -> wire.QueueState:
        """See :meth:`Queues.publish_queue`."""
        try:
            return self.queues.publish_queue(unit_code, publication, principal)
        finally:
            self.changes.expire()

    def queue_state(self, unit_code: int) -> wire.QueueState | None:
        """See :meth:`Queues.queue_state`."""
        return self.queues.queue_state(unit_code)

    # -- heartbeats -----------------------------------------------------------------------

    def record_heartbeat(self, kiosk_id: str, heartbeat: wire.Heartbeat) -> wire.HeartbeatAck:
        """See :meth:`Heartbeats.record_heartbeat`."""
        return self.heartbeats.record_heartbeat(kiosk_id, heartbeat)

    def fleet(self) -> wire.Fleet:
        """See :meth:`Heartbeats.fleet`."""
        return self.heartbeats.fleet()
