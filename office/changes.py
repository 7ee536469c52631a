"""``GET /v1/kiosk/changes``: what a kiosk would pull now, from each worker's memory.

The agent asks this every round with the previous answer's ``ETag``; nothing changed is
``304`` with no body and no database read (:class:`office.store.changes.ChangeHeads`), and
otherwise it pulls only the parts whose value differs from that previous answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from office.app import IfNoneMatch, Kiosk, StoreDep
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
