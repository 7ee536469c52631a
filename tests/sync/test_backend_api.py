"""The backend's API on SQLite and on PostgreSQL: idempotent ingest, refusals that write
nothing, the pull feed, statuses, publishing, heartbeats, rate limits, the schema."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from kiosk.clock import HANOI
from kiosk.sealing import SealedBoxSealer
from office.app import create_app
from office.keys import SealingKeys
from office.metrics import OPERATIONAL_PATHS
from office.schema import metadata
from office.store import Role
from sync import wire
from sync.agent import to_wire
from tests.conftest import SMALL_CATALOG, catalog_bytes
from tests.sync.conftest import KEYS, Backend, Kiosk
from tests.sync.helpers import fill

BATCH = wire.Endpoint.SUBMISSIONS_BATCH.value


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def batch_body(kiosk: Kiosk, limit: int = 500) -> dict[str, Any]:
    items = [to_wire(d) for d in kiosk.outbox.pending_deliveries(limit)]
    return wire.SubmissionBatch(submissions=items).model_dump(mode="json")


@pytest.fixture
def k1(kiosks: Any) -> Kiosk:
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 100)
    return kiosk


def test_one_hundred_replays_are_answered_as_the_first_time(
    api: TestClient, backend: Backend, k1: Kiosk
) -> None:
    # GIVEN a kiosk's batch of 100 submissions, stored once
    token = backend.token("K1")
    body = batch_body(k1)
    first = api.post(BATCH, json=body, headers=auth(token))
    assert first.status_code == 200
    assert {r["outcome"] for r in first.json()["results"]} == {"accepted"}
    # WHEN the same 100 keys are sent again, whole and one by one
    again = api.post(BATCH, json=body, headers=auth(token))
    singles = [
        api.post(BATCH, json={"submissions": [item]}, headers=auth(token)).json()["results"][0]
        for item in body["submissions"]
    ]
    # THEN every answer is the first one, and each submission is stored once
    assert (again.status_code, again.json()) == (200, first.json())
    assert singles == first.json()["results"]
    assert backend.counts()["submissions"] == 100
    assert backend.counts()["conflicts"] == 0


def test_same_key_with_a_new_body_is_a_recorded_conflict_never_stored(
    api: TestClient, backend: Backend, k1: Kiosk
) -> None:
    token = backend.token("K1")
    body = batch_body(k1, 3)
    api.post(BATCH, json=body, headers=auth(token))
    # GIVEN the second item changed after it was stored
    changed = json.loads(json.dumps(body))
    changed["submissions"][1]["details"]["text"] = "Đèn tín hiệu vẫn hỏng"
    # WHEN it is sent (twice)
    answers = [api.post(BATCH, json=changed, headers=auth(token)).json() for _ in range(2)]
    # THEN it is a conflict (409), recorded once; the others are replays; nothing doubled
    outcomes = [(r["outcome"], r["status"]) for r in answers[0]["results"]]
    assert outcomes == [("accepted", 200), ("conflict", 409), ("accepted", 200)]
    assert answers[1] == answers[0]
    assert backend.counts()["submissions"] == 3
    assert backend.counts()["conflicts"] == 1
    stored = backend.store.pull(0, 10).items[1].submission
    assert stored.details == body["submissions"][1]["details"]


def _refusal_cases(backend: Backend, kiosk: Kiosk) -> list[tuple[str, dict[str, Any], int]]:
    body = json.dumps(batch_body(kiosk, 10)).encode()
    revoked = backend.token("K1")
    backend.store.revoke("K1")
    other = backend.token("K2")
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    fresh = backend.token("K1")
    json_type = {"Content-Type": "application/json"}
    huge = {"submissions": [batch_body(kiosk, 1)["submissions"][0]] * 1}
    huge["submissions"][0] = {**huge["submissions"][0], "details": {"text": "x" * (5 << 20)}}
    return [
        ("no token", {"content": body, "headers": json_type}, 401),
        ("unknown token", {"content": body, "headers": {**json_type, **auth("x" * 43)}}, 401),
        ("revoked token", {"content": body, "headers": {**json_type, **auth(revoked)}}, 401),
        ("another kiosk's data", {"content": body, "headers": {**json_type, **auth(other)}},
         403),
        ("a back-office token", {"content": body, "headers": {**json_type, **auth(office)}},
         403),
        ("malformed JSON", {"content": body[: len(body) // 2],
                            "headers": {**json_type, **auth(fresh)}}, 400),
        ("not the schema", {"json": {"submissions": [{"uuid": "nope"}]},
                            "headers": auth(fresh)}, 422),
        ("oversized body", {"content": json.dumps(huge).encode(),
                            "headers": {**json_type, **auth(fresh)}}, 413),
    ]


def test_refused_requests_get_the_right_status_and_write_nothing(
    api: TestClient, backend: Backend, k1: Kiosk
) -> None:
    for name, request, status in _refusal_cases(backend, k1):
        before = {k: v for k, v in backend.counts().items() if k != "credentials"}
        # WHEN the request is sent THEN it is refused with its status, and nothing written
        response = api.post(BATCH, **request)
        assert response.status_code == status, (name, response.text)
        after = {k: v for k, v in backend.counts().items() if k != "credentials"}
        assert after == before, name
    assert backend.counts()["submissions"] == 0


def test_an_identity_sealed_for_another_backend_is_rejected_alone(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    # GIVEN a kiosk that was given the wrong backend's public key for one intake
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 3)  # the first is an intake sealed with the right key
    kiosk.outbox.sealer = SealedBoxSealer(SealingKeys.generate().public_key)
    fill(kiosk.outbox, 1)  # an intake sealed with the wrong key
    response = api.post(BATCH, json=batch_body(kiosk), headers=auth(backend.token("K1")))
    outcomes = [r["outcome"] for r in response.json()["results"]]
    # THEN only that one is rejected (422), with a reason a technician can act on
    assert outcomes == ["accepted", "accepted", "accepted", "rejected"]
    assert "another backend's public key" in response.json()["results"][3]["reason"]
    assert backend.counts()["submissions"] == 3
    # AND the back office sees the identity the right key opened
    first = backend.store.pull(0, 1).items[0]
    assert first.citizen is not None and first.citizen["sex"] == "male"


def test_identities_sealed_with_a_retired_key_and_the_current_one_are_both_opened(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    # GIVEN a kiosk that sealed an intake with the backend's key, which was then rotated,
    # and another intake sealed with the new key
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 1)
    backend.store.keys = KEYS.rotated()
    assert backend.store.keys.retired_public_keys == [KEYS.public_key]
    kiosk.outbox.sealer = SealedBoxSealer(backend.store.keys.public_key)
    fill(kiosk.outbox, 1)
    # WHEN both are delivered
    response = api.post(BATCH, json=batch_body(kiosk), headers=auth(backend.token("K1")))
    # THEN both are accepted, and the back office sees both identities opened
    assert [r["outcome"] for r in response.json()["results"]] == ["accepted", "accepted"]
    pulled = backend.store.pull(0, 10).items
    assert [item.citizen is not None and item.citizen["sex"] for item in pulled] == [
        "male", "male"]
    # AND the identity endpoint publishes the new key only
    identity = api.get(wire.Endpoint.KIOSK_IDENTITY.value, headers=auth(backend.token("K2")))
    assert identity.json()["backend_public_key"] == backend.store.keys.public_key


def test_a_consumer_that_crashes_resumes_the_pull_without_gaps_or_repeats(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    # GIVEN 250 submissions from two kiosks, stored in interleaved batches
    sent: list[str] = []
    for kiosk_id in ("K1", "K2"):
        kiosk = kiosks(kiosk_id, prefix=kiosk_id[-1])
        fill(kiosk.outbox, 125)
        token = backend.token(kiosk_id)
        for start in range(0, 125, 50):
            items = [to_wire(d) for d in kiosk.outbox.pending_deliveries(125)][start:start + 50]
            api.post(BATCH, json=wire.SubmissionBatch(submissions=items).model_dump(
                mode="json"), headers=auth(token))
            sent += [str(item.uuid) for item in items]
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    # WHEN a consumer pulls 40 at a time and crashes before saving its cursor every third page
    saved, received, pages = "0", [], 0
    while True:
        response = api.get(wire.Endpoint.SUBMISSIONS.value,
                           params={"after": saved, "limit": 40}, headers=auth(office))
        page = wire.SubmissionPage.model_validate_json(response.content)
        pages += 1
        if pages % 3 == 0:
            continue  # crashed: the page is read again from the saved cursor
        received += [str(item.submission.uuid) for item in page.items]
        saved = page.next_cursor
        if not page.has_more:
            break
    # THEN it has every submission exactly once, in the order they were stored
    assert received == sent
    # AND a kiosk token cannot read the feed
    kiosk_token = backend.token("K3")
    assert api.get(wire.Endpoint.SUBMISSIONS.value, headers=auth(kiosk_token)).status_code == 403


def test_statuses_reach_only_the_kiosk_that_took_the_application(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    k1 = kiosks("K1")
    fill(k1.outbox, 3)
    t1, t2 = backend.token("K1"), backend.token("K2")
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    api.post(BATCH, json=batch_body(k1), headers=auth(t1))
    uuids = [s.uuid for s in k1.outbox.list()]
    # WHEN the back office sets statuses (one for an unknown submission)
    updates = {"updates": [
        {"submission_uuid": uuids[0], "status": "in_progress"},
        {"submission_uuid": "00000000-0000-4000-8000-000000000000", "status": "completed"},
        {"submission_uuid": uuids[0], "status": "ready_for_pickup", "note": "Quầy 2"},
    ]}
    answer = api.post(wire.Endpoint.APPLICATION_STATUSES.value, json=updates,
                      headers=auth(office)).json()
    assert [r["outcome"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    # THEN kiosk K1 pulls both events in order, and K2 sees nothing of K1's
    feed = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value, params={"limit": 1},
                   headers=auth(t1)).json()
    assert [item["status"] for item in feed["items"]] == ["in_progress"]
    assert feed["has_more"] is True
    rest = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value,
                   params={"after": feed["next_cursor"]}, headers=auth(t1)).json()
    assert [(i["status"], i["note"]) for i in rest["items"]] == [("ready_for_pickup", "Quầy 2")]
    other = api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value, headers=auth(t2)).json()
    assert other["items"] == []
    # AND a kiosk cannot set statuses
    assert api.post(wire.Endpoint.APPLICATION_STATUSES.value, json=updates,
                    headers=auth(t1)).status_code == 403


def test_catalog_is_published_with_a_version_and_an_etag(
    api: TestClient, backend: Backend
) -> None:
    office = auth(backend.token("OFFICE", Role.BACK_OFFICE))
    kiosk = auth(backend.token("K1"))
    path = wire.Endpoint.CATALOG.value
    assert api.get(path, headers=kiosk).status_code == 404
    assert api.put(path, content=b'{"format": "x"}', headers=office).status_code == 422
    assert api.put(path, content=catalog_bytes(SMALL_CATALOG), headers=kiosk).status_code == 403
    # WHEN version 1 is published
    published = api.put(path, content=catalog_bytes(SMALL_CATALOG), headers=office)
    assert published.status_code == 200
    etag = published.json()["etag"]
    # THEN kiosks get it with its ETag, and 304 while it has not changed
    fetched = api.get(path, headers=kiosk)
    assert (fetched.status_code, fetched.headers["ETag"], fetched.content) == (
        200, etag, catalog_bytes(SMALL_CATALOG))
    assert fetched.headers["X-Content-Version"] == "1"
    assert api.get(path, headers={**kiosk, "If-None-Match": etag}).status_code == 304
    # AND the same version again is a 409
    assert api.put(path, content=catalog_bytes(SMALL_CATALOG), headers=office).status_code == 409


def test_directory_details_are_published_with_a_version_and_an_etag(
    api: TestClient, backend: Backend
) -> None:
    office = auth(backend.token("OFFICE", Role.BACK_OFFICE))
    kiosk = auth(backend.token("K1"))
    path = wire.Endpoint.DIRECTORY.value
    unknown = {"version": 1, "details": [{"code": 99999, "address": "x"}]}
    assert api.put(path, json=unknown, headers=office).status_code == 422
    document = {"version": 1, "details": [{"code": 4, "address": "Số 1 Đội Cấn",
                                           "hotline": None}]}
    etag = api.put(path, json=document, headers=office).json()["etag"]
    fetched = api.get(path, headers=kiosk)
    # THEN what was sent comes back: absent keys stay absent, null stays null
    assert fetched.json() == document
    assert api.get(path, headers={**kiosk, "If-None-Match": etag}).status_code == 304
    assert api.put(path, json=document, headers=office).status_code == 409


def test_heartbeats_make_the_fleet_view(api: TestClient, backend: Backend) -> None:
    t1 = backend.token("K1")
    backend.token("K2")
    backend.store.revoke("K2")
    office = auth(backend.token("OFFICE", Role.BACK_OFFICE))
    beat = {"software_version": "0.1.0", "outbox_pending": 3, "outbox_failed": 1,
            "printer_state": "ok", "printer_paper": "near_end",
            "device_time": "1970-01-01T07:00:00+07:00"}
    ack = api.post(wire.Endpoint.HEARTBEAT.value, json=beat, headers=auth(t1))
    assert ack.status_code == 200 and ack.json()["server_time"] >= "2026"
    fleet = api.get(wire.Endpoint.FLEET.value, headers=office).json()["kiosks"]
    assert [(k["kiosk_id"], k["enrolled"]) for k in fleet] == [("K1", True), ("K2", False)]
    assert fleet[0]["heartbeat"]["outbox_pending"] == 3
    assert fleet[1]["heartbeat"] is None
    assert api.get(wire.Endpoint.FLEET.value, headers=auth(t1)).status_code == 403


def test_over_the_rate_limit_is_a_429_with_retry_after(backend: Backend) -> None:
    api = TestClient(create_app(backend.store, rate_limit="3/minute"))
    token = auth(backend.token("K1"))
    codes = [api.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value, headers=token)
             for _ in range(4)]
    assert [c.status_code for c in codes] == [200, 200, 200, 429]
    assert 1 <= int(codes[3].headers["Retry-After"]) <= 60


def test_openapi_is_served_and_names_every_endpoint(api: TestClient) -> None:
    spec = api.get(f"{wire.PREFIX}/openapi.json").json()
    assert set(spec["paths"]) == {endpoint.value for endpoint in wire.Endpoint} | set(
        OPERATIONAL_PATHS)
    assert api.get(wire.Endpoint.HEALTH.value).json() == {"status": "ok", "api": "v1"}


def test_the_migrations_build_exactly_the_schema_the_queries_use(backend: Backend) -> None:
    with backend.store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_nul_characters_are_stored_inside_json_or_refused_never_a_500(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    # GIVEN feedback whose text holds a NUL character (PostgreSQL text cannot)
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 2)
    body = batch_body(kiosk)
    body["submissions"][1]["details"]["text"] = "a\x00b"
    token = backend.token("K1")
    stored = api.post(BATCH, json=body, headers=auth(token))
    # THEN it is stored (inside the JSON body) and comes back as sent
    assert [r["outcome"] for r in stored.json()["results"]] == ["accepted", "accepted"]
    assert backend.store.pull(0, 5).items[1].submission.details["text"] == "a\x00b"
    # AND a status note with a NUL is refused with 422, nothing written
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    update = {"updates": [{"submission_uuid": body["submissions"][0]["uuid"],
                           "status": "received", "note": "a\x00b"}]}
    refused = api.post(wire.Endpoint.APPLICATION_STATUSES.value, json=update,
                       headers=auth(office))
    assert refused.status_code == 422
    assert backend.counts()["status_events"] == 0


def test_new_tokens_never_start_with_a_dash_which_a_command_line_reads_as_an_option() -> None:
    from office.store import new_token

    tokens = [new_token() for _ in range(5000)]
    assert not [token for token in tokens if token.startswith("-")]
    assert {len(token) for token in tokens} == {43}


def test_an_item_that_does_not_fit_its_kind_or_a_real_day_is_rejected_alone(
    api: TestClient, backend: Backend, kiosks: Any
) -> None:
    # GIVEN four good submissions (intake, feedback, rating, ticket) and broken copies
    kiosk = kiosks("K1")
    fill(kiosk.outbox, 4)
    good = batch_body(kiosk)["submissions"]
    rating = good[2]
    assert rating["kind"] == "rating"
    day = dt.datetime.now(HANOI).date()

    def broken(**changes: Any) -> dict[str, Any]:
        return {**json.loads(json.dumps(rating)), "uuid": str(uuid.uuid4()), **changes}

    cases = {
        "level 7": (broken(details={**rating["details"], "level": "7"}), "details.level"),
        "no counter": (broken(details={"level": "satisfied", "ticket_number": None}),
                       "details.counter: Field required"),
        "extra key": (broken(details={**rating["details"], "stars": 5}),
                      "details.stars: Extra inputs are not permitted"),
        "feedback details": (broken(details=good[1]["details"]), "details.level"),
        "no such day": (broken(service_day="9999-99-99"), "'9999-99-99' is not a real date"),
        "1970": (broken(service_day="1970-01-01"), "more than 400 days before"),
        "three days ahead": (broken(service_day=(day + dt.timedelta(days=3)).isoformat()),
                             "more than 2 days after"),
    }
    edges = [broken(service_day=(day - dt.timedelta(days=400)).isoformat()),
             broken(service_day=(day + dt.timedelta(days=2)).isoformat())]
    items = [good[0], *(item for item, _ in cases.values()), *good[1:], *edges]
    # WHEN they are sent in one batch
    response = api.post(BATCH, json={"submissions": items}, headers=auth(backend.token("K1")))
    # THEN each broken one is rejected (422) with its reason; the rest are stored
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["uuid"] for r in results] == [item["uuid"] for item in items]
    outcomes = [(r["outcome"], r["status"]) for r in results]
    assert outcomes == [("accepted", 200)] + [("rejected", 422)] * len(cases) + [
        ("accepted", 200)] * 5
    for (name, (_, reason)), result in zip(cases.items(), results[1:], strict=False):
        assert reason in result["reason"], (name, result["reason"])
    assert backend.counts()["submissions"] == 6
    stored = {str(item.submission.uuid) for item in backend.store.pull(0, 100).items}
    assert stored == {item["uuid"] for item in [*good, *edges]}


def test_the_batch_schema_tells_the_kinds_apart_by_kind(api: TestClient) -> None:
    spec = api.get(f"{wire.PREFIX}/openapi.json").json()
    rating = spec["components"]["schemas"]["RatingSubmission"]
    assert rating["properties"]["details"]["$ref"].endswith("/RatingDetails")
    levels = spec["components"]["schemas"]["RatingDetails"]["properties"]["level"]["enum"]
    assert set(levels) == {"very_satisfied", "satisfied", "acceptable", "unsatisfied"}
