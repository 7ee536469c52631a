"""The city server for its monitoring, on SQLite and PostgreSQL: /metrics, /healthz,
/readyz, the journald log lines with personal data masked, and the offline API docs."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from office.app import create_app
from office.logs import configure_server_logging, mask_personal
from office.store import Role
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import Backend
from tests.sync.helpers import fill


@pytest.fixture
def api(backend: Backend) -> TestClient:
    return TestClient(create_app(backend.store, rate_limit="10000/second"),
                      base_url="http://127.0.0.1")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format, or None when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith("#"):
            continue
        found = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if found and found.group(1) == name:
            have = ",".join(sorted((found.group(2) or "").split(","))) if found.group(2) else ""
            if have == wanted:
                return float(found.group(3))
    return None


def test_liveness_and_readiness_answer_while_the_database_does(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "api": wire.API_VERSION}
    assert api.get("/readyz").json() == {"status": "ready", "database": "ok"}


def test_readiness_is_503_when_the_database_cannot_be_reached(
    backend: Backend, api: TestClient, tmp_path: Any
) -> None:
    # GIVEN the database is gone (its file's folder does not exist)
    backend.store.engine = sa.create_engine(f"sqlite:///{tmp_path}/gone/backend.sqlite3")
    # THEN readiness fails with Retry-After, liveness still answers, and it is counted
    ready = api.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable",
                                                       "database": "unreachable"})
    assert ready.headers["Retry-After"] == "5"
    assert api.get("/healthz").status_code == 200
    metrics = api.get("/metrics").text
    # one for /readyz, one for the feed cursor this scrape could not read
    assert sample(metrics, "motcua_database_errors_total") == 2.0


def test_metrics_count_requests_by_route_template_ingests_by_kind_and_the_cursor(
    backend: Backend, api: TestClient, kiosks: Any
) -> None:
    kiosk_token = backend.token("K1")
    office = backend.token("OFFICE", Role.BACK_OFFICE)
    kiosk = kiosks("K1")
    made = fill(kiosk.outbox, 3)
    items = [to_wire(d).model_dump(mode="json") for d in kiosk.outbox.pending_deliveries(10)]
    # WHEN a kiosk delivers 3 submissions (one twice), looks up two receipts and a puller pulls
    assert api.post(wire.Endpoint.SUBMISSIONS_BATCH.value, headers=auth(kiosk_token),
                    json={"submissions": items}).status_code == 200
    assert api.post(wire.Endpoint.SUBMISSIONS_BATCH.value, headers=auth(kiosk_token),
                    json={"submissions": items[:1]}).status_code == 200
    codes = [kiosk.outbox.get(uuid).receipt_code for uuid in made[:2]]  # type: ignore[union-attr]
    for code in codes:
        api.get(wire.Endpoint.KIOSK_APPLICATION_LOOKUP.value.replace("{receipt_code}", code),
                headers=auth(kiosk_token))
    page = api.get(wire.Endpoint.SUBMISSIONS.value, headers=auth(office)).json()
    api.get("/nowhere")
    metrics = api.get("/metrics")
    # THEN the scrape has them, by route template (never by receipt code)
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert all(code not in text for code in codes)
    lookup = wire.Endpoint.KIOSK_APPLICATION_LOOKUP.value
    assert sample(text, "motcua_http_requests_total", method="GET", route=lookup,
                  status="200") == 2.0
    assert sample(text, "motcua_http_requests_total", method="POST",
                  route=wire.Endpoint.SUBMISSIONS_BATCH.value, status="200") == 2.0
    assert sample(text, "motcua_http_requests_total", method="GET", route="(unmatched)",
                  status="404") == 1.0
    assert sample(text, "motcua_http_request_duration_seconds_count", method="GET",
                  route=lookup) == 2.0
    kinds = {item["kind"] for item in items}
    accepted = sum(sample(text, "motcua_submissions_ingested_total", kind=kind,
                          outcome="accepted") or 0 for kind in kinds)
    assert accepted == len(made) + 1  # the replay answers "accepted" again (idempotent)
    newest = max(int(item["cursor"]) for item in page["items"])
    assert sample(text, "motcua_feed_cursor") == float(newest)
    assert sample(text, "motcua_feed_pulled_cursor") == float(page["next_cursor"])
    assert sample(text, "motcua_database_errors_total") == 0.0
    # AND the probes and the scrape itself are not counted
    assert "/metrics" not in text and "/readyz" not in text


def test_the_openapi_page_loads_swagger_ui_from_this_server(api: TestClient) -> None:
    page = api.get("/v1/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/v1/docs-assets/") for source in sources)
    assert "validatorUrl" in page.text and '"validatorUrl": null' in page.text
    for source in sources:
        asset = api.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    assert "https://" not in page.text
    assert api.get("/docs", follow_redirects=False).headers["location"] == "/v1/docs"


# -- logs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("sign-in from 203.0.113.45", "sign-in from 203.0.113.x"),
        ("card 001099012345 read", "card ********2345 read"),
        ("old card 123456789", "old card *****6789"),
        ("call 0912 000 111 or +84912000111", "call **** *** 111 or +********111"),
        ("mail an.nguyen@example.vn", "mail a***@example.vn"),
        ("procedure 1.004194, ward 26734, cursor 2026", "procedure 1.004194, ward 26734, "
                                                       "cursor 2026"),
    ],
)
def test_personal_data_is_masked_in_server_logs(line: str, masked: str) -> None:
    assert mask_personal(line) == masked


@pytest.fixture
def journal() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_server_logging(stream=stream, environ={"JOURNAL_STREAM": "8:1234"})
    yield stream
    logging.getLogger().removeHandler(handler)


def test_server_and_uvicorn_lines_are_the_kiosks_journald_lines_masked(
    journal: io.StringIO,
) -> None:
    logging.getLogger("office.web").warning("back office: account %s locked (last from %s)",
                                            "canbo.badinh", "198.51.100.7")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "198.51.100.7:5555",
                                             "GET", "/tra-cuu/0912000111", "1.1", 200)
    logging.getLogger("uvicorn.error").info("Uvicorn running on http://%s:%d", "10.1.2.3", 8080)
    assert journal.getvalue().splitlines() == [
        "<4>office.web: back office: account canbo.badinh locked (last from 198.51.100.x)",
        '<6>uvicorn.access: 198.51.100.x:5555 - "GET /tra-cuu/*******111 HTTP/1.1" 200',
        "<6>uvicorn.error: Uvicorn running on http://10.1.2.3:8080",
    ]
