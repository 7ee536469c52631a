"""The backend's HTTP API (v1): FastAPI routes over :class:`office.store.Store`.

Kiosks and back-office clients authenticate with ``Authorization: Bearer TOKEN``; a kiosk
token reaches only the kiosk endpoints and its own data. Status codes: 400 malformed
JSON, 401 unknown or revoked token, 403 the wrong role or another kiosk's data, 404 nothing
published yet or an unknown unit code, 409 a publication not newer than the one served, 413
a body over the limit, 422 a body that does not fit the schema, 429 over the rate limit
(with ``Retry-After``), 503 storage unavailable (retry). The OpenAPI spec is served at
``/v1/openapi.json``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.catalog import CatalogError, parse_catalog_bytes
from kiosk.catalog_overlay import parse_overlay_bytes
from kiosk.directory import DIRECTORY_FILE
from office.api_docs import install as install_api_docs
from office.auth_batch import AuthBatcher
from office.lean_ingest import LeanIngest
from office.metrics import install as install_metrics
from office.metrics import metrics_of, route_label
from office.publishing import directory_body
from office.ratelimit import DEFAULT_RATE_LIMIT
from office.shared_ratelimit import SharedRateLimiter
from office.store import (
    CatalogKind,
    NotNewerError,
    Principal,
    PublishedAtError,
    Role,
    Store,
)
from office.store import Scope as TokenScope
from office.strict_ratelimit import StrictRateLimiter
from office.upkeep import Upkeep, worker_upkeep
from office.web.app import install as install_back_office
from office.web.catalog import UPLOAD_PATHS as CATALOG_UPLOAD_PATHS
from sync import wire

log = logging.getLogger("office.app")


#: Body limits per path; everything else gets the batch limit.
BODY_LIMITS = {wire.Endpoint.CATALOG.value: wire.MAX_CATALOG_BYTES,
               wire.Endpoint.CATALOG_OVERLAY.value: wire.MAX_CATALOG_BYTES,
               # The catalog page's uploads: a whole file plus the form's own bytes.
               **dict.fromkeys(CATALOG_UPLOAD_PATHS, wire.MAX_CATALOG_BYTES + 64 * 1024)}
#: Most bytes of a refused body read before answering 413 (then the connection closes).
MAX_DISCARD = 64 * 1024 * 1024
#: Seconds a client waits after a 503 before trying again.
STORAGE_RETRY_SECONDS = 5

_bearer = HTTPBearer(auto_error=False, description="a kiosk or back-office token")


class BodyLimit:
    """ASGI middleware: refuse a request body over its limit with 413, before parsing.

    The body is read whole (it is at most a few MiB) and handed on only when it fits, so
    nothing downstream ever sees a partial or oversized body.
    """

    def __init__(self, app: ASGIApp, *, limits: dict[str, int], default: int) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length")
        messages: list[Message] = []
        size = 0
        too_large = declared is not None and declared.isdigit() and int(declared) > limit
        while not too_large:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            too_large = size > limit
            if not message.get("more_body", False):
                break
        if too_large:
            await _discard_body(receive, size)
            await _too_large(send, limit)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _discard_body(receive: Receive, already: int) -> None:
    """Read (and drop) the rest of a refused body, up to :data:`MAX_DISCARD` bytes, so
    the client gets to read the 413 instead of a connection reset it would retry."""
    size = already
    while size <= MAX_DISCARD:
        message = await receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body over {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


@functools.cache
def hanoi_unit_codes() -> frozenset[int]:
    """The ward codes kiosks know (shipped with the core): the directory may name only these."""
    document = json.loads(
        resources.files("kiosk.data").joinpath(DIRECTORY_FILE).read_text(encoding="utf-8")
    )
    return frozenset(int(unit["code"]) for unit in document["units"])


# The dependencies are ``async def`` on purpose: a plain ``def`` runs in the thread pool,
# one hand-off per dependency per request (a fifth of the server's CPU under a fleet's load,
# measured with py-spy). Only a token missing from the cache reads the database, in a thread.


async def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(_store)]


async def _principal(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    found = store.credentials.cached(credentials.credentials)
    if found is None:
        batcher: AuthBatcher = request.app.state.auth
        found = await batcher.authenticate(credentials.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    limiter: SharedRateLimiter = request.app.state.limiter
    if limiter.sync_due():
        await run_in_threadpool(limiter.sync)
    wait = limiter.retry_after(found.client_id)
    if wait is not None:
        raise HTTPException(429, f"over the rate limit of {limiter.limit}",
                            headers={"Retry-After": str(wait)})
    return found


async def _kiosk(caller: Annotated[Principal, Depends(_principal)]) -> Principal:
    if caller.role is not Role.KIOSK:
        raise HTTPException(403, "this endpoint is for kiosk tokens")
    return caller


@dataclass(frozen=True)
class HubCaller:
    """An authenticated hub, and the unit (commune or ward) whose queue it may post."""

    hub_id: str
    unit_code: int

    def check_unit(self, unit_code: int) -> None:
        """403 unless ``unit_code`` is this hub's unit."""
        if unit_code != self.unit_code:
            raise HTTPException(403, f"hub {self.hub_id!r} posts for unit {self.unit_code}, "
                                f"not {unit_code}")


def _hub(caller: Annotated[Principal, Depends(_principal)], store: StoreDep) -> HubCaller:
    if caller.role is not Role.HUB:
        raise HTTPException(403, "this endpoint is for hub tokens (kiosk backend add-hub)")
    unit = store.units.unit_of(caller.client_id)
    if unit is None:
        raise HTTPException(403, f"hub {caller.client_id!r} is filed under no unit "
                            "(kiosk backend add-hub ID --unit UNIT_CODE)")
    return HubCaller(caller.client_id, unit)


def _scoped(scope: TokenScope) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: a back-office token that grants ``scope`` (403 otherwise)."""

    async def check(caller: Annotated[Principal, Depends(_principal)]) -> Principal:
        if caller.role is not Role.BACK_OFFICE:
            raise HTTPException(403, "this endpoint is for back-office tokens")
        if not caller.may(scope):
            raise HTTPException(403, f"this token lacks the {scope.value!r} scope")
        return caller

    return check


Kiosk = Annotated[Principal, Depends(_kiosk)]
Hub = Annotated[HubCaller, Depends(_hub)]
Puller = Annotated[Principal, Depends(_scoped(TokenScope.PULL))]
Publisher = Annotated[Principal, Depends(_scoped(TokenScope.PUBLISH))]
StatusWriter = Annotated[Principal, Depends(_scoped(TokenScope.STATUS_WRITE))]
FleetReader = Annotated[Principal, Depends(_scoped(TokenScope.FLEET))]
Anyone = Annotated[Principal, Depends(_principal)]
After = Annotated[str, Query(pattern=wire.CURSOR_PATTERN, description="cursor; 0: the start")]
Limit = Annotated[int, Query(ge=1, le=wire.MAX_PAGE, description="page size")]
IfNoneMatch = Annotated[str | None, Header(max_length=1000)]
UnitCode = Annotated[int, Path(ge=1, le=99999, description="the service point's unit code")]
ReceiptCode = Annotated[str, Path(pattern=wire.RECEIPT_CODE_PATTERN,
                                  description="a receipt code in canonical form")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no token, or an unknown or revoked one"},
    403: {"description": "a token of the wrong role or scope, or another kiosk's data"},
    429: {"description": "over the rate limit; see Retry-After"},
}
_PUBLISHED: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    200: {"description": "the published document", "content": {"application/json": {}}},
    304: {"description": "not modified since the ETag given"},
    404: {"description": "nothing published yet"},
}
_UNKNOWN_UNIT: dict[int | str, dict[str, Any]] = {
    404: {"description": "not the unit code of a Hà Nội commune or ward"},
}
_CATALOG_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "description": "a motcua-catalog/2 file (or /1)"}}}}}
_OVERLAY_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "description": "a motcua-catalog-overlay/1 file"}}}}}

#: Card look-ups per kiosk, across every worker (office/strict_ratelimit.py): a citizen
#: scans once or twice; a kiosk asking far more often is trying hashes, which the key makes
#: pointless but not free.
CARD_LOOKUP_RATE = "12/minute"

router = APIRouter()


@router.get(wire.Endpoint.HEALTH.value, tags=["public"])
def health() -> wire.Health:
    """The backend is up (no token needed)."""
    return wire.Health(status="ok", api=wire.API_VERSION)


@router.post(wire.Endpoint.SUBMISSIONS_BATCH.value, tags=["kiosk"],
             responses={**_ERRORS, 413: {"description": "body too large"}})
def ingest(
    batch: wire.ReceivedBatch, caller: Kiosk, store: StoreDep, request: Request
) -> wire.BatchResult:
    """Store a batch of this kiosk's submissions, each once; one result per item (an item
    that does not fit the schema of its kind, or dated by a wrong clock, is rejected)."""
    for index, item in enumerate(batch.submissions):
        if item.kiosk_id != caller.client_id:
            raise HTTPException(
                403, f"submissions[{index}] belongs to kiosk {item.kiosk_id!r}; this "
                f"token is kiosk {caller.client_id!r}")
    admission = wire.admit(batch, store.clock())
    result = admission.results(None if admission.batch is None else store.ingest(admission.batch))
    metrics_of(request).count_ingest(batch, result)
    return result


@router.get(wire.Endpoint.SUBMISSIONS.value, tags=["back office"], responses=_ERRORS)
def pull(
    caller: Puller, store: StoreDep, request: Request, after: After = "0", limit: Limit = 100
) -> wire.SubmissionPage:
    """Submissions stored after ``after``, oldest first: resume from ``next_cursor``."""
    page = store.pull(int(after), limit)
    metrics_of(request).saw_pull(page.next_cursor)
    return page


@router.post(wire.Endpoint.APPLICATION_STATUSES.value, tags=["back office"],
             responses=_ERRORS)
def update_statuses(
    updates: wire.StatusUpdateBatch, caller: StatusWriter, store: StoreDep
) -> wire.StatusUpdateResult:
    """Set application statuses that kiosks show on their status look-up screen."""
    return store.update_statuses(caller, updates)


@router.get(wire.Endpoint.KIOSK_APPLICATION_STATUSES.value, tags=["kiosk"],
            responses=_ERRORS)
def status_feed(
    caller: Kiosk, store: StoreDep, after: After = "0", limit: Limit = 100
) -> wire.StatusPage:
    """Status changes of this kiosk's applications after ``after``."""
    return store.status_feed(caller.client_id, int(after), limit)


@router.get(wire.Endpoint.KIOSK_APPLICATION_LOOKUP.value, tags=["kiosk"],
            responses=_ERRORS)
def look_up_application(
    receipt_code: ReceiptCode, caller: Kiosk, store: StoreDep
) -> wire.ApplicationLookup:
    """What the office knows of a receipt code, whichever kiosk took the application (no
    personal data); an empty list when nothing is known."""
    return store.look_up_application(receipt_code)


@router.post(wire.Endpoint.KIOSK_CARD_LOOKUP.value, tags=["kiosk"], responses=_ERRORS)
def look_up_card(
    request: Request, asked: wire.CardLookupRequest, caller: Kiosk, store: StoreDep
) -> wire.CardApplications:
    """The applications made with one ID card, by the keyed hash of its number (no personal
    data); limited per kiosk (:data:`CARD_LOOKUP_RATE`) beyond the general limit."""
    limiter: StrictRateLimiter = request.app.state.card_limiter
    wait = limiter.retry_after(caller.client_id)
    if wait is not None:
        raise HTTPException(429, f"over the card look-up limit of {limiter.limit}",
                            headers={"Retry-After": str(wait)})
    return store.look_up_card(asked)


@router.get(wire.Endpoint.KIOSK_DOSSIER_LOOKUP.value, tags=["kiosk"], responses=_ERRORS)
def look_up_dossier(
    code: Annotated[str, Query(pattern=wire.DOSSIER_CODE_PATTERN,
                               description="an official dossier code (mã hồ sơ)")],
    caller: Kiosk, store: StoreDep,
) -> wire.DossierLookup:
    """The intake the back office linked to an official dossier code, with its latest
    status (no personal data); an empty list when none is linked."""
    return store.look_up_dossier(code)


@router.put(wire.Endpoint.CATALOG.value, tags=["back office"], openapi_extra=_CATALOG_BODY,
            responses={**_ERRORS, 409: {"description": "version not newer"},
                       413: {"description": "body too large"},
                       422: {"description": "not a valid catalog"}})
async def publish_catalog(
    request: Request, caller: Publisher, store: StoreDep
) -> wire.Publication:
    """Publish a catalog file (docs/catalog-format.md); kiosks pull it with its ETag."""
    raw = await request.body()
    try:
        catalog = parse_catalog_bytes(raw)
    except CatalogError as error:
        raise HTTPException(422, f"not a valid catalog: {error}") from None
    return await _publish(store, CatalogKind.CATALOG, catalog.version, raw, caller)


@router.put(wire.Endpoint.CATALOG_OVERLAY.value, tags=["back office"],
            openapi_extra=_OVERLAY_BODY,
            responses={**_ERRORS, 409: {"description": "version not newer"},
                       413: {"description": "body too large"},
                       422: {"description": "not a valid overlay"}})
async def publish_overlay(
    request: Request, caller: Publisher, store: StoreDep
) -> wire.Publication:
    """Publish Hà Nội's overlay on the catalog (docs/catalog-format.md, "Overlay"): its own
    fees and counters, which win over the portal's; kiosks pull it with its ETag."""
    raw = await request.body()
    try:
        overlay = parse_overlay_bytes(raw)
    except CatalogError as error:
        raise HTTPException(422, f"not a valid overlay: {error}") from None
    return await _publish(store, CatalogKind.OVERLAY, overlay.version, raw, caller)


@router.put(wire.Endpoint.DIRECTORY.value, tags=["back office"],
            responses={**_ERRORS, 409: {"description": "version not newer"}})
async def publish_directory(
    document: wire.DirectoryDocument, caller: Publisher, store: StoreDep
) -> wire.Publication:
    """Publish service-point details of the communes; kiosks pull them with the ETag."""
    unknown = sorted({detail.code for detail in document.details} - hanoi_unit_codes()
                     - await run_in_threadpool(store.served_units.codes))
    if unknown:
        raise HTTPException(422, f"unknown unit code(s): {unknown[:5]}")
    return await _publish(store, CatalogKind.DIRECTORY, document.version,
                          directory_body(document), caller)


async def _publish(
    store: Store, kind: CatalogKind, version: int, raw: bytes, caller: Principal
) -> wire.Publication:
    try:
        return await run_in_threadpool(store.publish, kind, version, raw, caller)
    except NotNewerError as error:
        raise HTTPException(409, str(error)) from None


def _serve(store: Store, kind: CatalogKind, if_none_match: str | None) -> Response:
    published = store.published(kind)
    if published is None:
        raise HTTPException(404, f"no {kind.value} has been published")
    headers = {"ETag": published.etag, "X-Content-Version": str(published.version)}
    if if_none_match is not None and published.etag in _etags(if_none_match):
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type="application/json", headers=headers)


@router.get(wire.Endpoint.CATALOG.value, tags=["kiosk", "back office"],
            response_class=Response, responses=_PUBLISHED)
def get_catalog(caller: Anyone, store: StoreDep, if_none_match: IfNoneMatch = None) -> Response:
    """The published catalog file; 304 when ``If-None-Match`` has its ETag."""
    return _serve(store, CatalogKind.CATALOG, if_none_match)


@router.get(wire.Endpoint.CATALOG_OVERLAY.value, tags=["kiosk", "back office"],
            response_class=Response, responses=_PUBLISHED)
def get_overlay(caller: Anyone, store: StoreDep, if_none_match: IfNoneMatch = None) -> Response:
    """The published overlay on the catalog; 304 when ``If-None-Match`` has its ETag."""
    return _serve(store, CatalogKind.OVERLAY, if_none_match)


@router.get(wire.Endpoint.DIRECTORY.value, tags=["kiosk", "back office"],
            response_class=Response, responses=_PUBLISHED)
def get_directory(
    caller: Anyone, store: StoreDep, if_none_match: IfNoneMatch = None
) -> Response:
    """The published directory details; 304 when ``If-None-Match`` has its ETag."""
    return _serve(store, CatalogKind.DIRECTORY, if_none_match)


@router.post(wire.Endpoint.HEARTBEAT.value, tags=["kiosk"], responses=_ERRORS)
def heartbeat(beat: wire.Heartbeat, caller: Kiosk, store: StoreDep) -> wire.HeartbeatAck:
    """Record this kiosk's health; answers with the backend's clock."""
    return store.record_heartbeat(caller.client_id, beat)


@router.post(wire.Endpoint.HUB_HEARTBEAT.value, tags=["hub"], responses=_ERRORS)
def hub_heartbeat(beat: wire.Heartbeat, caller: Hub, store: StoreDep) -> wire.HeartbeatAck:
    """Record this hub's health (the fleet page judges it as it judges kiosks)."""
    return store.record_heartbeat(caller.hub_id, beat)


@router.get(wire.Endpoint.KIOSK_IDENTITY.value, tags=["kiosk"], responses=_ERRORS)
def identity(caller: Kiosk, store: StoreDep) -> wire.KioskIdentity:
    """Who this token's kiosk is and the key it seals personal data with (provisioning)."""
    card_key = store.submissions.card_key
    return wire.KioskIdentity(kiosk_id=caller.client_id,
                              backend_public_key=store.keys.public_key, api=wire.API_VERSION,
                              card_lookup_key_id=card_key.key_id,
                              card_lookup_key=card_key.secret.hex())


@router.get(wire.Endpoint.FLEET.value, tags=["back office"], responses=_ERRORS)
def fleet(caller: FleetReader, store: StoreDep) -> wire.Fleet:
    """Every enrolled kiosk and its last heartbeat."""
    return store.fleet()


def _known_unit(store: Store, unit_code: int) -> None:
    if unit_code not in hanoi_unit_codes() and unit_code not in store.served_units.codes():
        raise HTTPException(404, f"unknown unit code {unit_code}: not a Hà Nội commune or "
                            "ward (kiosk/data/communes-hanoi.json) nor a unit the operator "
                            "loaded (kiosk backend load-units)")


@router.put(wire.Endpoint.QUEUE.value, tags=["back office"],
            responses={**_ERRORS, **_UNKNOWN_UNIT,
                       409: {"description": "published_at not later than the one served"},
                       422: {"description": "not the schema, or published_at too far ahead"}})
def publish_queue(
    unit_code: UnitCode, publication: wire.QueuePublication, caller: Publisher,
    store: StoreDep,
) -> wire.QueueState:
    """Publish how a service point's queue stands now; its kiosks show it while fresh."""
    _known_unit(store, unit_code)
    try:
        return store.publish_queue(unit_code, publication, caller)
    except NotNewerError as error:
        raise HTTPException(409, str(error)) from None
    except PublishedAtError as error:
        raise HTTPException(422, str(error)) from None


@router.get(wire.Endpoint.QUEUE.value, tags=["kiosk", "back office"],
            responses={**_ERRORS, 404: {"description": "an unknown unit code, or no queue "
                                        "published for it yet"}})
def get_queue(unit_code: UnitCode, caller: Anyone, store: StoreDep) -> wire.QueueState:
    """The queue last published for a service point, with when it was published."""
    _known_unit(store, unit_code)
    state = store.queue_state(unit_code)
    if state is None:
        raise HTTPException(404, f"no queue published for unit {unit_code}")
    return state


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    if any(item.get("type") == "json_invalid" for item in errors):
        return JSONResponse({"detail": "malformed JSON"}, status_code=400)
    return JSONResponse({"detail": _jsonable(errors)}, status_code=422)


async def _storage_down(request: Request, error: Exception) -> JSONResponse:
    metrics_of(request).db_errors.inc()
    log.warning("storage unavailable on %s %s: %s", request.method, route_label(request),
                type(error).__name__)
    return JSONResponse({"detail": "storage unavailable; retry later"}, status_code=503,
                        headers={"Retry-After": str(STORAGE_RETRY_SECONDS)})


class Backend(FastAPI):
    """The API's app: FastAPI with :attr:`front`, what a request meets first, before
    Starlette's own middleware (the unchanged poll's shortcut, office/changes.py)."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        #: The ASGI app in front; it hands what it does not answer to FastAPI's own.
        self.front: ASGIApp = super().__call__

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.front(scope, receive, send)


def _lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """Each worker's background upkeep (office/upkeep.py) while it serves."""
    upkeep: Upkeep = app.state.upkeep
    return upkeep.running()


def create_app(
    store: Store, *, rate_limit: str = DEFAULT_RATE_LIMIT, session_secret: str | None = None,
) -> FastAPI:
    """The v1 API over ``store``, limited to ``rate_limit`` requests per client, and the
    back office's pages (:mod:`office.web`; ``session_secret`` signs their cookies)."""
    app = Backend(
        title="motcua-kiosk city backend",
        version=wire.API_VERSION,
        description="Kiosks deliver submissions and pull updates; the back office pulls "
        "submissions and publishes statuses, the catalog, the directory and service points' "
        "queues (docs/sync.md).",
        openapi_url=f"{wire.PREFIX}/openapi.json",
        docs_url=None,  # served by office.api_docs, without a CDN
        redoc_url=None,
        # No OpenTelemetry here (Prometheus: office/metrics.py); FastAPI would otherwise
        # look for a configured provider at every request (4 us each, measured).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        lifespan=_lifespan,
    )
    install_api_docs(app, f"{wire.PREFIX}/openapi.json")
    app.state.store = store
    app.state.limiter = SharedRateLimiter(rate_limit, store.engine)
    app.state.card_limiter = StrictRateLimiter(CARD_LOOKUP_RATE, store.engine,
                                               name="card-lookup")
    app.state.auth = AuthBatcher(store.credentials)
    app.state.upkeep = worker_upkeep(app.state.limiter, store)
    app.include_router(router)
    # Inside the metrics' middleware (added after it), so its requests are counted alike.
    app.add_middleware(LeanIngest, route=_ingest_route(), storage_down=_storage_down)
    install_metrics(app, store)
    install_back_office(app, store, session_secret=session_secret)
    from office.queue_events import router as queue_events  # noqa: PLC0415 - uses this module
    app.include_router(queue_events)
    from office.ticket_pages import router as ticket_pages  # noqa: PLC0415 - uses this module
    app.include_router(ticket_pages)
    from office.service_points import router as service_points  # noqa: PLC0415 - uses this
    app.include_router(service_points)
    from office.releases import router as releases  # noqa: PLC0415 - uses this module
    app.include_router(releases)
    from office.changes import UnchangedPolls  # noqa: PLC0415 - uses this module
    from office.changes import router as changes  # noqa: PLC0415
    app.include_router(changes)
    app.front = UnchangedPolls(app.front, state=app.state)
    app.add_middleware(BodyLimit, limits=BODY_LIMITS, default=wire.MAX_BATCH_BYTES)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(sa.exc.OperationalError, _storage_down)
    return app


def _ingest_route() -> APIRoute:
    return next(route for route in router.routes if isinstance(route, APIRoute)
                and route.path == wire.Endpoint.SUBMISSIONS_BATCH.value)


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",")}


def _jsonable(errors: Any) -> Any:
    """Validation errors without the exception objects pydantic may put in ``ctx``."""
    return json.loads(json.dumps(errors, default=str))
