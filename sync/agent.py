"""The kiosk's sync agent (``kiosk sync run``): ships the outbox, pulls updates, reports.

It runs as its own process beside the UI and shares the kiosk database with it. A round:

1. **Drain** the outbox in batches, oldest first (the database's sequence, never the
   device clock). Accepted items are marked sent; an item the backend refuses for good
   is marked failed with the reason, and the rest keep flowing. A transient failure ends
   the round with everything unsent still pending: nothing unsent is ever deleted, and
   the idempotency key (the submission UUID) makes each retry safe.
2. **Heartbeat** when one is due, and ask the backend which sealing key it publishes now
   (recorded, never switched to: a different key is a warning for the technician, who
   re-provisions the kiosk; see docs/sync.md, "Rotating the sealing key").
3. **Pull** the catalog, Hà Nội's overlay on it and the directory (with their ETags) and
   this kiosk's application statuses (with the backend's cursor), each applied atomically.

Between rounds it waits ``sync.interval_seconds``, or after a failure an exponential,
jittered, capped backoff that honours ``Retry-After``; it retries forever, so it starts
again by itself when the network comes back and after any restart.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from pydantic import ValidationError

from kiosk import __version__, clock
from kiosk.application_status import StatusRecord, apply_statuses, status_cursor
from kiosk.catalog import CatalogError, import_catalog, installed_version, load_catalog
from kiosk.catalog_overlay import import_overlay, installed_overlay_version
from kiosk.config import Config
from kiosk.directory import DirectoryError, apply_details
from kiosk.queue_state import store_queue
from kiosk.sealing import Sealer, sealer_for
from kiosk.storage import Database
from kiosk.submissions import Outbox, OutboxState, PendingDelivery
from kiosk.sync_state import SyncFact, put_facts, read_fact
from kiosk.update_report import read_last_update
from sync import wire
from sync.backoff import Backoff
from sync.client import BackendClient, FailureKind, RequestFailedError, decode_json

log = logging.getLogger(__name__)

#: Status events asked for per page.
STATUS_PAGE = 200


@dataclass(frozen=True)
class AgentSettings:
    """What the agent needs from the configuration (tests pass small timeouts)."""

    backend_url: str
    token: str
    kiosk_id: str
    queue_prefix: str = "1"
    batch_size: int = 100
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    interval: float = 30.0
    base_backoff: float = 1.0
    max_backoff: float = 300.0
    heartbeat_interval: float = 300.0
    backend_public_key: str = ""
    #: The service point whose queue the agent pulls (0: not set, none pulled).
    commune_code: int = 0
    #: A hub serves the point's live queue (sync/hub_link.py): the city's is not pulled.
    queue_from_hub: bool = False
    #: The release channel it follows and where the updater keeps ``update.json``; both
    #: reported in the heartbeat (empty / None: nothing to report, as in most tests).
    update_channel: str = ""
    update_root: Path | None = None

    @classmethod
    def from_config(cls, config: Config) -> AgentSettings:
        """The settings of the ``sync.*`` keys."""
        return cls(
            backend_url=config.text("sync.backend_url"),
            token=config.text("sync.token"),
            kiosk_id=config.text("kiosk.id"),
            queue_prefix=config.text("kiosk.queue_prefix"),
            batch_size=config.number("sync.batch_size"),
            connect_timeout=float(config.number("sync.connect_timeout")),
            read_timeout=float(config.number("sync.read_timeout")),
            interval=float(config.number("sync.interval_seconds")),
            max_backoff=float(config.number("sync.max_backoff_seconds")),
            heartbeat_interval=float(config.number("sync.heartbeat_seconds")),
            backend_public_key=config.text("sync.backend_public_key"),
            commune_code=config.number("kiosk.commune_code"),
            queue_from_hub=bool(config.text("hub.url")),
            update_channel=config.text("update.channel"),
            update_root=Path(config.text("update.root")),
        )

    def problems(self) -> list[str]:
        """Why the agent cannot run with these settings (empty: it can)."""
        found = []
        if not self.backend_url:
            found.append("sync.backend_url is not set")
        if not self.token:
            found.append("sync.token is not set (kiosk backend add-kiosk prints one)")
        return found


@dataclass
class RoundReport:
    """What one round did."""

    sent: int = 0
    failed: int = 0
    pending: int = 0
    failure: RequestFailedError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the round ended without a failure to back off from."""
        return self.failure is None


def to_wire(delivery: PendingDelivery) -> wire.WireSubmission:
    """A pending submission as the backend receives it (raises ValidationError)."""
    submission = delivery.submission
    sealed = delivery.citizen_sealed
    return wire.wire_submission({
        "uuid": UUID(submission.uuid),
        "kiosk_id": submission.kiosk_id,
        "kiosk_seq": submission.seq,
        "kind": submission.kind,
        "receipt_code": submission.receipt_code,
        # A wrong clock's day (1970-01-01) never reaches the city as a date.
        "service_day": None if submission.clock_untrusted else submission.service_day,
        "created_at": submission.created_at,
        "procedure_code": submission.procedure_code,
        "ticket_number": submission.ticket_number,
        "details": submission.details,
        "citizen_masked": submission.citizen_masked,
        "citizen_sealed": None if sealed is None else base64.b64encode(sealed).decode("ascii"),
        "clock_untrusted": submission.clock_untrusted,
    })


class SyncAgent:
    """Drains one kiosk's outbox into the backend and pulls what the backend publishes.

    ``now`` is the device clock (only for what people read), ``monotonic`` measures
    intervals; tests inject both. ``alive`` is called after every request that got an
    answer (the systemd watchdog ping), so a long drain never looks like a hang.
    """

    def __init__(
        self,
        db: Database,
        settings: AgentSettings,
        *,
        client: BackendClient | None = None,
        now: Callable[[], dt.datetime] = clock.now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        sealer: Sealer | None = None,
        alive: Callable[[], object] = lambda: None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.client = client or BackendClient(
            settings.backend_url, settings.token,
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
        )
        self.outbox = Outbox(db, kiosk_id=settings.kiosk_id, queue_prefix=settings.queue_prefix)
        self.now = now
        self.monotonic = monotonic
        self.backoff = Backoff(base=settings.base_backoff, cap=settings.max_backoff, rng=rng)
        self.sealer = sealer or sealer_for(settings.backend_public_key)
        self._last_heartbeat: float | None = None
        self.alive = alive

    def _stamp(self) -> str:
        return self.now().astimezone(clock.HANOI).isoformat(timespec="seconds")

    # -- the loop ---------------------------------------------------------------------------

    def run_forever(self, wait: Callable[[float], bool] | None = None) -> None:
        """Rounds until ``wait`` says stop (by default: never, until the process ends).

        ``wait(seconds)`` sleeps between rounds and returns True when asked to stop.
        """
        wait = wait or threading.Event().wait
        if self.sealer is not None:
            sealed = self.outbox.seal_legacy_personal_data(self.sealer)
            if sealed:
                log.info("sealed the personal data of %d submissions of an older release",
                         sealed)
        while True:
            report = self.run_once()
            if report.failure is None:
                self.backoff.reset()
                delay = self.settings.interval
            else:
                delay = self.backoff.next_delay(report.failure.retry_after)
                log.warning("sync round failed (%s); next try in %.1f s",
                            report.failure.reason, delay)
            if wait(delay):
                return

    def run_once(self) -> RoundReport:
        """One round: drain, heartbeat when due, ask what changed, pull only that."""
        report = self.drain()
        if report.failure is not None:
            return report
        stage = "heartbeat_if_due"
        try:
            self._heartbeat_if_due(report)
            self.alive()
            stage = "changes"
            pulls, answer = self._what_changed()
            self.alive()
            for step in pulls:
                stage = step.__name__.strip("_")
                step(report)
                self.alive()
        except RequestFailedError as failure:
            report.failure = failure
            self._record_error(f"{stage}: {failure.reason}")
            return report
        if answer is not None:
            # Only now: a pull that failed is asked for again next round.
            put_facts(self.db, {SyncFact.CHANGES: answer[0].model_dump_json(),
                                SyncFact.CHANGES_ETAG: answer[1]})
        self._record_success()
        return report

    def _what_changed(
        self,
    ) -> tuple[list[Callable[[RoundReport], None]], tuple[wire.KioskChanges, str | None] | None]:
        """The pulls this round needs and the answer to keep once they are done.

        One request asks the backend what changed since its previous answer: nothing
        (``304``, the usual case) is no pull at all; else only the parts whose value
        differs. A backend without that endpoint (``404``) gets every pull, as before."""
        pulls: dict[str, Callable[[RoundReport], None]] = {
            "catalog": self._pull_catalog, "catalog_overlay": self._pull_overlay,
            "directory": self._pull_directory, "status_cursor": self._pull_statuses,
            "queue_published_at": self._pull_queue}
        kept = read_fact(self.db, SyncFact.CHANGES)
        previous = None
        if kept is not None:
            with contextlib.suppress(ValueError):
                previous = wire.KioskChanges.model_validate_json(kept)
        unit = (None if self.settings.commune_code == 0 or self.settings.queue_from_hub
                else self.settings.commune_code)
        etag = read_fact(self.db, SyncFact.CHANGES_ETAG) if previous is not None else None
        try:
            answer = self.client.changes(unit, etag)
        except RequestFailedError as failure:
            if failure.status == 404:
                return list(pulls.values()), None
            raise
        if answer is None:
            return [], None
        changed = [pull for part, pull in pulls.items()
                   if previous is None or getattr(previous, part) != getattr(answer[0], part)]
        return changed, answer

    # -- draining ---------------------------------------------------------------------------

    def drain(self) -> RoundReport:
        """Send pending submissions until none is left or the backend cannot be reached."""
        report = RoundReport()
        while True:
            deliveries = self.outbox.pending_deliveries(self.settings.batch_size)
            if not deliveries:
                break
            try:
                sent, failed = self._deliver(deliveries)
            except RequestFailedError as failure:
                self.outbox.record_attempt([d.submission.uuid for d in deliveries],
                                           failure.reason)
                self._record_error(failure.reason)
                report.failure = failure
                break
            report.sent += sent
            report.failed += failed
            self.alive()
        counts = self.outbox.counts()
        report.pending = counts[OutboxState.PENDING.value]
        if report.failure is None and (report.sent or report.failed):
            self._record_success()
        if report.sent or report.failed:
            log.info("delivered %d, refused %d, %d pending", report.sent, report.failed,
                     report.pending)
        return report

    def _deliver(self, deliveries: Sequence[PendingDelivery]) -> tuple[int, int]:
        """Send one batch; returns (sent, failed). Raises RequestFailedError when transient."""
        items: list[wire.WireSubmission] = []
        failed = 0
        for delivery in deliveries:
            try:
                items.append(to_wire(delivery))
            except ValidationError as error:
                self.outbox.mark_failed(
                    delivery.submission.uuid,
                    f"cannot be sent: out of the wire schema ({wire.describe(error)})",
                )
                failed += 1
        if not items:
            return 0, failed
        sent, refused = self._send(items)
        return sent, failed + refused

    def _send(self, items: Sequence[wire.WireSubmission]) -> tuple[int, int]:
        try:
            result = self.client.send_batch(wire.SubmissionBatch(submissions=list(items)))
        except RequestFailedError as failure:
            if failure.kind is not FailureKind.REJECTED:
                raise
            if len(items) == 1:
                self.outbox.mark_failed(str(items[0].uuid), failure.reason)
                return 0, 1
            # The whole batch was refused: find the items at fault by halves, so one bad
            # submission never holds up the others.
            middle = len(items) // 2
            first = self._send(items[:middle])
            second = self._send(items[middle:])
            return first[0] + second[0], first[1] + second[1]
        if [r.uuid for r in result.results] != [item.uuid for item in items]:
            raise RequestFailedError(FailureKind.TRANSIENT,
                                "the backend's results do not match the items sent")
        accepted = [str(r.uuid) for r in result.results if r.outcome is wire.ItemOutcome.ACCEPTED]
        self.outbox.mark_sent(accepted, now=self.now())
        refused = 0
        for item_result in result.results:
            if item_result.outcome is not wire.ItemOutcome.ACCEPTED:
                # A conflict or a rejection is the backend's final word on this body:
                # retrying it unchanged can never succeed, so a technician must look.
                self.outbox.mark_failed(
                    str(item_result.uuid),
                    f"{item_result.status} {item_result.outcome.value}: {item_result.reason}",
                )
                refused += 1
        return len(accepted), refused

    def _record_success(self) -> None:
        facts: dict[SyncFact, str | None] = {SyncFact.LAST_SUCCESS_AT: self._stamp()}
        if self.client.last_server_date:
            facts[SyncFact.LAST_SUCCESS_SERVER_TIME] = self.client.last_server_date
        put_facts(self.db, facts)

    def _record_error(self, reason: str) -> None:
        put_facts(self.db, {SyncFact.LAST_ERROR: reason, SyncFact.LAST_ERROR_AT: self._stamp()})

    # -- heartbeats and pulls ---------------------------------------------------------------

    def heartbeat(self) -> wire.Heartbeat:
        """This kiosk's health as it would be sent now."""
        counts = self.outbox.counts()
        directory_version = read_fact(self.db, SyncFact.DIRECTORY_VERSION)
        return wire.Heartbeat(
            software_version=__version__,
            outbox_pending=counts[OutboxState.PENDING.value],
            outbox_failed=counts[OutboxState.FAILED.value],
            last_sync_success_at=read_fact(self.db, SyncFact.LAST_SUCCESS_AT),
            catalog_version=installed_version(self.db),
            directory_version=None if directory_version is None else int(directory_version),
            overlay_version=installed_overlay_version(self.db),
            printer_state=read_fact(self.db, SyncFact.PRINTER_STATE),
            printer_paper=_PAPER.get(read_fact(self.db, SyncFact.PRINTER_STATE) or ""),
            device_time=self._stamp(),
            update=self._update_report(),
        )

    def _update_report(self) -> wire.UpdateReport | None:
        """The channel and the last update (update.json); a bad file is logged, not sent."""
        if not self.settings.update_channel:
            return None
        last = None
        if self.settings.update_root is not None:
            try:
                last = read_last_update(self.settings.update_root)
            except ValueError as error:
                log.warning("the last update is not reported: %s", error)
        if last is not None:
            try:
                return wire.UpdateReport(
                    channel=self.settings.update_channel, state=last.state,
                    target_version=last.target_version, problem=last.problem,
                    reason=last.reason)
            except ValidationError as error:  # a version too long for the wire, say
                log.warning("the last update is not reported: %s", error)
        return wire.UpdateReport(channel=self.settings.update_channel)

    def _heartbeat_if_due(self, report: RoundReport) -> None:
        moment = self.monotonic()
        if (self._last_heartbeat is not None
                and moment - self._last_heartbeat < self.settings.heartbeat_interval):
            return
        self.client.heartbeat(self.heartbeat())
        published = self.client.identity().backend_public_key
        self._last_heartbeat = moment
        if (published != self.settings.backend_public_key
                and published != read_fact(self.db, SyncFact.BACKEND_PUBLISHED_KEY)):
            log.warning("the backend now publishes sealing key %.8s…; this kiosk seals with "
                        "%.8s… (kiosk provision to switch)", published,
                        self.settings.backend_public_key)
        put_facts(self.db, {SyncFact.LAST_HEARTBEAT_AT: self._stamp(),
                            SyncFact.BACKEND_PUBLISHED_KEY: published})

    def _pull_catalog(self, report: RoundReport) -> None:
        document = self.client.fetch(wire.Endpoint.CATALOG, read_fact(self.db,
                                                                      SyncFact.CATALOG_ETAG))
        if document is None:
            return
        installed = installed_version(self.db)
        if document.version is None or installed is None or document.version > installed:
            try:
                result = import_catalog(self.db, document.body)
                report.notes.append(f"catalog version {result.version} installed")
                log.info("catalog version %d installed", result.version)
            except CatalogError as error:
                # Refused whole; the kiosk keeps its catalog. Remember the ETag so the same
                # file is not fetched every round; a new publication gets a new one.
                self._record_error(f"published catalog refused: {error}")
        put_facts(self.db, {SyncFact.CATALOG_ETAG: document.etag})

    def _pull_overlay(self, report: RoundReport) -> None:
        """Hà Nội's overlay on the catalog, installed when newer (after the catalog, so the
        codes it cannot apply are named against the catalog just installed)."""
        document = self.client.fetch(wire.Endpoint.CATALOG_OVERLAY,
                                     read_fact(self.db, SyncFact.OVERLAY_ETAG))
        if document is None:
            return
        installed = installed_overlay_version(self.db)
        if document.version is None or installed is None or document.version > installed:
            try:
                result = import_overlay(self.db, document.body,
                                        load_catalog(self.db, overlay=False))
                report.notes.append(f"catalog overlay version {result.version} installed")
                log.info("catalog overlay version %d installed", result.version)
                if result.unknown_codes or result.unknown_services:
                    # Kept and applied once a catalog has them; worth a technician's look.
                    log.warning("catalog overlay version %d: not in the catalog: %s",
                                result.version,
                                ", ".join(result.unknown_codes + result.unknown_services))
            except CatalogError as error:
                # Refused whole (OverlayError is a CatalogError); the kiosk keeps its
                # overlay. The ETag is remembered so the same file is not fetched again.
                self._record_error(f"published catalog overlay refused: {error}")
        put_facts(self.db, {SyncFact.OVERLAY_ETAG: document.etag})

    def _pull_directory(self, report: RoundReport) -> None:
        document = self.client.fetch(wire.Endpoint.DIRECTORY,
                                     read_fact(self.db, SyncFact.DIRECTORY_ETAG))
        if document is None:
            return
        current = int(read_fact(self.db, SyncFact.DIRECTORY_VERSION) or 0)
        facts: dict[SyncFact, str | None] = {SyncFact.DIRECTORY_ETAG: document.etag}
        try:
            published = wire.DirectoryDocument.model_validate(decode_json(document.body))
            if published.version > current:
                apply_details(self.db, published.detail_dicts(), published.version)
                facts[SyncFact.DIRECTORY_VERSION] = str(published.version)
                report.notes.append(f"directory version {published.version} applied")
        except (ValueError, DirectoryError) as error:
            self._record_error(f"published directory refused: {str(error)[:200]}")
        put_facts(self.db, facts)

    def _pull_statuses(self, report: RoundReport) -> None:
        while True:
            page = self.client.status_feed(status_cursor(self.db), STATUS_PAGE)
            records = [
                StatusRecord(
                    submission_uuid=str(event.submission_uuid), receipt_code=event.receipt_code,
                    status=event.status, note=event.note, updated_at=event.updated_at,
                    feed_cursor=int(event.cursor),
                )
                for event in page.items
            ]
            if records:
                apply_statuses(self.db, records, int(page.next_cursor))
            if not page.has_more or not records:
                return

    def _pull_queue(self, report: RoundReport) -> None:
        """The service point's queue, when this kiosk knows which service point it is."""
        if self.settings.commune_code == 0 or self.settings.queue_from_hub:
            return
        state = self.client.queue_state(self.settings.commune_code)
        if state is None:
            return
        services = [entry.to_core() for entry in state.services]
        if store_queue(self.db, state.unit_code, state.published_at, services, now=self.now()):
            report.notes.append(f"queue of {state.published_at.isoformat()} received")


#: What the printer's last known state says about its paper (other states say nothing).
_PAPER = {"ready": "ok", "paper_near_end": "near_end", "paper_out": "out"}


