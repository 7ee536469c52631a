"""The sync agent against a real backend on 127.0.0.1: delivery, refusals, clocks,
outages, and the updates it pulls."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from kiosk.application_status import ApplicationStatus, lookup_status
from kiosk.catalog import installed_version
from kiosk.clock import HANOI
from kiosk.directory import load_directory
from kiosk.queue_state import queue_overview
from kiosk.submissions import OutboxState
from kiosk.sync_state import SyncFact, read_fact, read_facts
from office.store import CatalogKind, Principal, Role
from sync import wire
from sync.client import FailureKind
from tests.conftest import SMALL_CATALOG, catalog_bytes
from tests.sync.conftest import Backend
from tests.sync.faults import Fault, FaultProxy
from tests.sync.helpers import MORNING, fill

DAY = 86_400.0
FRESH = dt.timedelta(minutes=15)


def stored_uuids(backend: Backend) -> list[str]:
    items = backend.store.pull(0, 1000).items
    return [str(item.submission.uuid) for item in items]


def test_a_round_delivers_everything_once_heartbeats_and_records_success(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN a kiosk with 120 submissions and a reachable backend
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 120)
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"))
    # WHEN one round runs
    report = agent.run_once()
    # THEN every submission is stored once, in order, and marked sent on the kiosk
    assert (report.failure, report.sent, report.failed, report.pending) == (None, 120, 0, 0)
    assert stored_uuids(sqlite_backend) == made
    assert kiosk.outbox.counts() == {"pending": 0, "sent": 120, "failed": 0}
    facts = read_facts(kiosk.db)
    assert SyncFact.LAST_SUCCESS_AT in facts and SyncFact.LAST_ERROR not in facts
    assert facts[SyncFact.LAST_SUCCESS_SERVER_TIME].endswith("GMT")
    # AND the fleet view has its heartbeat
    fleet = sqlite_backend.store.fleet().kiosks
    assert fleet[0].heartbeat is not None and fleet[0].heartbeat.outbox_pending == 0


def test_an_item_refused_for_good_is_marked_failed_and_the_rest_flow(
    sqlite_backend: Backend, serve: Any, kiosks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 60 submissions, one of which the backend refuses whole (its body is too large:
    # the wire schema bounds every field, so the backend's limit is lowered to get there)
    monkeypatch.setattr(wire, "MAX_BATCH_BYTES", 4096)
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 60)
    too_big = made[37]  # feedback: 2000 letters of 3 bytes each
    kiosk.db.execute(
        "UPDATE submissions SET details = ? WHERE uuid = ?",
        [json.dumps({"category": "traffic", "text": "ệ" * 2000, "contact": None}), too_big])
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), batch_size=50)
    # WHEN the agent drains
    report = agent.run_once()
    # THEN only that one is failed, with the backend's reason; the others are delivered
    assert (report.failure, report.sent, report.failed) == (None, 59, 1)
    failed = kiosk.outbox.list(state=OutboxState.FAILED)
    assert [(s.uuid, s.last_error) for s in failed] == [
        (too_big, f"413 Request Entity Too Large: request body over {wire.MAX_BATCH_BYTES} bytes")
    ]
    assert stored_uuids(sqlite_backend) == [u for u in made if u != too_big]
    # AND nothing unsent was deleted: the failed one is kept for a technician
    assert kiosk.outbox.get(too_big) is not None


def test_a_revoked_token_keeps_everything_pending_until_a_new_one_is_set(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 10)
    token = sqlite_backend.token("K1")
    sqlite_backend.store.revoke("K1")
    # WHEN the agent runs with the revoked token
    report = kiosk.agent(server.url, token).run_once()
    # THEN nothing is marked failed: the items wait, and the error is shown
    assert report.failure is not None and report.failure.kind is FailureKind.UNAUTHORIZED
    assert kiosk.outbox.counts() == {"pending": 10, "sent": 0, "failed": 0}
    assert read_fact(kiosk.db, SyncFact.LAST_ERROR) == "401 Unauthorized: unknown or revoked token"
    assert {s.attempts for s in kiosk.outbox.list()} == {1}
    # AND with a new token they go, with no other action
    report = kiosk.agent(server.url, sqlite_backend.token("K1")).run_once()
    assert (report.failure, report.sent) == (None, 10)


def test_device_clock_at_1970_or_a_day_ahead_loses_nothing(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN submissions made while the clock showed 1970, then a day ahead, then right
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    epoch = dt.datetime(1970, 1, 1, 7, 0, tzinfo=HANOI)
    made = (fill(kiosk.outbox, 30, now=epoch)
            + fill(kiosk.outbox, 30, now=MORNING + dt.timedelta(days=1))
            + fill(kiosk.outbox, 30, now=MORNING))
    # WHEN the agent runs with its clock in 1970
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), batch_size=7)
    agent.now = lambda: epoch
    report = agent.run_once()
    # THEN all 90 are delivered once, in the order they were made (not by their dates)
    assert (report.failure, report.sent) == (None, 90)
    pulled = sqlite_backend.store.pull(0, 1000).items
    assert [str(item.submission.uuid) for item in pulled] == made
    assert [item.submission.kiosk_seq for item in pulled] == sorted(
        item.submission.kiosk_seq for item in pulled)
    assert pulled[0].submission.created_at.startswith("1970-01-01")


def test_what_was_made_under_a_1970_clock_reaches_the_city_undated_and_marked(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN 5 submissions made while the clock showed 1970, then 5 with the right clock
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 5, now=dt.datetime(1970, 1, 1, 7, 0, tzinfo=HANOI))
    made += fill(kiosk.outbox, 5, now=MORNING)
    # WHEN the agent delivers them
    report = kiosk.agent(server.url, sqlite_backend.token("K1")).run_once()
    # THEN the city stores all ten; the 1970 ones have no service day and are marked
    assert (report.failure, report.sent) == (None, 10)
    pulled = [item.submission for item in sqlite_backend.store.pull(0, 1000).items]
    assert [str(item.uuid) for item in pulled] == made
    assert [(item.service_day, item.clock_untrusted) for item in pulled] == (
        [(None, True)] * 5 + [(MORNING.date().isoformat(), False)] * 5
    )


def test_retry_after_from_the_backend_is_honoured(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN a backend that answers the first request 429 with Retry-After: 7
    server = serve(sqlite_backend)
    proxy = FaultProxy(server.port, lambda n: Fault.TOO_MANY_429 if n == 1 else Fault.PASS,
                       hang_seconds=0, retry_after=7)
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 5)
    agent = kiosk.agent(proxy.url, sqlite_backend.token("K1"), max_backoff=2.0)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return kiosk.outbox.counts()["pending"] == 0

    try:
        agent.run_forever(wait=wait)
    finally:
        proxy.close()
    # THEN the agent waited at least 7 s (above its own cap of 2 s) before the retry
    assert waits[0] >= 7.0
    assert kiosk.outbox.counts()["sent"] == 5


def test_a_day_without_the_backend_then_it_drains_with_no_human_action(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN a backend that is down (connection refused) for a simulated day
    server = serve(sqlite_backend)
    proxy = FaultProxy(server.port, lambda n: Fault.PASS, hang_seconds=0)
    proxy.down()
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 50)
    agent = kiosk.agent(proxy.url, sqlite_backend.token("K1"), base_backoff=1.0,
                        max_backoff=300.0, interval=30.0)
    simulated = [0.0]
    agent.monotonic = lambda: simulated[0]
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        simulated[0] += seconds
        if simulated[0] >= DAY and proxy.port and not proxy_is_up[0]:
            proxy.up()  # the network comes back; nobody touches the kiosk
            proxy_is_up[0] = True
        return kiosk.outbox.counts()["pending"] == 0 or len(waits) > 2000

    proxy_is_up = [False]
    try:
        agent.run_forever(wait=wait)
    finally:
        proxy.close()
    # THEN it kept trying all day, never waiting longer than its cap, and drained after
    assert simulated[0] >= DAY
    assert max(waits) <= 300.0
    assert 280 <= len(waits) <= 600
    assert stored_uuids(sqlite_backend) == made
    assert kiosk.outbox.counts() == {"pending": 0, "sent": 50, "failed": 0}


def test_catalog_directory_and_statuses_are_pulled_and_applied(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 2)
    token = sqlite_backend.token("K1")
    office = Principal("OFFICE", Role.BACK_OFFICE)
    agent = kiosk.agent(server.url, token)
    assert agent.run_once().failure is None  # delivers; nothing published yet
    # GIVEN the back office publishes catalog v2, directory details and a status
    newer = {**SMALL_CATALOG, "version": 2}
    sqlite_backend.store.publish(CatalogKind.CATALOG, 2, catalog_bytes(newer), office)
    directory = wire.DirectoryDocument.model_validate(
        {"version": 3, "details": [{"code": 4, "address": "Số 1 Đội Cấn", "hotline": "1022"}]})
    sqlite_backend.store.publish(
        CatalogKind.DIRECTORY, 3,
        json.dumps({"version": 3, "details": directory.detail_dicts()}).encode(), office)
    sqlite_backend.store.update_statuses(office, wire.StatusUpdateBatch.model_validate(
        {"updates": [{"submission_uuid": made[0], "status": "ready_for_pickup",
                      "note": "Quầy 2"}]}))
    # WHEN the next round runs
    report = agent.run_once()
    # THEN the kiosk has them all
    assert report.failure is None
    assert report.notes == ["catalog version 2 installed", "directory version 3 applied"]
    assert installed_version(kiosk.db) == 2
    ba_dinh = next(c for c in load_directory(kiosk.db) if c.code == 4)
    assert (ba_dinh.address, ba_dinh.hotline) == ("Số 1 Đội Cấn", "1022")
    code = kiosk.outbox.get(made[0]).receipt_code  # type: ignore[union-attr]
    statuses = lookup_status(kiosk.db, code)
    assert [(s.status, s.note) for s in statuses] == [
        (ApplicationStatus.READY_FOR_PICKUP, "Quầy 2")]
    # AND a round with nothing new changes nothing (the ETags answer 304)
    etag = read_fact(kiosk.db, SyncFact.CATALOG_ETAG)
    assert agent.run_once().notes == []
    assert read_fact(kiosk.db, SyncFact.CATALOG_ETAG) == etag


def test_the_heartbeat_carries_the_printer_state_the_ui_process_saw(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    from devices.fake_printer import FakeReceiptPrinter
    from kiosk.printing import PrinterState, PrintQueue

    # GIVEN the UI process's print queue saw the paper running low
    kiosk = kiosks("K1")
    agent = kiosk.agent(serve(sqlite_backend).url, sqlite_backend.token("K1"))
    assert (agent.heartbeat().printer_state, agent.heartbeat().printer_paper) == (None, None)
    PrintQueue(kiosk.db, FakeReceiptPrinter(PrinterState.PAPER_NEAR_END)).status()
    # WHEN the sync agent (another process, without the printer) builds its heartbeat
    beat = agent.heartbeat()
    # THEN it reports what the print queue recorded
    assert (beat.printer_state, beat.printer_paper) == ("paper_near_end", "near_end")


def test_the_queue_of_the_kiosks_service_point_is_pulled_and_used_for_tickets(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), commune_code=4)
    office = Principal("OFFICE", Role.BACK_OFFICE)
    # GIVEN nothing published yet: a round is fine and knows no queue
    assert agent.run_once().failure is None
    assert queue_overview(kiosk.db, max_age=FRESH) == {}
    # WHEN the back office publishes Ba Đình's queue (and another unit's) and a round runs
    now = dt.datetime.now(dt.UTC)
    sqlite_backend.store.publish_queue(4, wire.QueuePublication.model_validate(
        {"published_at": now.isoformat(), "services": [
            {"service": "A", "waiting": 6, "priority_waiting": 1, "counters_open": 2,
             "average_service_seconds": 420}]}), office)
    sqlite_backend.store.publish_queue(7, wire.QueuePublication.model_validate(
        {"published_at": now.isoformat(), "services": [
            {"service": "A", "waiting": 40, "counters_open": 1}]}), office)
    report = agent.run_once()
    # THEN the kiosk keeps its own unit's queue, and a ticket taken now is behind the six
    assert report.failure is None
    assert report.notes == [f"queue of {now.isoformat()} received"]
    overview = queue_overview(kiosk.db, max_age=FRESH)
    assert {s: (w.people_ahead, w.minutes) for s, w in overview.items()} == {"A": (6, 25)}
    # AND the same publication again is not applied twice
    assert agent.run_once().notes == []


def test_a_kiosk_without_a_commune_code_asks_for_no_queue(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    office = Principal("OFFICE", Role.BACK_OFFICE)
    sqlite_backend.store.publish_queue(4, wire.QueuePublication.model_validate(
        {"published_at": dt.datetime.now(dt.UTC).isoformat(), "services": [
            {"service": "A", "waiting": 6, "counters_open": 2}]}), office)
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), commune_code=0)
    assert agent.run_once().failure is None
    assert queue_overview(kiosk.db, max_age=FRESH) == {}
