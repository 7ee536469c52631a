"""The artifact is streamed in pieces, with HTTP ranges and its SHA-256 as ETag, so a cut
download resumes (office/releases.py, office/byte_ranges.py)."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kiosk.release import ManifestError
from kiosk.release_signature import ReleaseKeyPair, generate_key_pair, sign
from office import byte_ranges, schema
from office.app import create_app
from office.byte_ranges import RangeAnswer, choose_range
from office.store import releases as stored_releases
from office.store.releases import Releases
from tests.sync.conftest import Backend
from tests.sync.test_releases_api import manifest

#: 3.5 pieces of 1000 bytes (the piece size is made small to cross its boundaries).
DATA = bytes(range(256)) * 13 + b"0123456789" * 17 + b"xy"


@pytest.fixture
def key() -> ReleaseKeyPair:
    return generate_key_pair()


@pytest.fixture
def api(backend: Backend, key: ReleaseKeyPair, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stored_releases, "CHUNK_SIZE", 1000)
    raw = manifest("pilot", "2.4.0", DATA)
    Releases(backend.store.engine).publish(
        "pilot", raw, signature=sign(raw, key.private), artifact=DATA,
        trusted_keys=[key.public], publisher="test")
    client = TestClient(create_app(backend.store, rate_limit="10000/second"))
    client.headers["Authorization"] = f"Bearer {backend.token('K-1')}"
    return client


URL = "/v1/kiosk/releases/pilot/artifact"
ETAG = f'"{hashlib.sha256(DATA).hexdigest()}"'


def test_the_whole_artifact_with_its_sha256_as_etag(api: TestClient):
    # On SQLite and PostgreSQL: four pieces of 1000 bytes, the last one short.
    whole = api.get(URL)
    assert whole.status_code == 200
    assert whole.content == DATA
    assert (whole.headers["ETag"], whole.headers["Accept-Ranges"],
            whole.headers["Content-Length"]) == (ETAG, "bytes", str(len(DATA)))


@pytest.mark.parametrize(("asked", "content_range", "part"), [
    ("bytes=1500-", f"bytes 1500-{len(DATA) - 1}/{len(DATA)}", DATA[1500:]),
    ("bytes=999-2000", f"bytes 999-2000/{len(DATA)}", DATA[999:2001]),
    ("bytes=-10", f"bytes {len(DATA) - 10}-{len(DATA) - 1}/{len(DATA)}", DATA[-10:]),
    ("bytes=3000-999999", f"bytes 3000-{len(DATA) - 1}/{len(DATA)}", DATA[3000:]),
])
def test_a_range_is_a_206_with_exactly_those_bytes(api: TestClient, asked, content_range,
                                                   part):
    answer = api.get(URL, headers={"Range": asked, "If-Range": ETAG})
    assert (answer.status_code, answer.headers["Content-Range"]) == (206, content_range)
    assert answer.content == part
    assert answer.headers["Content-Length"] == str(len(part))


def test_a_range_past_the_end_is_416_with_the_size(api: TestClient):
    answer = api.get(URL, headers={"Range": f"bytes={len(DATA)}-"})
    assert (answer.status_code, answer.headers["Content-Range"], answer.content) == (
        416, f"bytes */{len(DATA)}", b"")


def test_a_resume_of_another_release_gets_all_of_this_one(api: TestClient):
    # The kiosk's partial file is of the release published before: If-Range does not match.
    answer = api.get(URL, headers={"Range": "bytes=1500-", "If-Range": '"0123abcd"'})
    assert (answer.status_code, answer.content) == (200, DATA)
    assert "Content-Range" not in answer.headers


def test_ranges_and_if_range_still_need_a_kiosk_token(api: TestClient):
    answer = api.get(URL, headers={"Range": "bytes=0-", "Authorization": "Bearer nope"})
    assert answer.status_code == 401


@pytest.mark.parametrize(("header", "if_range", "expected"), [
    (None, None, (RangeAnswer.WHOLE, 0, 100)),
    ("bytes=10-", None, (RangeAnswer.PART, 10, 100)),
    ("bytes=10-19", '"e"', (RangeAnswer.PART, 10, 20)),
    ("bytes=10-19", '"other"', (RangeAnswer.WHOLE, 0, 100)),
    ("bytes=10-19", "Wed, 21 Oct 2026 07:28:00 GMT", (RangeAnswer.WHOLE, 0, 100)),
    ("bytes=0-0,5-9", None, (RangeAnswer.WHOLE, 0, 100)),  # several ranges: ignored
    ("bytes=9-3", None, (RangeAnswer.WHOLE, 0, 100)),  # invalid: ignored
    ("items=0-5", None, (RangeAnswer.WHOLE, 0, 100)),
    ("bytes=-", None, (RangeAnswer.WHOLE, 0, 100)),
    ("bytes=-0", None, (RangeAnswer.UNSATISFIABLE, 0, 0)),
    ("bytes=100-", None, (RangeAnswer.UNSATISFIABLE, 0, 0)),
    ("bytes=-500", None, (RangeAnswer.PART, 0, 100)),
])
def test_choosing_the_range(header, if_range, expected):
    chosen = choose_range(100, header, if_range, '"e"')
    assert (chosen.answer, chosen.start, chosen.end) == expected


def test_content_range_headers():
    assert byte_ranges.ByteRange(RangeAnswer.PART, 10, 20, 100).content_range() == \
        "bytes 10-19/100"
    assert byte_ranges.ByteRange(RangeAnswer.UNSATISFIABLE, 0, 0, 100).content_range() == \
        "bytes */100"


def test_a_download_of_a_replaced_artifact_ends_early(backend: Backend, key, api):
    # A kiosk was reading 2.4.0 when 2.5.0 replaced it: its answer stops short (it resumes
    # with the old ETag and gets all of 2.5.0), never continues with 2.5.0's bytes.
    releases = Releases(backend.store.engine)
    old = releases.artifact("pilot")
    assert old is not None
    reading = releases.read(old)
    assert next(reading) == DATA[:1000]
    newer = b"the 2.5.0 bundle"
    raw = manifest("pilot", "2.5.0", newer)
    releases.publish("pilot", raw, signature=sign(raw, key.private), artifact=newer,
                     trusted_keys=[key.public], publisher="test")
    assert list(reading) == []


def test_a_refused_artifact_leaves_no_piece(backend: Backend, key, api, tmp_path):
    # Read from a file piece by piece; the last piece differs: nothing of it is kept.
    releases = Releases(backend.store.engine)
    raw = manifest("pilot", "2.5.0", DATA)
    (tmp_path / "bundle").write_bytes(DATA[:-1] + b"!")
    with (tmp_path / "bundle").open("rb") as artifact, pytest.raises(
            ManifestError, match="SHA-256 differs"):
        releases.publish("pilot", raw, signature=sign(raw, key.private), artifact=artifact,
                         trusted_keys=[key.public], publisher="test")
    with backend.store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            schema.release_chunks)).scalar_one() == 4  # 2.4.0's, still served
    assert api.get(URL).content == DATA
