"""Two publications at once on PostgreSQL (READ COMMITTED) run one after the other, so
neither deletes pieces the other serves nor clashes on the same new artifact's pieces
(office/store/releases.py)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from kiosk.release_signature import ReleaseKeyPair, generate_key_pair, sign
from office.store import releases as stored_releases
from office.store.releases import PublicationClashError, Releases
from tests.sync.conftest import Backend, make_backend
from tests.sync.test_releases_api import manifest

#: Three pieces of 1000 bytes each (the piece size is made small for the test).
OLD = b"o" * 3000
NEW = b"n" * 3000
#: How long the test waits at most for a thread to reach a point (a bound, not a measure).
BOUND = 20.0


class GatedStream(io.BytesIO):
    """An artifact whose second read waits for ``go``: its publication is then inside its
    transaction, its first piece stored (if new) and the pieces counted."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0
        self.inside = threading.Event()
        self.go = threading.Event()

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        if self.reads == 2:
            self.inside.set()
            assert self.go.wait(BOUND)
        return super().read(size)


@pytest.fixture
def postgresql_backend(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> Backend:
    monkeypatch.setattr(stored_releases, "CHUNK_SIZE", 1000)
    return make_backend("postgresql", tmp_path, request)


@pytest.fixture
def key() -> ReleaseKeyPair:
    return generate_key_pair()


def _publisher(backend: Backend, key: ReleaseKeyPair) -> Callable[..., None]:
    releases = Releases(backend.store.engine)

    def publish(channel: str, version: str, data: bytes, stream: io.BytesIO | None = None,
                ) -> None:
        raw = manifest(channel, version, data)
        releases.publish(channel, raw, signature=sign(raw, key.private),
                         artifact=data if stream is None else stream,
                         trusted_keys=[key.public], publisher="test")
    return publish


class Run(threading.Thread):
    """A publication in a thread, keeping what it raised."""

    def __init__(self, publish: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.publish = publish
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.publish()
        except BaseException as error:  # reported by the test
            self.error = error


def _waiting_for_a_lock(backend: Backend) -> bool:
    with backend.store.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one() > 0


def _race(backend: Backend, first: Callable[[GatedStream], None],
          second: Callable[[], None], data: bytes) -> None:
    """``first`` stops inside its transaction; ``second`` runs until it finishes or waits
    for a lock; then ``first`` goes on. Both must succeed."""
    gated = GatedStream(data)
    held = Run(lambda: first(gated))
    held.start()
    assert gated.inside.wait(BOUND)
    other = Run(second)
    other.start()
    deadline = time.monotonic() + BOUND
    while other.is_alive() and not _waiting_for_a_lock(backend):
        assert time.monotonic() < deadline, "the second publication neither ended nor waited"
        time.sleep(0.01)
    gated.go.set()
    held.join(BOUND)
    other.join(BOUND)
    assert (held.error, other.error) == (None, None)


def test_a_publication_never_deletes_the_pieces_another_one_serves(
        postgresql_backend: Backend, key: ReleaseKeyPair):
    # pilot serves OLD; stable starts serving OLD (stored already: it adds no piece) while
    # pilot moves on to NEW, which leaves OLD served by no channel it can see.
    backend = postgresql_backend
    publish = _publisher(backend, key)
    publish("pilot", "2.4.0", OLD)
    _race(backend, lambda gated: publish("stable", "2.4.0", OLD, gated),
          lambda: publish("pilot", "2.5.0", NEW), OLD)
    releases = Releases(backend.store.engine)
    served = {channel: b"".join(releases.read(artifact)) for channel in ("pilot", "stable")
              if (artifact := releases.artifact(channel)) is not None}
    assert served == {"pilot": NEW, "stable": OLD}


def test_the_same_new_artifact_published_on_two_channels_at_once(
        postgresql_backend: Backend, key: ReleaseKeyPair):
    backend = postgresql_backend
    publish = _publisher(backend, key)
    _race(backend, lambda gated: publish("pilot", "2.5.0", NEW, gated),
          lambda: publish("stable", "2.5.0", NEW), NEW)
    releases = Releases(backend.store.engine)
    served = {channel: b"".join(releases.read(artifact)) for channel in ("pilot", "stable")
              if (artifact := releases.artifact(channel)) is not None}
    assert served == {"pilot": NEW, "stable": NEW}


def test_a_clash_the_database_refuses_is_a_clear_error(
        postgresql_backend: Backend, key: ReleaseKeyPair, monkeypatch: pytest.MonkeyPatch):
    def clash(*_args: object) -> None:
        raise sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))
    monkeypatch.setattr(Releases, "_store_pieces", staticmethod(clash))
    with pytest.raises(PublicationClashError, match=(
            r"^another publication changed the releases at the same time \(duplicate key\); "
            r"nothing was published on 'pilot': publish again$")):
        _publisher(postgresql_backend, key)("pilot", "2.4.0", OLD)
    assert Releases(postgresql_backend.store.engine).artifact("pilot") is None
