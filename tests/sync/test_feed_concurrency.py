"""The pull feed without a write lock: many writers at once, a reader pulling meanwhile,
and the token cache's revocation window."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from office.database import create_database_engine
from office.store import Role, Store
from office.store.credentials import Credentials
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import KEYS, Backend, Kiosk
from tests.sync.helpers import fill

WRITERS = 4
BATCHES = 25
PER_BATCH = 4


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
def test_four_writers_and_a_reader_pulling_meanwhile_see_every_row_once_in_order(
    backend: Backend, kiosks: Any
) -> None:
    # GIVEN four kiosks' submissions, each written by its own worker (its own engine), and
    # the same UUIDs sent twice at once by two workers (a retry racing the original)
    batches: list[list[wire.SubmissionBatch]] = []
    for number in range(WRITERS):
        kiosk: Kiosk = kiosks(f"K{number}")
        fill(kiosk.outbox, BATCHES * PER_BATCH)
        items = [to_wire(d) for d in kiosk.outbox.pending_deliveries(1000)]
        batches.append([wire.SubmissionBatch(submissions=items[n:n + PER_BATCH])
                        for n in range(0, len(items), PER_BATCH)])
    batches.append(batches[0])  # a fifth writer replays the first one's batches
    expected = {item.uuid for own in batches for batch in own for item in batch.submissions}
    answers: list[wire.ItemOutcome] = []
    writing = threading.Event()
    writing.set()
    failures: list[BaseException] = []

    def write(own: list[wire.SubmissionBatch]) -> None:
        engine = create_database_engine(backend.url)
        try:
            store = Store(engine, KEYS)
            for batch in own:
                answers.extend(result.outcome for result in store.ingest(batch).results)
        except BaseException as error:
            failures.append(error)
        finally:
            engine.dispose()

    # WHEN they all write at once while a reader pulls small pages all along
    pulled: list[tuple[int, str]] = []
    writers = [threading.Thread(target=write, args=(own,)) for own in batches]
    for writer in writers:
        writer.start()
    after = 0
    while True:
        still_writing = any(writer.is_alive() for writer in writers)
        page = backend.store.pull(after, 7)
        pulled.extend((int(item.cursor), str(item.submission.uuid)) for item in page.items)
        after = int(page.next_cursor)
        if not still_writing and not page.has_more:
            break
    for writer in writers:
        writer.join()

    # THEN every write was accepted, and the reader saw each row exactly once, in order
    assert failures == []
    assert set(answers) == {wire.ItemOutcome.ACCEPTED}
    cursors = [cursor for cursor, _ in pulled]
    assert cursors == sorted(set(cursors))
    assert sorted(uuid for _, uuid in pulled) == sorted(str(uuid) for uuid in expected)
    assert backend.counts()["submissions"] == len(expected)


def test_a_token_revoked_by_another_worker_stops_working_at_the_next_look(
        backend: Backend) -> None:
    # GIVEN a kiosk's token, checked once by one worker, which looks for revocations
    # every 2 s on its clock
    now = [100.0]
    worker = Credentials(backend.store.engine, monotonic=lambda: now[0])
    other_worker = Store(backend.store.engine, KEYS)
    token = other_worker.add_credential("K1", Role.KIOSK)
    assert worker.authenticate(token) is not None
    # WHEN another worker revokes it
    other_worker.revoke("K1")
    # THEN this worker still lets it in until its next look, 2 s after it started, not after
    now[0] = 101.9
    assert worker.cached(token) is not None
    assert worker.authenticate(token) is not None
    now[0] = 102.0
    assert worker.cached(token) is None
    assert worker.authenticate(token) is None
    # AND the worker that revoked it refuses it at once
    assert other_worker.authenticate(token) is None


def test_a_token_not_revoked_stays_in_memory_across_looks_for_revocations(
        backend: Backend) -> None:
    # GIVEN two kiosks' tokens checked once, and K2 revoked
    now = [100.0]
    worker = Credentials(backend.store.engine, monotonic=lambda: now[0])
    kept, revoked = backend.token("K1"), backend.token("K2")
    assert worker.authenticate(kept) is not None and worker.authenticate(revoked) is not None
    backend.store.revoke("K2")
    # WHEN the worker has looked for revocations (a request after 2 s)
    now[0] = 102.5
    assert worker.authenticate(revoked) is None
    # THEN K1 is answered from memory without any database read, 10 minutes on
    worker.engine = None  # type: ignore[assignment]
    now[0] = 103.0
    found = worker.cached(kept)
    assert found is not None and found.client_id == "K1"


def test_a_cached_token_needs_no_database_read(backend: Backend) -> None:
    # GIVEN a token checked once
    token = backend.token("K1")
    assert backend.store.authenticate(token) is not None
    # WHEN the database cannot be reached
    backend.store.engine.dispose()
    backend.store.credentials.engine = None  # type: ignore[assignment]
    # THEN the token is still recognised, from memory
    found = backend.store.authenticate(token)
    assert found is not None and found.client_id == "K1"


def test_the_cache_alone_answers_only_for_a_token_checked_before(
        backend: Backend) -> None:
    # GIVEN a token never checked by this worker
    now = [100.0]
    worker = Credentials(backend.store.engine, monotonic=lambda: now[0])
    token = backend.token("K1")
    # THEN the cache does not know it (the API then asks the database, in a thread)
    assert worker.cached(token) is None
    # WHEN it is checked once
    assert worker.authenticate(token) is not None
    # THEN the cache answers for it until a look for revocations is due
    cached = worker.cached(token)
    assert cached is not None and cached.client_id == "K1"
    now[0] = 102.0
    assert worker.cached(token) is None
