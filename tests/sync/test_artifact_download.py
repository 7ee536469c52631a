"""A kiosk downloads a release to disk, resumes after a cut, and never mixes two releases
(sync/artifact_download.py)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.release import check_artifact, parse_manifest
from kiosk.release_signature import generate_key_pair, sign
from office.store.releases import Releases
from sync.artifact_download import OtherArtifactError, download_artifact, partial_file
from sync.client import BackendClient, FailureKind, RequestFailedError
from sync.release_source import BackendReleaseSource
from tests.sync.conftest import Backend
from tests.sync.faults import Fault, FaultProxy

NAME = "motcua_kiosk-2.5.0.release.tar"
OLD = hashlib.sha256(b"old").digest() * 40_000  # 1.28 MB
NEW = hashlib.sha256(b"new").digest() * 40_000
OLD_SHA, NEW_SHA = hashlib.sha256(OLD).hexdigest(), hashlib.sha256(NEW).hexdigest()


@dataclass
class Served:
    """What the loopback server serves, what it was asked and where it cuts."""

    data: bytes
    cuts: list[int | None] = field(default_factory=list)  # bytes of body sent, per request
    asked: list[tuple[str | None, str | None]] = field(default_factory=list)
    status: int = 200

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.data).hexdigest()}"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served: Served

    def do_GET(self) -> None:
        served = self.served
        asked, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        served.asked.append((asked, if_range))
        if served.status != 200:
            self.send_response(served.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        if asked and (if_range is None or if_range == served.etag):
            start = int(asked.removeprefix("bytes=").removesuffix("-"))
            if start >= len(served.data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(served.data)}")
                self.send_header("ETag", served.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = served.data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range",
                             f"bytes {start}-{len(served.data) - 1}/{len(served.data)}")
        self.send_header("ETag", served.etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = served.cuts.pop(0) if served.cuts else None
        if cut is None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # (the kiosk may hang up at the headers)
            return
        self.wfile.write(body[:cut])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)  # the commune's link drops
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[Served, BackendClient]]:
    served = Served(OLD)
    handler = type("Handler", (_Handler,), {"served": served})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    client = BackendClient(f"http://127.0.0.1:{httpd.server_address[1]}", "t",
                           connect_timeout=2, read_timeout=5)
    yield served, client
    client.close()
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def test_a_cut_download_resumes_where_it_stopped(server, tmp_path: Path):
    served, client = server
    served.cuts = [500_000, 300_000]
    target = tmp_path / NAME
    download_artifact(client, "pilot", target, sha256=OLD_SHA)
    assert target.read_bytes() == OLD
    assert served.asked == [(None, served.etag), ("bytes=500000-", served.etag),
                            ("bytes=800000-", served.etag)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [NAME]


def test_the_next_update_run_resumes_a_download_the_last_one_gave_up(server, tmp_path: Path):
    served, client = server
    served.cuts = [400_000]
    target = tmp_path / NAME
    with pytest.raises(RequestFailedError) as failed:
        download_artifact(client, "pilot", target, sha256=OLD_SHA, attempts=1)
    assert failed.value.kind is FailureKind.TRANSIENT
    assert "400000 bytes kept to resume" in failed.value.reason
    assert not target.exists()
    assert partial_file(target).read_bytes() == OLD[:400_000]
    download_artifact(client, "pilot", target, sha256=OLD_SHA)  # the kiosk restarted meanwhile
    assert target.read_bytes() == OLD
    assert served.asked[-1] == ("bytes=400000-", served.etag)


def test_a_release_changed_under_the_same_name_is_downloaded_whole(server, tmp_path: Path):
    served, client = server
    served.cuts = [400_000]
    target = tmp_path / NAME
    with pytest.raises(RequestFailedError):
        download_artifact(client, "pilot", target, sha256=OLD_SHA, attempts=1)
    served.data = NEW  # a new build was published under the same name meanwhile
    download_artifact(client, "pilot", target, sha256=NEW_SHA)  # the next run's manifest
    assert served.asked[-1] == (None, served.etag)  # the old build's 400 kB not resumed
    assert target.read_bytes() == NEW


def test_a_channel_republished_since_the_offer_stops_at_the_headers(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The manifest names OLD; the channel serves NEW by the time the kiosk downloads.
    served, client = server
    answers: list[requests.Response] = []
    get = client.session.get

    def recorded_get(*args: Any, **kwargs: Any) -> requests.Response:
        answers.append(get(*args, **kwargs))
        return answers[-1]
    monkeypatch.setattr(client.session, "get", recorded_get)
    served.data = NEW
    target = tmp_path / NAME
    with pytest.raises(OtherArtifactError) as failed:
        download_artifact(client, "pilot", target, sha256=OLD_SHA)
    assert (failed.value.kind, failed.value.status, failed.value.reason) == (
        FailureKind.TRANSIENT, 200,
        f'the channel now serves another artifact (ETag "{NEW_SHA}", not the manifest\'s '
        f'"{OLD_SHA}"): it was republished; the next check takes the new offer')
    assert served.asked == [(None, f'"{OLD_SHA}"')]  # one answer, not five attempts
    assert [answer.raw.tell() for answer in answers] == [0]  # not a byte of NEW's body read
    assert list(tmp_path.iterdir()) == []


def test_a_resume_of_a_republished_channel_keeps_the_partial_and_nothing_new(
        server, tmp_path: Path):
    served, client = server
    served.cuts = [400_000]
    target = tmp_path / NAME
    with pytest.raises(RequestFailedError):
        download_artifact(client, "pilot", target, sha256=OLD_SHA, attempts=1)
    served.data = NEW
    with pytest.raises(OtherArtifactError):
        download_artifact(client, "pilot", target, sha256=OLD_SHA)
    assert served.asked[-1] == ("bytes=400000-", f'"{OLD_SHA}"')
    assert partial_file(target).read_bytes() == OLD[:400_000]  # only the manifest's bytes
    assert not target.exists()


def test_a_complete_partial_file_cut_before_its_rename_is_not_downloaded_again(
        server, tmp_path: Path):
    served, client = server
    target = tmp_path / NAME
    partial_file(target).write_bytes(OLD)  # the crash came between the last write and rename
    target.with_name(NAME + ".part.etag").write_text(served.etag)
    download_artifact(client, "pilot", target, sha256=OLD_SHA)
    assert target.read_bytes() == OLD
    assert served.asked == [(f"bytes={len(OLD)}-", served.etag)]  # a 416, no body
    assert sorted(path.name for path in tmp_path.iterdir()) == [NAME]


def test_a_partial_file_longer_than_the_artifact_starts_over(server, tmp_path: Path):
    served, client = server
    target = tmp_path / NAME
    partial_file(target).write_bytes(OLD + b"junk")
    target.with_name(NAME + ".part.etag").write_text(served.etag)
    download_artifact(client, "pilot", target, sha256=OLD_SHA)
    assert target.read_bytes() == OLD
    assert [asked for asked, _ in served.asked] == [f"bytes={len(OLD) + 4}-", None]


def test_a_refused_download_leaves_nothing_and_says_why(server, tmp_path: Path):
    served, client = server
    served.status = 404
    with pytest.raises(RequestFailedError) as failed:
        download_artifact(client, "pilot", tmp_path / NAME, sha256=OLD_SHA)
    assert (failed.value.kind, failed.value.status) == (FailureKind.REJECTED, 404)
    assert list(tmp_path.iterdir()) == []


def test_partial_downloads_of_an_older_offer_are_deleted(server, tmp_path: Path):
    _, client = server
    (tmp_path / "motcua_kiosk-2.4.0.release.tar.part").write_bytes(b"x" * 10)
    (tmp_path / "motcua_kiosk-2.4.0.release.tar.part.etag").write_text('"abc"')
    download_artifact(client, "pilot", tmp_path / NAME, sha256=OLD_SHA)
    assert sorted(path.name for path in tmp_path.iterdir()) == [NAME]


@pytest.mark.slow
def test_the_real_server_behind_a_link_that_cuts_the_answer(
        sqlite_backend: Backend, serve: Any, tmp_path: Path):
    # GIVEN a 2.5 MiB release on the city server (three pieces), behind a proxy that cuts
    # the first artifact answer in half
    data = hashlib.sha256(b"bundle").digest() * (80 * 1024 + 7)
    key = generate_key_pair()
    raw = json.dumps({
        "format": "motcua-release/1", "version": "2.5.0", "channel": "pilot",
        "artifact": {"name": NAME, "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data)},
        "schema": {"min": 0, "max": 19}, "created_at": "2026-12-07T09:00:00+07:00",
    }).encode()
    Releases(sqlite_backend.store.engine).publish(
        "pilot", raw, signature=sign(raw, key.private), artifact=data,
        trusted_keys=[key.public], publisher="test")
    server = serve(sqlite_backend)
    proxy = FaultProxy(server.port, lambda n: Fault.CUT_RESPONSE if n == 1 else Fault.PASS,
                       hang_seconds=0)
    client = BackendClient(proxy.url, sqlite_backend.token("K-1"), connect_timeout=2,
                           read_timeout=10)
    target = tmp_path / NAME
    try:
        # WHEN the kiosk's update run downloads it
        BackendReleaseSource(client).download("pilot", target, hashlib.sha256(data).hexdigest())
    finally:
        client.close()
        proxy.close()
    # THEN it took a cut and a resume, and the file is the signed one
    assert (proxy.counts[Fault.CUT_RESPONSE], proxy.counts[Fault.PASS]) == (1, 1)
    check_artifact(parse_manifest(raw), target)
    assert target.read_bytes() == data
