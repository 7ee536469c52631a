"""``GET /v1/kiosk/changes``: what a kiosk would pull, answered from each worker's memory,
and the agent pulling only what changed."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from kiosk.catalog import installed_version
from office.app import create_app
from office.store import CatalogKind, Principal, Role, Store
from sync import wire
from sync.agent import to_wire
from sync.client import FailureKind, RequestFailedError
from tests.conftest import SMALL_CATALOG, catalog_bytes
from tests.sync.conftest import KEYS, Backend
from tests.sync.helpers import fill

OFFICE = Principal("OFFICE", Role.BACK_OFFICE)
CHANGES = wire.Endpoint.KIOSK_CHANGES.value


def _auth(token: str, etag: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if etag is not None:
        headers["If-None-Match"] = etag
    return headers


def test_a_change_through_another_worker_shows_at_the_next_refresh_and_only_then(
    backend: Backend, kiosks: Any
) -> None:
    # GIVEN one worker whose memory of what changed is refreshed every 2 s (its clock)
    now = [100.0]
    worker = Store(backend.store.engine, KEYS)
    worker.changes._monotonic = lambda: now[0]
    api = TestClient(create_app(worker, rate_limit="10000/second"))
    token = backend.token("K1")
    first = api.get(CHANGES, params={"unit": 4}, headers=_auth(token))
    assert first.status_code == 200
    assert first.json() == {"catalog": None, "catalog_overlay": None, "directory": None,
                            "status_cursor": "0", "queue_published_at": None}
    etag = first.headers["ETag"]
    # WHEN another worker publishes a catalog
    published = backend.store.publish(CatalogKind.CATALOG, 2, catalog_bytes(
        {**SMALL_CATALOG, "version": 2}), OFFICE)
    # THEN this worker still answers "nothing changed" until 2 s have passed, then names it
    now[0] = 101.9
    assert api.get(CHANGES, params={"unit": 4}, headers=_auth(token, etag)).status_code == 304
    now[0] = 102.0
    changed = api.get(CHANGES, params={"unit": 4}, headers=_auth(token, etag))
    assert changed.status_code == 200
    assert changed.json()["catalog"] == published.etag
    assert changed.headers["ETag"] != etag


def test_a_status_or_a_queue_changes_the_answer_of_its_own_kiosk_and_unit_only(
    backend: Backend, api: TestClient, kiosks: Any
) -> None:
    # GIVEN two kiosks of two units that have polled once
    k1, k2 = backend.token("K1"), backend.token("K2")
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 1)
    backend.store.ingest(wire.SubmissionBatch(
        submissions=[to_wire(d) for d in kiosk.outbox.pending_deliveries(1)]))
    etag1 = api.get(CHANGES, params={"unit": 4}, headers=_auth(k1)).headers["ETag"]
    etag2 = api.get(CHANGES, params={"unit": 7}, headers=_auth(k2)).headers["ETag"]
    # WHEN the back office sets a status of K1's application and publishes unit 4's queue
    backend.store.update_statuses(OFFICE, wire.StatusUpdateBatch.model_validate(
        {"updates": [{"submission_uuid": made[0], "status": "in_progress"}]}))
    backend.store.publish_queue(4, wire.QueuePublication.model_validate(
        {"published_at": "2026-12-07T09:00:00+07:00", "services": [
            {"service": "A", "waiting": 3, "counters_open": 1}]}), OFFICE)
    # THEN K1's answer names both (the time as stored, in UTC); K2, of another unit, still
    # has nothing new
    answer = api.get(CHANGES, params={"unit": 4}, headers=_auth(k1, etag1))
    assert answer.status_code == 200
    assert answer.json()["status_cursor"] == backend.store.status_feed("K1", 0, 10).next_cursor
    assert answer.json()["queue_published_at"] == "2026-12-07T02:00:00.000000+00:00"
    assert api.get(CHANGES, params={"unit": 7}, headers=_auth(k2, etag2)).status_code == 304


def test_an_unchanged_poll_reads_nothing_from_the_database(
    backend: Backend, api: TestClient
) -> None:
    # GIVEN a kiosk that polled once (its token and the heads are in memory)
    token = backend.token("K1")
    etag = api.get(CHANGES, headers=_auth(token)).headers["ETag"]
    # WHEN the database cannot be reached
    backend.store.engine.dispose()
    backend.store.credentials.engine = None  # type: ignore[assignment]
    backend.store.changes.engine = None  # type: ignore[assignment]
    # THEN the next poll is still answered: nothing changed
    assert api.get(CHANGES, headers=_auth(token, etag)).status_code == 304


def test_a_back_office_token_is_refused(backend: Backend, api: TestClient) -> None:
    token = backend.token("OFFICE", Role.BACK_OFFICE)
    assert api.get(CHANGES, headers=_auth(token)).status_code == 403


def _recording(agent: Any) -> list[str]:
    """The endpoints the agent calls from now on."""
    called: list[str] = []
    request = agent.client._request

    def record(method: str, endpoint: wire.Endpoint, **kwargs: Any) -> Any:
        called.append(endpoint.name)
        return request(method, endpoint, **kwargs)

    agent.client._request = record
    return called


def test_the_agent_pulls_nothing_when_nothing_changed_and_only_what_did(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), commune_code=4)
    # GIVEN a first round, which asks for everything
    assert agent.run_once().failure is None
    called = _recording(agent)
    # WHEN nothing changed
    assert agent.run_once().failure is None
    # THEN the round is one request, answered 304
    assert called == ["KIOSK_CHANGES"]
    # WHEN the catalog is published
    called.clear()
    sqlite_backend.store.publish(CatalogKind.CATALOG, 2, catalog_bytes(
        {**SMALL_CATALOG, "version": 2}), OFFICE)
    report = agent.run_once()
    # THEN only the catalog is pulled, and installed
    assert called == ["KIOSK_CHANGES", "CATALOG"]
    assert report.notes == ["catalog version 2 installed"]
    assert installed_version(kiosk.db) == 2
    called.clear()
    assert agent.run_once().failure is None
    assert called == ["KIOSK_CHANGES"]


def test_a_pull_that_fails_is_asked_for_again_the_next_round(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"))
    assert agent.run_once().failure is None
    # GIVEN a directory published, and its pull failing once
    sqlite_backend.store.publish(CatalogKind.DIRECTORY, 3, json.dumps(
        {"version": 3, "details": [{"code": 4, "hotline": "1022"}]}).encode(), OFFICE)
    fetch = agent.client.fetch
    failures = [RequestFailedError(FailureKind.TRANSIENT, "cut", status=502)]

    def flaky(endpoint: wire.Endpoint, etag: str | None) -> Any:
        if endpoint is wire.Endpoint.DIRECTORY and failures:
            raise failures.pop()
        return fetch(endpoint, etag)

    agent.client.fetch = flaky  # type: ignore[method-assign]
    # WHEN a round fails on it, and the next one runs
    assert agent.run_once().failure is not None
    report = agent.run_once()
    # THEN the next round pulls it
    assert report.failure is None
    assert report.notes == ["directory version 3 applied"]


def test_a_backend_without_the_endpoint_gets_every_pull_as_before(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"), commune_code=4)

    def older_backend(unit: int | None, etag: str | None) -> Any:
        raise RequestFailedError(FailureKind.REJECTED, "Not Found", status=404)

    agent.client.changes = older_backend  # type: ignore[method-assign]
    called = _recording(agent)
    assert agent.run_once().failure is None
    assert called == ["HEARTBEAT", "KIOSK_IDENTITY", "CATALOG", "CATALOG_OVERLAY",
                      "DIRECTORY", "KIOSK_APPLICATION_STATUSES", "QUEUE"]


def test_unchanged_polls_count_towards_the_rate_limit(backend: Backend) -> None:
    # GIVEN a limit of 3 requests a minute and a kiosk that polled once
    api = TestClient(create_app(backend.store, rate_limit="3/minute"))
    token = backend.token("K1")
    etag = api.get(CHANGES, headers=_auth(token)).headers["ETag"]
    # WHEN it polls three more times with nothing changed
    codes = [api.get(CHANGES, headers=_auth(token, etag)).status_code for _ in range(3)]
    # THEN two are answered 304, the fourth request of the minute 429
    assert codes == [304, 304, 429]


def test_a_malformed_poll_is_answered_by_the_route_not_the_shortcut(
    backend: Backend, api: TestClient
) -> None:
    token = backend.token("K1")
    etag = api.get(CHANGES, headers=_auth(token)).headers["ETag"]
    assert api.get(CHANGES, params={"unit": 0}, headers=_auth(token, etag)).status_code == 422
    assert api.get(CHANGES, headers=_auth("wrong", etag)).status_code == 401


def test_the_shortcuts_etag_is_the_whole_answers_etag(backend: Backend) -> None:
    # GIVEN a catalog and unit 4's queue published, nothing else
    backend.store.publish(CatalogKind.CATALOG, 2, catalog_bytes(
        {**SMALL_CATALOG, "version": 2}), OFFICE)
    backend.store.publish_queue(4, wire.QueuePublication.model_validate(
        {"published_at": "2026-12-07T09:00:00+07:00", "services": [
            {"service": "A", "waiting": 3, "counters_open": 1}]}), OFFICE)
    heads = backend.store.changes
    heads.refresh()
    # THEN the unchanged poll's ETag is the full answer's, with and without unit or values
    for kiosk, unit in (("K1", 4), ("K1", None), ("K2", 7)):
        assert heads.etag(kiosk, unit) == heads.changes(kiosk, unit)[1]
    assert len({heads.etag("K1", 4), heads.etag("K1", None)}) == 2
