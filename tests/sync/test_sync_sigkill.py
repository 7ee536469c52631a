"""The sync agent is SIGKILLed over and over while it drains: nothing lost, nothing doubled.

The backend runs in its own process (``kiosk backend serve``) on 127.0.0.1; the agent runs
in a child forked from this process and is killed at random moments: between batches,
while a batch is in flight, after the backend committed but before the kiosk recorded it.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Role, Store
from sync import wire
from sync.agent import AgentSettings, SyncAgent
from tests.postgres_cluster import free_port
from tests.sync.conftest import KEYS, Kiosk, make_kiosk
from tests.sync.helpers import fill

KILLS = 100
SUBMISSIONS = 2000
BATCH = 3


@pytest.fixture
def backend_process(tmp_path: Path) -> Iterator[tuple[str, str, Store]]:
    """``kiosk backend serve`` in its own process; yields its URL, a kiosk token and a
    store on the same database for checking."""
    home = tmp_path / "backend"
    home.mkdir()
    (home / "sealing.key").write_text(KEYS.private_key_text())
    engine = open_engine(str(home / "backend.sqlite3"))
    store = Store(engine, SealingKeys.from_base64(KEYS.private_key_text()))
    token = store.add_credential("K1", Role.KIOSK)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "motcua", "backend", "serve", "--home", str(home),
         "--port", str(port), "--no-access-log", "--rate-limit", "100000/second"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data")},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if requests.get(url + wire.Endpoint.HEALTH.value, timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the backend did not start"
            time.sleep(0.05)
        yield url, token, store
    finally:
        server.terminate()
        server.wait(30)
        engine.dispose()


def _settings(path: Path, db: Database, url: str, token: str) -> AgentSettings:
    return Kiosk("K1", path, db, Outbox(db, kiosk_id="K1", queue_prefix="1")).settings(
        url, token, batch_size=BATCH)


def _drain_until_killed(path: Path, url: str, token: str, progress: int) -> None:
    """Child: drain; write '.' after every batch; exit 0 once nothing is pending."""
    db = open_database(path)
    agent = SyncAgent(db, _settings(path, db, url, token),
                      alive=lambda: os.write(progress, b"."))
    os.write(progress, b"S")
    while True:
        report = agent.drain()
        if report.failure is None and report.pending == 0:
            os._exit(0)


def test_sigkill_while_draining_loses_nothing_and_doubles_nothing(
    tmp_path: Path, backend_process: tuple[str, str, Store]
) -> None:
    url, token, store = backend_process
    # GIVEN a kiosk with 2,000 submissions
    kiosk = make_kiosk(tmp_path, "K1")
    made = fill(kiosk.outbox, SUBMISSIONS)
    kiosk.db.close()
    rng = random.Random(20261127)
    kills_while_draining = 0
    batches_seen = 0
    # WHEN the agent is killed at random moments, again and again
    for _ in range(10 * KILLS):
        if kills_while_draining >= KILLS:
            break
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read_end)
            try:
                _drain_until_killed(kiosk.path, url, token, write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        # Kill only once the first batch is through, so every kill lands mid-drain: between
        # batches, with one in flight, or after the backend committed one.
        assert select.select([read_end], [], [], 30)[0], "the agent did not start"
        started = os.read(read_end, 2)
        if started == b"S":
            assert select.select([read_end], [], [], 30)[0], "no batch was delivered"
            started += os.read(read_end, 1)
        assert started == b"S.", started
        time.sleep(rng.uniform(0.0, 0.01))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        progress = b""
        while select.select([read_end], [], [], 0)[0]:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            progress += chunk
        os.close(read_end)
        batches_seen += 1 + progress.count(b".")
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            kills_while_draining += 1
        else:
            break  # it finished before the kill landed: the outbox is empty
    assert kills_while_draining >= KILLS
    assert batches_seen >= KILLS
    # AND then it runs once more, unhindered
    db = open_database(kiosk.path)
    pending_before = Outbox(db, kiosk_id="K1", queue_prefix="1").counts()["pending"]
    assert pending_before > 0, "the kills never interrupted the drain"
    agent = SyncAgent(db, _settings(kiosk.path, db, url, token))
    report = agent.drain()
    # THEN the backend has every submission exactly once, and the kiosk knows it
    assert (report.failure, report.pending) == (None, 0)
    assert Outbox(db, kiosk_id="K1", queue_prefix="1").counts() == {
        "pending": 0, "sent": SUBMISSIONS, "failed": 0}
    db.close()
    pulled = []
    cursor = 0
    while True:
        page = store.pull(cursor, 1000)
        pulled += [str(item.submission.uuid) for item in page.items]
        cursor = int(page.next_cursor)
        if not page.has_more:
            break
    assert pulled == made
    assert store.counts()["conflicts"] == 0
