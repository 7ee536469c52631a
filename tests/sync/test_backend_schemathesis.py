"""Schemathesis against the backend's own OpenAPI spec, on SQLite and on PostgreSQL:
whatever it sends, with whichever token, the backend never answers 500."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from office.app import create_app
from office.store import Role
from sync import wire
from tests.conftest import SMALL_CATALOG, catalog_bytes
from tests.sync.conftest import Backend

#: Examples per operation: bounded, so the run takes seconds.
EXAMPLES = 25


@pytest.fixture
def tokens(backend: Backend) -> dict[str, str]:
    """A kiosk token, a back-office token and a hub token (filed under unit 4)."""
    hub = backend.token("HUB-4", Role.HUB)
    backend.store.units.assign("HUB-4", 4)
    return {"kiosk": backend.token("K1"),
            "back office": backend.token("OFFICE", Role.BACK_OFFICE), "hub": hub}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_no_request_makes_the_backend_fail(
    backend: Backend, tokens: dict[str, str], mode: GenerationMode
) -> None:
    # GIVEN the backend's own OpenAPI spec, read from the running app
    app = create_app(backend.store, rate_limit="100000/second")
    schema = schemathesis.openapi.from_asgi(f"{wire.PREFIX}/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The back office's pages are not in the spec; /metrics, /healthz and /readyz are.
    assert len(operations) == 31  # incl. the hub heartbeat, releases, applications by card
    for operation in operations:
        # Mostly the token the operation is for (so the body is looked at), else the other.
        tags = operation.tags or []
        role = ("hub" if "hub" in tags else
                "back office" if "back office" in tags and "kiosk" not in tags else "kiosk")
        # WHEN it sends what the spec allows (and what it does not) THEN never a 500
        try:
            _never_a_500(operation, mode, {"Authorization": f"Bearer {tokens[role]}"})
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (no parameters, no body).
            assert mode is GenerationMode.NEGATIVE, operation.label


def _never_a_500(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    call()


def test_the_catalog_endpoint_takes_a_real_catalog(backend: Backend) -> None:
    # The generated bodies are never valid catalogs; one real one closes the loop.
    from fastapi.testclient import TestClient

    api = TestClient(create_app(backend.store))
    token = backend.token("OFFICE", Role.BACK_OFFICE)
    response = api.put(wire.Endpoint.CATALOG.value, content=catalog_bytes(SMALL_CATALOG),
                       headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
