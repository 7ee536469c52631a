"""``POST /v1/submissions/batch`` answered without FastAPI's machinery, when nothing is amiss.

A fleet's kiosks send a batch per round; FastAPI's routing, dependency solving, the
sync endpoint's thread hand-off and its re-validation of the returned model cost a
worker about three times what storing the batch does (measured with py-spy,
bench/app_cpu_bench.py). :class:`LeanIngest` handles the usual request itself: a kiosk
token (checked as the route checks it), a JSON body that is a valid
:class:`sync.wire.ReceivedBatch` of this kiosk's own submissions. It does exactly what the
route :func:`office.app.ingest` does with it (the same checks item by item, the same
store work, the same metrics, the same answer). On SQLite the store's call goes to a
thread; on PostgreSQL the store's one INSERT (its own text and parameters,
:class:`office.store.submissions.PostgresqlIngest`) is sent on an async connection from the
event loop (:mod:`office.async_postgres`): the thread's hand-off cost a worker as much as
the statement. Only a batch with a replay, a conflict or a refused item then reads the
database in a thread, as the store does.

Anything else (no token or one not in memory, another role, malformed JSON, a body that
does not fit the schema, another kiosk's submissions, a body that is not
``application/json``) is handed to the route with the body as received, so every refusal
is the route's own, status and body alike. Only the over-limit refusal is answered here
(as the route would: ``429``, ``Retry-After``), since the request has been counted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import psycopg
import sqlalchemy as sa
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from office.async_postgres import AsyncPostgres
from office.auth_batch import AuthBatcher
from office.database import is_postgresql
from office.metrics import Metrics
from office.shared_ratelimit import SharedRateLimiter
from office.store import Principal, Role, Store
from office.store.submissions import INSERT_POSTGRESQL
from sync import wire

log = logging.getLogger("office.app")


#: What the route's error handler answers when the database is unreachable.
StorageDown = Callable[[Request, Exception], Awaitable[JSONResponse]]

_PATH = wire.Endpoint.SUBMISSIONS_BATCH.value
_JSON = b"application/json"


class LeanIngest:
    """ASGI middleware: the usual submission batch stored and answered here (above)."""

    def __init__(self, app: ASGIApp, *, route: object, storage_down: StorageDown) -> None:
        self.app = app
        #: The route's own object, put in the scope so the metrics label this request as
        #: the route would be labelled.
        self.route = route
        self.storage_down = storage_down
        #: The store whose database :attr:`_postgres` reaches (the app's, once seen).
        self._store: Store | None = None
        self._postgres: AsyncPostgres | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing(receive), send)
            return
        if not (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"] == _PATH):
            await self.app(scope, receive, send)
            return
        messages, body = await _read(receive)
        state = scope["app"].state
        caller = await _caller(scope, state.store, state.auth, state.limiter)
        batch = None if caller is None else _batch(body, caller.client_id)
        if caller is None or batch is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        limiter: SharedRateLimiter = state.limiter
        wait = limiter.retry_after(caller.client_id)
        if wait is not None:
            over = JSONResponse({"detail": f"over the rate limit of {limiter.limit}"},
                                status_code=429, headers={"Retry-After": str(wait)})
            await over(scope, receive, send)
            return
        scope["route"] = self.route
        store: Store = state.store
        try:
            admission = wire.admit(batch, store.clock())
            stored = None if admission.batch is None else await self._ingest(
                store, admission.batch)
        except (sa.exc.OperationalError, psycopg.OperationalError) as error:
            down = await self.storage_down(Request(scope, receive), error)
            await down(scope, receive, send)
            return
        result = admission.results(stored)
        metrics: Metrics = state.metrics
        metrics.count_ingest(batch, result)
        answer = result.__pydantic_serializer__.to_json(result)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode()),
                                (b"content-type", _JSON)]})
        await send({"type": "http.response.body", "body": answer})

    def _closing(self, receive: Receive) -> Receive:
        """``receive`` closing the async connections when the server shuts down."""
        async def closing() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._postgres is not None:
                await self._postgres.close()
            return message

        return closing

    async def _ingest(self, store: Store, batch: wire.SubmissionBatch) -> wire.BatchResult:
        """:meth:`Store.ingest`'s result: on PostgreSQL its statement sent from here."""
        if store is not self._store:
            self._store = store
            self._postgres = (AsyncPostgres.beside(store.engine) if is_postgresql(store.engine)
                              else None)
        if self._postgres is None:
            return await run_in_threadpool(store.ingest, batch)
        plan = store.submissions.plan_postgresql(batch)
        inserted = ([] if plan.parameters is None else
                    await self._postgres.column(INSERT_POSTGRESQL, plan.parameters))
        answer = plan.answer(inserted)
        if answer is not None:
            return answer
        return await run_in_threadpool(store.submissions.settle_postgresql, plan, inserted)


async def _read(receive: Receive) -> tuple[list[Message], bytes]:
    """The request's messages as received (to hand on unchanged) and its whole body.

    :class:`office.app.BodyLimit`, outside this, has already refused a body over its
    limit, so this reads at most that."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _caller(scope: Scope, store: Store, auth: AuthBatcher, limiter: SharedRateLimiter
                  ) -> Principal | None:
    """The kiosk sending a JSON body, its token checked and the rate-limit exchange done as
    the route does them; None when the route must answer."""
    authorization = content_type = None
    # The first of each header, as Starlette's ``Request.headers.get`` takes it.
    for key, value in scope["headers"]:
        if key == b"authorization" and authorization is None:
            authorization = value
        elif key == b"content-type" and content_type is None:
            content_type = value
    if content_type != _JSON or authorization is None:
        return None
    # As FastAPI's HTTPBearer reads it.
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    caller = store.credentials.cached(token)
    if caller is None:
        caller = await auth.authenticate(token)
    if caller is None or caller.role is not Role.KIOSK:
        return None
    if limiter.sync_due():
        await run_in_threadpool(limiter.sync)
    return caller


def _batch(body: bytes, kiosk_id: str) -> wire.ReceivedBatch | None:
    """The body as the route reads it (``json.loads``, then the model), when it is a batch
    of ``kiosk_id``'s own items; None when the route must answer."""
    try:
        batch = wire.ReceivedBatch.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError too
        return None
    if any(item.kiosk_id != kiosk_id for item in batch.submissions):
        return None
    return batch
