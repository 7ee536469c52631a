"""The city publishes signed releases per channel; kiosks fetch their channel's release."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kiosk.release import ManifestError
from kiosk.release_signature import ReleaseKeyPair, generate_key_pair, sign, verify
from office import schema
from office.app import create_app
from office.store import Role
from office.store.releases import Releases, StoredArtifact
from tests.sync.conftest import Backend

WHEEL = b"PK\x03\x04 the 2.4.0 wheel"


def manifest(channel: str = "pilot", version: str = "2.4.0", data: bytes = WHEEL) -> bytes:
    return json.dumps({
        "format": "motcua-release/1", "version": version, "channel": channel,
        "artifact": {"name": f"motcua_kiosk-{version}-py3-none-any.whl",
                     "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
        "schema": {"min": 0, "max": 19}, "created_at": "2026-12-07T09:00:00+07:00",
    }, sort_keys=True).encode()


@pytest.fixture
def key() -> ReleaseKeyPair:
    return generate_key_pair()


def publish(backend: Backend, key: ReleaseKeyPair, channel: str, raw: bytes,
            data: bytes = WHEEL) -> None:
    Releases(backend.store.engine).publish(
        channel, raw, signature=sign(raw, key.private), artifact=data, trusted_keys=[key.public],
        publisher="test")


def test_a_kiosk_gets_its_channels_signed_release_and_artifact(sqlite_backend: Backend, key):
    raw = manifest()
    publish(sqlite_backend, key, "pilot", raw)
    api = TestClient(create_app(sqlite_backend.store, rate_limit="10000/second"))
    auth = {"Authorization": f"Bearer {sqlite_backend.token('K-1')}"}

    answer = api.get("/v1/kiosk/releases/pilot", headers=auth)
    assert answer.status_code == 200
    offer = answer.json()
    assert offer["manifest"].encode() == raw
    assert verify(offer["manifest"].encode(), offer["signature"], [key.public]).channel == "pilot"
    again = api.get("/v1/kiosk/releases/pilot",
                    headers={**auth, "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304

    download = api.get("/v1/kiosk/releases/pilot/artifact", headers=auth)
    assert (download.status_code, download.content) == (200, WHEEL)
    assert api.get("/v1/kiosk/releases/stable", headers=auth).status_code == 404
    assert api.get("/v1/kiosk/releases/stable/artifact", headers=auth).status_code == 404


def test_only_kiosk_tokens_fetch_releases(sqlite_backend: Backend, key):
    publish(sqlite_backend, key, "pilot", manifest())
    api = TestClient(create_app(sqlite_backend.store, rate_limit="10000/second"))
    assert api.get("/v1/kiosk/releases/pilot").status_code == 401
    office = sqlite_backend.token("office", Role.BACK_OFFICE)
    assert api.get("/v1/kiosk/releases/pilot",
                   headers={"Authorization": f"Bearer {office}"}).status_code == 403


def test_publishing_again_replaces_the_channels_release(backend: Backend, key):
    # On SQLite and on PostgreSQL (the upsert differs).
    publish(backend, key, "stable", manifest("stable", "2.4.0"))
    newer = b"the 2.5.0 wheel"
    publish(backend, key, "stable", manifest("stable", "2.5.0", newer), newer)
    releases = Releases(backend.store.engine)
    current = releases.current("stable")
    assert current is not None
    assert str(current.version) == "2.5.0"
    served = releases.artifact("stable")
    assert served == StoredArtifact("motcua_kiosk-2.5.0-py3-none-any.whl",
                                    hashlib.sha256(newer).hexdigest(), len(newer))
    assert b"".join(releases.read(served)) == newer
    # The 2.4.0 artifact's pieces went with the last channel serving it.
    with backend.store.engine.connect() as connection:
        assert connection.execute(sa.select(schema.release_chunks.c.sha256)).scalars().all() \
            == [served.sha256]


def test_a_release_the_kiosks_would_refuse_is_refused_at_publication(
        sqlite_backend: Backend, key):
    stranger = generate_key_pair()
    raw = manifest("pilot")
    releases = Releases(sqlite_backend.store.engine)
    with pytest.raises(ManifestError, match="does not match any trusted release key"):
        releases.publish("pilot", raw, signature=sign(raw, stranger.private), artifact=WHEEL,
                         trusted_keys=[key.public], publisher="t")
    with pytest.raises(ManifestError, match="signed for channel 'pilot', not 'stable'"):
        releases.publish("stable", raw, signature=sign(raw, key.private), artifact=WHEEL,
                         trusted_keys=[key.public], publisher="t")
    with pytest.raises(ManifestError, match="SHA-256 differs"):
        releases.publish("pilot", raw, signature=sign(raw, key.private), artifact=WHEEL[:-1] + b"!",
                         trusted_keys=[key.public], publisher="t")
    assert releases.current("pilot") is None


def test_publish_release_command(kiosk, tmp_path: Path, key):
    home = tmp_path / "backend"
    home.mkdir()
    assert kiosk("backend", "keygen", "--home", str(home)).status == 0
    raw = manifest("pilot")
    (tmp_path / "m.json").write_bytes(raw)
    (tmp_path / "m.json.sig").write_text(sign(raw, key.private))
    (tmp_path / "a.whl").write_bytes(WHEEL)
    args = ["backend", "publish-release", str(tmp_path / "m.json"), str(tmp_path / "a.whl"),
            "--home", str(home), "--key", key.public]
    done = kiosk(*args, "--channel", "pilot")
    assert (done.status, done.out) == (
        0, f"channel pilot now serves 2.4.0 (motcua_kiosk-2.4.0-py3-none-any.whl, "
        f"{len(WHEEL)} bytes)\n")
    refused = kiosk(*args, "--channel", "stable")
    assert refused.status == 1
    assert refused.out.startswith("REFUSED: the manifest is signed for channel 'pilot'")
