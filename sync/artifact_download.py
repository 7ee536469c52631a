"""A release artifact downloaded to disk a piece at a time, resumed after a cut.

Bundles are 60-135 MB and a commune's link drops: the bytes go to ``NAME.part`` as they
arrive (never whole in memory), with the server's ETag (the artifact's SHA-256) kept in
``NAME.part.etag``. After a cut connection, or in the next update run after a restart, the
download asks for the rest with ``Range: bytes=N-`` and ``If-Range: <that ETag>``: the
server sends the rest (206) if it still serves the same bytes, or the whole new artifact
(200) if another release was published meanwhile, which replaces the partial file, so two
releases' bytes are never mixed. Only the complete file is renamed to ``NAME``; the caller
checks its size, SHA-256 and signature then (sync/updater.py).

The kiosk knows the SHA-256 it wants (the signed manifest's) before it asks: it sends it as
``If-Range`` from the first request, and an answer with another ETag (the channel was
republished between the offer and the download) stops at its headers, before a byte of the
other release is written, so the next run starts from the new offer instead of downloading
60-135 MB to throw them away.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests
import urllib3

from sync import wire
from sync.client import (
    BackendClient,
    FailureKind,
    RequestFailedError,
    classify,
    retry_after_seconds,
)

#: Bytes read from the socket and written at a time.
PIECE = 1 << 20
#: Connections one download makes before giving up until the next update run (each cut
#: resumes where the last one stopped, so these are only spent by a link that keeps failing).
ATTEMPTS = 5
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
PART_SUFFIX = ".part"
ETAG_SUFFIX = ".part.etag"


def partial_file(target: Path) -> Path:
    """Where the bytes of ``target`` gather until it is complete."""
    return target.with_name(target.name + PART_SUFFIX)


class OtherArtifactError(RequestFailedError):
    """The channel serves another artifact than the manifest's (it was republished)."""


def download_artifact(client: BackendClient, channel: str, target: Path, *, sha256: str,
                      attempts: int = ATTEMPTS) -> None:
    """Write ``channel``'s artifact, the one whose SHA-256 is ``sha256`` (the manifest's), to
    ``target``, resuming any partial download of it.

    RequestFailedError if the server refuses (404, 401...) or the connection failed
    ``attempts`` times; the partial file stays for the next run to resume.
    OtherArtifactError (nothing of it written) if the channel serves another artifact now.
    """
    url = client.base_url + wire.Endpoint.KIOSK_RELEASE_ARTIFACT.value.format(channel=channel)
    _discard_other_partials(target)
    wanted = f'"{sha256}"'
    tag = _etag_file(target)
    if tag.exists() and tag.read_text().strip() != wanted:
        _forget(target)  # a partial of another build under the same name
    last = "no attempt made"
    for _ in range(attempts):
        try:
            if _fetch(client, url, target, wanted):
                partial_file(target).replace(target)
                _etag_file(target).unlink(missing_ok=True)
                return
            last = "the answer ended early"
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            last = f"{type(error).__name__}: {str(error)[:200]}"
    raise RequestFailedError(
        FailureKind.TRANSIENT,
        f"download cut {attempts} times ({last}); "
        f"{_size(partial_file(target))} bytes kept to resume")


def _fetch(client: BackendClient, url: str, target: Path, wanted: str) -> bool:
    """One connection: append what it brings to the partial file; True once it is whole.

    ``wanted``: the ETag (quoted SHA-256) of the artifact the manifest names.
    """
    part, tag = partial_file(target), _etag_file(target)
    offset = _size(part) if tag.exists() else 0
    # identity: a range is of the artifact's own bytes, never of a compressed form.
    # If-Range even without a Range: it names the bytes this kiosk wants (the server ignores
    # it then; the ETag check below is what stops another release).
    headers = {"Accept-Encoding": "identity", "If-Range": wanted}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with client.session.get(url, headers=headers, stream=True,
                            timeout=client.timeout) as response:
        client.last_server_date = response.headers.get("Date", client.last_server_date)
        served = response.headers.get("ETag", "")
        if response.status_code in {200, 206, 416} and served != wanted:
            # Stop at the headers: not a byte of another release is written or kept.
            raise OtherArtifactError(
                FailureKind.TRANSIENT,
                f"the channel now serves another artifact (ETag {served or 'none'}, not the "
                f"manifest's {wanted}): it was republished; the next check takes the new offer",
                status=response.status_code)
        if response.status_code == 206:
            start, total = _resumed_range(response)
            if start != offset:
                _forget(target)  # not the rest we asked for: start again
                return False
        elif response.status_code == 200:
            # The whole artifact (the server ignored the range, or nothing was kept).
            part.write_bytes(b"")
            tag.write_text(wanted)
            total = int(response.headers.get("Content-Length", "-1"))
        elif response.status_code == 416:
            if offset and _unsatisfied_size(response) == offset:
                return True  # all of it was written before a crash cut the rename short
            _forget(target)  # ours is longer than theirs: not the same file
            return False
        else:
            raise RequestFailedError(
                classify(response.status_code),
                f"{response.status_code} {response.reason or ''}".strip(),
                status=response.status_code, retry_after=retry_after_seconds(response))
        with part.open("ab") as out:
            # read1: what has arrived, up to PIECE; a cut raises only once the bytes that
            # came before it are written (a plain read(PIECE) would lose up to a PIECE).
            while piece := response.raw.read1(PIECE):
                out.write(piece)
    return total < 0 or _size(part) == total


def _resumed_range(response: requests.Response) -> tuple[int, int]:
    """The first byte and total size a 206 answer says it carries ((-1, -1): unreadable)."""
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return (-1, -1) if match is None else (int(match.group(1)), int(match.group(3)))


def _unsatisfied_size(response: requests.Response) -> int:
    """The total size a 416 answer gives (``Content-Range: bytes */SIZE``; -1: unreadable)."""
    value = response.headers.get("Content-Range", "")
    size = value.removeprefix("bytes */")
    return int(size) if value.startswith("bytes */") and size.isdigit() else -1


def _discard_other_partials(target: Path) -> None:
    """Delete partial downloads of other artifacts (an older offer's) beside ``target``."""
    keep = {partial_file(target).name, _etag_file(target).name}
    if not target.parent.is_dir():
        return
    for leftover in target.parent.iterdir():
        if leftover.name.endswith((PART_SUFFIX, ETAG_SUFFIX)) and leftover.name not in keep:
            leftover.unlink(missing_ok=True)


def _forget(target: Path) -> None:
    partial_file(target).unlink(missing_ok=True)
    _etag_file(target).unlink(missing_ok=True)


def _etag_file(target: Path) -> Path:
    return target.with_name(target.name + ETAG_SUFFIX)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
