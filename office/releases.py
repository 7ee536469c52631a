"""Kiosks fetch their channel's signed release and its artifact (docs/updates.md).

Both answers need a kiosk token. The manifest answer carries an ETag (the manifest's
SHA-256), so a kiosk polling every few minutes costs a 304 until something is published.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response

from office.app import IfNoneMatch, Kiosk, StoreDep
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


@router.get(wire.Endpoint.KIOSK_RELEASE_ARTIFACT.value, tags=["kiosk"],
            response_class=Response, responses=_NOTHING)
def artifact(channel: Channel, caller: Kiosk, store: StoreDep) -> Response:
    """The artifact of the channel's release (checked by the kiosk against the manifest)."""
    found = Releases(store.engine, clock=store.clock).artifact(channel)
    if found is None:
        raise HTTPException(404, f"no release is published on channel {channel!r}")
    name, data = found
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
