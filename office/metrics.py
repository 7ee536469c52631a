"""What the city's Prometheus scrapes at ``/metrics``, and the liveness and readiness checks.

Each app has its own registry (tests make many apps in one process). Requests are counted
and timed by **route template** (``/v1/kiosk/applications/{receipt_code}``, never the code
itself: a label per receipt would grow without bound and say which citizen asked), submissions by
kind and outcome, the feed cursor (the newest stored, and the newest handed to a puller),
and database errors. Nothing here carries personal data.

``/healthz`` answers while the process serves (liveness: restart it if not); ``/readyz``
runs ``SELECT 1`` on the database and answers 503 when it cannot (readiness: send no
traffic here until it passes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.kinds import SubmissionKind
from office import schema
from office.database import read_snapshot
from office.store import Store
from sync import wire

log = logging.getLogger("office.metrics")


router = APIRouter(include_in_schema=True, tags=["operations"])
#: The operational endpoints (outside the versioned API); requests to them are not counted
#: (the scraper's own and the probes').
OPERATIONAL_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})
#: The label of a request no route matched (a 404), or a mounted static file.
UNMATCHED, STATIC = "(unmatched)", "(static)"
_KINDS = frozenset(kind.value for kind in SubmissionKind)


class Metrics:
    """One app's metrics and the registry they are exposed from."""

    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "motcua_http_requests", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "motcua_http_request_duration_seconds", "Time to answer, by route template",
            ["method", "route"], registry=self.registry,
            buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
        self.ingested = Counter(
            "motcua_submissions_ingested", "Submissions received from kiosks, by kind and "
            "outcome (accepted, conflict, rejected)", ["kind", "outcome"],
            registry=self.registry)
        self.pulled_cursor = Gauge(
            "motcua_feed_pulled_cursor", "The newest feed cursor handed to a puller",
            registry=self.registry)
        self.db_errors = Counter(
            "motcua_database_errors", "Requests or checks that failed on the database",
            registry=None)
        self._pulled = 0
        # The cursor is read before the error count is written, so a scrape that could not
        # read it already counts that failure.
        self.registry.register(_StoredCursor(store, self.db_errors))
        self.registry.register(self.db_errors)

    def count_ingest(self, batch: wire.ReceivedBatch, result: wire.BatchResult) -> None:
        """Count each item of an ingested batch by its kind and what became of it."""
        for item, answer in zip(batch.submissions, result.results, strict=True):
            kind = (item.model_extra or {}).get("kind")
            label = kind if isinstance(kind, str) and kind in _KINDS else "unknown"
            self.ingested.labels(label, answer.outcome.value).inc()

    def saw_pull(self, next_cursor: str) -> None:
        """A puller was handed ``next_cursor``."""
        cursor = int(next_cursor)
        if cursor > self._pulled:
            self._pulled = cursor
            self.pulled_cursor.set(cursor)

    def exposition(self) -> bytes:
        """Everything, in Prometheus' text format."""
        return generate_latest(self.registry)


class _StoredCursor(Collector):
    """The newest stored feed cursor, read at each scrape (a database error is counted)."""

    def __init__(self, store: Store, errors: Counter) -> None:
        self.store = store
        self.errors = errors

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("motcua_feed_cursor", "The newest feed cursor stored")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with read_snapshot(self.store.engine) as connection:
                newest = connection.execute(
                    sa.select(sa.func.max(schema.submissions.c.cursor))).scalar_one()
        except sa.exc.SQLAlchemyError as error:
            self.errors.inc()
            log.warning("metrics: cannot read the feed cursor: %s", type(error).__name__)
            return
        yield GaugeMetricFamily("motcua_feed_cursor", "The newest feed cursor stored",
                                value=float(newest or 0))


def metrics_of(request: Request) -> Metrics:
    """The app's metrics."""
    found: Metrics = request.app.state.metrics
    return found


def route_label(request: Request) -> str:
    """The route template that answered ``request`` (never the path with its values)."""
    return _route_of(request.scope)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path if getattr(route, "methods", None) is not None else STATIC
    return UNMATCHED


def install(app: FastAPI, store: Store) -> Metrics:
    """Add the metrics, their middleware and the three operational endpoints to ``app``."""
    metrics = Metrics(store)
    app.state.metrics = metrics
    app.include_router(router)
    app.add_middleware(Measure, metrics=metrics)
    return metrics


class Measure:
    """ASGI middleware: each request counted and timed by method, route template and status.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs
    the rest of the app in a task group of its own and streams the answer through memory
    channels, about a tenth of a worker's CPU per small request (measured with py-spy)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPERATIONAL_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = _route_of(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(
                time.perf_counter() - started)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics (no personal data; restrict it to the monitoring network)."""
    return Response(metrics_of(request).exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
def healthz() -> wire.Health:
    """Liveness: the process answers (the database is not touched)."""
    return wire.Health(status="ok", api=wire.API_VERSION)


@router.get("/readyz", responses={503: {"description": "the database cannot be reached"}})
def readyz(request: Request) -> Response:
    """Readiness: the database answers ``SELECT 1``; 503 when it cannot."""
    store: Store = request.app.state.store
    try:
        with read_snapshot(store.engine) as connection:
            connection.execute(sa.text("SELECT 1")).scalar_one()
    except sa.exc.SQLAlchemyError as error:
        metrics_of(request).db_errors.inc()
        log.warning("readiness: the database cannot be reached: %s", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready", "database": "ok"})
