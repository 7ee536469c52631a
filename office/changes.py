"""``GET /v1/kiosk/changes``: what a kiosk would pull now, from each worker's memory.

The agent asks this every round with the previous answer's ``ETag``; nothing changed is
``304`` with no body and no database read (:class:`office.store.changes.ChangeHeads`), and
otherwise it pulls only the parts whose value differs from that previous answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from office.app import IfNoneMatch, Kiosk, StoreDep
from office.shared_ratelimit import SharedRateLimiter
from office.store import Role, Store
from sync import wire

router = APIRouter()

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "no token, or an unknown or revoked one"},
    403: {"description": "not a kiosk token"},
    429: {"description": "over the rate limit; see Retry-After"},
}


def _matches(etag: str, if_none_match: str) -> bool:
    return etag in {part.strip().removeprefix("W/") for part in if_none_match.split(",")}


@router.get(wire.Endpoint.KIOSK_CHANGES.value, tags=["kiosk"], response_class=Response,
            responses={**_ERRORS, 200: {"description": "what the kiosk would pull now",
                                       "content": {"application/json": {
                                           "schema": wire.KioskChanges.model_json_schema()}}},
                       304: {"description": "nothing changed since the ETag given"}})
async def kiosk_changes(
    caller: Kiosk, store: StoreDep,
    unit: Annotated[int | None, Query(ge=1, le=99999,
                                      description="the service point whose queue the "
                                      "kiosk shows")] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The catalog's, overlay's and directory's ETags, this kiosk's newest status event and
    the queue's publication time; ``304`` when they are those of ``If-None-Match``. A
    change made through any worker shows here within 2 seconds."""
    heads = store.changes
    if heads.refresh_due():
        await run_in_threadpool(heads.refresh)
    answer, etag = heads.changes(caller.client_id, unit)
    if if_none_match is not None and _matches(etag, if_none_match):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(answer.model_dump_json(), media_type="application/json",
                    headers={"ETag": etag})


class UnchangedPolls:
    """ASGI middleware: the usual poll (nothing changed, token and heads in memory, within
    the rate limit) answered ``304`` before FastAPI's routing and dependencies, which cost
    more than the answer itself. Anything else (a token not in memory, a refresh or rate
    exchange due, a change, a malformed query) goes on to :func:`kiosk_changes`, which
    answers it the same way with all the checks.

    It stands in front of the whole app (:attr:`office.app.Backend.front`), Starlette's
    error and exception middleware included: about a tenth of a poll's CPU went through
    those layers and the body limit before reaching it. ``state`` is the app's (the scope
    has no ``app`` yet out there)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *,
                 state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET"
                and scope["path"] == wire.Endpoint.KIOSK_CHANGES.value):
            etag = _unchanged(self.state, scope)
            if etag is not None:
                await send({"type": "http.response.start", "status": 304,
                            "headers": [(b"etag", etag.encode("latin-1"))]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def _poll(scope: Scope) -> tuple[int | None, str, str] | None:
    """A plain poll's unit, token and ``If-None-Match``; None for anything else."""
    query = scope["query_string"].decode("latin-1")
    unit: int | None = None
    if query:
        name, _, value = query.partition("=")
        if name != "unit" or not value.isdigit() or not 1 <= int(value) <= 99999:
            return None
        unit = int(value)
    headers = {key: value.decode("latin-1") for key, value in scope["headers"]
               if key in {b"authorization", b"if-none-match"}}
    scheme, _, token = headers.get(b"authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or b"if-none-match" not in headers:
        return None
    return unit, token, headers[b"if-none-match"]


def _unchanged(state: State, scope: Scope) -> str | None:
    """The ETag to answer 304 with, when everything needed is in memory; else None."""
    store: Store = state.store
    limiter: SharedRateLimiter = state.limiter
    poll = None if store.changes.refresh_due() or limiter.sync_due() else _poll(scope)
    if poll is None:
        return None
    unit, token, if_none_match = poll
    caller = store.credentials.cached(token)
    if caller is None or caller.role is not Role.KIOSK:
        return None
    etag = store.changes.etag(caller.client_id, unit)
    if not _matches(etag, if_none_match):
        return None
    # Counted like any request; one over the limit goes on to the route, which answers 429.
    return etag if limiter.retry_after(caller.client_id) is None else None
