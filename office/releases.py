"""Kiosks fetch their channel's signed release and its artifact (docs/updates.md).

Both answers need a kiosk token. The manifest answer carries an ETag (the manifest's
SHA-256), so a kiosk polling every few minutes costs a 304 until something is published.
The artifact is streamed a piece at a time (office/store/releases.py), with HTTP ranges and
its SHA-256 as a strong ETag, so a download cut at 90 % resumes with ``Range`` and
``If-Range`` instead of starting over, and never mixes the bytes of two releases.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Response
from fastapi.responses import StreamingResponse

from office.app import IfNoneMatch, Kiosk, StoreDep
from office.byte_ranges import RangeAnswer, choose_range
from office.store.releases import Releases
from sync import wire

router = APIRouter()

Channel = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,31}$", description="a channel name")]
_NOTHING: dict[int | str, dict[str, Any]] = {
    404: {"description": "nothing published on this channel"}}


@router.get(wire.Endpoint.KIOSK_RELEASE.value, tags=["kiosk"], response_model=None,
            responses={**_NOTHING, 200: {"model": wire.ReleaseOffer},
                       304: {"description": "not modified since the ETag given"}})
def release(channel: Channel, caller: Kiosk, store: StoreDep,
            if_none_match: IfNoneMatch = None) -> Response:
    """The channel's signed manifest; 304 when ``If-None-Match`` has its ETag."""
    found = Releases(store.engine, clock=store.clock).current(channel)
    if found is None:
        raise HTTPException(404, f"no release is published on channel {channel!r}")
    etag = f'"{hashlib.sha256(found.manifest).hexdigest()[:32]}"'
    if if_none_match is not None and etag in {
            part.strip().removeprefix("W/") for part in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    offer = wire.ReleaseOffer(manifest=found.manifest.decode(), signature=found.signature)
    return Response(offer.model_dump_json(), media_type="application/json",
                    headers={"ETag": etag})


RangeHeader = Annotated[str | None, Header(alias="Range", max_length=200)]
IfRange = Annotated[str | None, Header(max_length=200)]


@router.get(wire.Endpoint.KIOSK_RELEASE_ARTIFACT.value, tags=["kiosk"],
            response_class=Response,
            responses={**_NOTHING,
                       206: {"description": "the part the Range asked for"},
                       416: {"description": "the Range starts past the artifact's end"}})
def artifact(channel: Channel, caller: Kiosk, store: StoreDep,
             range_header: RangeHeader = None, if_range: IfRange = None) -> Response:
    """The artifact of the channel's release (checked by the kiosk against the manifest).

    ETag: its SHA-256. ``Range: bytes=N-`` with ``If-Range: <ETag>`` resumes a download:
    206 with the rest if the release is still that one, 200 with all of the new one if not.
    """
    releases = Releases(store.engine, clock=store.clock)
    found = releases.artifact(channel)
    if found is None:
        raise HTTPException(404, f"no release is published on channel {channel!r}")
    etag = f'"{found.sha256}"'
    chosen = choose_range(found.size, range_header, if_range, etag)
    headers = {"ETag": etag, "Accept-Ranges": "bytes",
               "Content-Disposition": f'attachment; filename="{found.name}"'}
    if chosen.answer is RangeAnswer.UNSATISFIABLE:
        return Response(status_code=416,
                        headers={**headers, "Content-Range": chosen.content_range()})
    if chosen.answer is RangeAnswer.PART:
        headers["Content-Range"] = chosen.content_range()
    headers["Content-Length"] = str(chosen.end - chosen.start)
    return StreamingResponse(releases.read(found, chosen.start, chosen.end),
                             status_code=chosen.answer.value,
                             media_type="application/octet-stream", headers=headers)
