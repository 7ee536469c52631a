"""The usual submission batch is answered by the lean path (office/lean_ingest.py) exactly as
the route answers it, on SQLite and PostgreSQL: the same bytes for accepted, rejected and
conflicting items, the same 429 and 503; anything unusual still reaches the route (the
refusals themselves are pinned in test_backend_api.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx2 import Response

from office import lean_ingest
from office.app import create_app
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import Backend, Kiosk
from tests.sync.helpers import fill

BATCH = wire.Endpoint.SUBMISSIONS_BATCH.value
#: A JSON body the lean path leaves to the route (FastAPI reads it as JSON all the same).
ROUTE_ONLY = "application/json; charset=utf-8"


@pytest.fixture
def api(backend: Backend) -> TestClient:
    return TestClient(create_app(backend.store, rate_limit="10000/second"))


@pytest.fixture
def k1(kiosks: Any) -> Kiosk:
    kiosk: Kiosk = kiosks("K1")
    fill(kiosk.outbox, 3)
    return kiosk


@pytest.fixture
def lean_stores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each batch the lean path handed to the store held."""
    stored: list[int] = []
    real = lean_ingest.run_in_threadpool

    async def spy(function: Callable[..., Any], *args: Any) -> Any:
        if getattr(function, "__name__", "") == "ingest":
            stored.append(len(args[0].submissions))
        return await real(function, *args)

    monkeypatch.setattr(lean_ingest, "run_in_threadpool", spy)
    return stored


def items_of(kiosk: Kiosk) -> list[dict[str, Any]]:
    return [json.loads(to_wire(d).model_dump_json()) for d in kiosk.outbox.pending_deliveries(3)]


def post(api: TestClient, token: str, submissions: list[dict[str, Any]],
         content_type: str = "application/json") -> Response:
    return api.post(BATCH, content=json.dumps({"submissions": submissions}).encode(),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


def answer(response: Response) -> tuple[int, str, bytes]:
    return response.status_code, response.headers["content-type"], response.content


def test_accepted_rejected_and_conflicting_items_get_the_routes_very_answer(
    api: TestClient, backend: Backend, k1: Kiosk, lean_stores: list[int],
) -> None:
    token = backend.token("K1")
    first, second, third = items_of(k1)
    misfit = {**third, "details": {"level": "nope"}}
    # GIVEN a batch with an item that does not fit its kind, answered by the route
    by_route = post(api, token, [first, misfit], ROUTE_ONLY)
    assert lean_stores == []
    # WHEN the lean path answers the same batch again
    by_lean = post(api, token, [first, misfit])
    # THEN it stored through the store as the route did, and answered the same bytes
    assert lean_stores == [1]
    assert answer(by_lean) == answer(by_route)
    assert [r["outcome"] for r in by_lean.json()["results"]] == ["accepted", "rejected"]
    # AND a new body for a stored UUID is the same conflict whichever answers it
    changed = {**first, "created_at": "2026-12-07T09:00:01+07:00"}
    lean_conflict = post(api, token, [changed, second])
    route_conflict = post(api, token, [changed, second], ROUTE_ONLY)
    assert answer(lean_conflict) == answer(route_conflict)
    assert [r["outcome"] for r in lean_conflict.json()["results"]] == ["conflict", "accepted"]
    assert backend.counts()["submissions"] == 2


def test_over_the_limit_the_lean_path_answers_the_routes_429(
    backend: Backend, k1: Kiosk, lean_stores: list[int],
) -> None:
    api = TestClient(create_app(backend.store, rate_limit="2/minute"))
    token = backend.token("K1")
    first, second, _ = items_of(k1)
    assert [post(api, token, [item]).status_code for item in (first, second)] == [200, 200]
    by_lean = post(api, token, [first])
    by_route = post(api, token, [first], ROUTE_ONLY)
    assert answer(by_lean) == answer(by_route)
    assert by_lean.status_code == 429
    assert by_lean.json() == {"detail": "over the rate limit of 2/minute"}
    assert 1 <= int(by_lean.headers["Retry-After"]) <= 60
    assert lean_stores == [1, 1]


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(
    api: TestClient, backend: Backend, k1: Kiosk, monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = backend.token("K1")
    first, _, _ = items_of(k1)

    def unreachable(batch: wire.SubmissionBatch) -> wire.BatchResult:
        raise sa.exc.OperationalError("INSERT", {}, ConnectionError("server closed"))

    monkeypatch.setattr(backend.store, "ingest", unreachable)
    by_lean = post(api, token, [first])
    by_route = post(api, token, [first], ROUTE_ONLY)
    assert answer(by_lean) == answer(by_route)
    assert (by_lean.status_code, by_lean.headers["Retry-After"]) == (503, "5")
    assert by_lean.json() == {"detail": "storage unavailable; retry later"}
