"""A release artifact downloaded to disk a piece at a time, resumed after a cut.

Bundles are 60-135 MB and a commune's link drops: the bytes go to ``NAME.part`` as they
arrive (never whole in memory), with the server's ETag (the artifact's SHA-256) kept in
``NAME.part.etag``. After a cut connection, or in the next update run after a restart, the
download asks for the rest with ``Range: bytes=N-`` and ``If-Range: <that ETag>``: the
server sends the rest (206) if it still serves the same bytes, or the whole new artifact
(200) if another release was published meanwhile, which replaces the partial file, so two
releases' bytes are never mixed. Only the complete file is renamed to ``NAME``; the caller
checks its size, SHA-256 and signature then (sync/updater.py).
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


def download_artifact(client: BackendClient, channel: str, target: Path, *,
                      attempts: int = ATTEMPTS) -> None:
    """Write ``channel``'s artifact to ``target``, resuming any partial download of it.

    RequestFailedError if the server refuses (404, 401...) or the connection failed
    ``attempts`` times; the partial file stays for the next run to resume.
    """
    url = client.base_url + wire.Endpoint.KIOSK_RELEASE_ARTIFACT.value.format(channel=channel)
    _discard_other_partials(target)
    last = "no attempt made"
    for _ in range(attempts):
        try:
            if _fetch(client, url, target):
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


def _fetch(client: BackendClient, url: str, target: Path) -> bool:
    """One connection: append what it brings to the partial file; True once it is whole."""
    part, tag = partial_file(target), _etag_file(target)
    etag = tag.read_text().strip() if tag.exists() else ""
    offset = _size(part) if etag else 0
    # identity: a range is of the artifact's own bytes, never of a compressed form.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers |= {"Range": f"bytes={offset}-", "If-Range": etag}
    with client.session.get(url, headers=headers, stream=True,
                            timeout=client.timeout) as response:
        client.last_server_date = response.headers.get("Date", client.last_server_date)
        served = response.headers.get("ETag", "")
        if response.status_code == 206:
            start, total = _resumed_range(response)
            if start != offset or served != etag:
                _forget(target)  # not the rest we asked for: start again
                return False
        elif response.status_code == 200:
            # The whole artifact: a new one, or ours when nothing was kept.
            part.write_bytes(b"")
            if served.startswith('"'):  # only a strong ETag makes a resume safe
                tag.write_text(served)
            else:
                tag.unlink(missing_ok=True)
            total = int(response.headers.get("Content-Length", "-1"))
        elif response.status_code == 416:
            _forget(target)  # ours is as long as theirs or longer: not the same file
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
