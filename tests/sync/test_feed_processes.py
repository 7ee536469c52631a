"""The pull feed with real processes over HTTP: the city server with 4 worker processes on
PostgreSQL, 4 writer processes posting as kiosks at once (retrying as the agent does after
a timeout, some batches twice at once, some through the ordinary route rather than the lean
ingest path: tests/sync/feed_writer.py), and a reader pulling small pages all along.

Every submission is stored and pulled exactly once, in strictly increasing positions, and
the reader that pulled while the writes were in flight skipped nothing: a row committed
after it had read past its position would be missing from what it got (office/store/
submissions.py: positions come from transaction ids; a reader sees only those below the
oldest transaction still running, its "visibility watermark").

A trigger in the test's database holds each inserted row a few milliseconds, as a loaded
database server would, so batches end out of the order in which they began; and one kiosk's
batch, sent before the writers start, is held in the database until half of theirs are in
and the reader has pulled three more times: a reader shown rows behind it would skip it
for good. While it is held the reader is shown nothing (every other row came after it).

The same trigger notes which connection tried each row (its ``application_name``: the
worker's process id and its pool, office/database.py), which shows that all four workers
wrote at once, through both paths.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from office.database import open_engine
from office.store import Role, Scope, Store
from sync import wire
from sync.agent import to_wire
from tests.postgres_cluster import PostgresServer, free_port
from tests.sync.conftest import KEYS, Kiosk
from tests.sync.feed_writer import raced, via_route
from tests.sync.helpers import fill

ROOT = Path(__file__).resolve().parents[2]
#: The city server's worker processes, and the writer processes posting to them.
WORKERS = 4
WRITERS = 4
KIOSKS_PER_WRITER = 3
ITEMS_PER_KIOSK = 90
#: Batch sizes in turn: small and large batches commit at different speeds, so their
#: transactions end out of the order of their ids.
SIZES = (1, 7, 2, 25, 3, 12)
#: Small pages: the reader comes back often while the writers write.
PAGE = 20
#: Up to how long each inserted row is held (seconds); the kiosk whose batch waits for the
#: test's advisory lock GATE; and the trigger that does both and notes who tried the row
#: and when (in the row's own transaction; before the insert, so a duplicate's try too).
HOLD_SECONDS = 0.01
HELD_KIOSK = "HELD"
GATE = 4242
SLOW_INSERTS = (
    "CREATE TABLE test_tries (uuid uuid NOT NULL, by text NOT NULL, at timestamptz NOT NULL)",
    "CREATE FUNCTION test_hold_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO test_tries VALUES (NEW.uuid, current_setting('application_name'), "
    "clock_timestamp()); "
    f"IF NEW.kiosk_id = '{HELD_KIOSK}' THEN PERFORM pg_advisory_xact_lock_shared({GATE}); "
    f"END IF; PERFORM pg_sleep(random() * {HOLD_SECONDS}); RETURN NEW; END $$",
    "CREATE TRIGGER test_hold_insert BEFORE INSERT ON submissions FOR EACH ROW "
    "EXECUTE FUNCTION test_hold_insert()",
)
#: Seconds the server may take to start, and the writers to finish.
START_SECONDS = 60.0
WRITE_SECONDS = 600.0


def _env(tmp_path: Path) -> dict[str, str]:
    # PYTHONPATH: this source tree, not whichever checkout is installed in the venv.
    return {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_DATA_DIR": str(tmp_path / "data")}


@contextmanager
def _server(url: str, home: Path, env: dict[str, str]) -> Iterator[str]:
    """``kiosk backend serve --workers 4`` over ``url`` on 127.0.0.1, every worker started;
    yields its URL."""
    port = free_port()
    path = home / "server.log"
    log = path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua", "backend", "serve", "--home", str(home), "--db", url,
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
         "--no-access-log", "--rate-limit", "1000000/second"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, path.read_text()
            try:
                # uvicorn says this once per worker: all take connections from the start.
                if (path.read_text().count("Application startup complete") == WORKERS
                        and requests.get(base + wire.Endpoint.HEALTH.value, timeout=1).ok):
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _batches(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = []
    start = 0
    while start < len(items):
        size = SIZES[len(batches) % len(SIZES)]
        batches.append(items[start:start + size])
        start += size
    return batches


def _pull(session: requests.Session, base: str, token: str, after: int) -> dict[str, Any]:
    answer = session.get(base + wire.Endpoint.SUBMISSIONS.value,
                         params={"after": str(after), "limit": str(PAGE)},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def _drain(session: requests.Session, base: str, token: str) -> list[tuple[int, str]]:
    """Everything in the feed from the start, as a new reader sees it."""
    pulled: list[tuple[int, str]] = []
    after = 0
    while True:
        page = _pull(session, base, token, after)
        pulled += [(int(item["cursor"]), item["submission"]["uuid"]) for item in page["items"]]
        after = int(page["next_cursor"])
        if not page["has_more"]:
            return pulled


def _post_held(base: str, token: str, items: list[dict[str, Any]],
               answers: list[dict[str, Any]]) -> None:
    """The held kiosk's one batch (answered once the test opens the gate)."""
    answer = requests.post(base + wire.Endpoint.SUBMISSIONS_BATCH.value,
                           json={"submissions": items}, timeout=WRITE_SECONDS,
                           headers={"Authorization": f"Bearer {token}"})
    answers.append({"status": answer.status_code, **answer.json()})


def _waiting_at_gate(gate: psycopg.Connection[Any]) -> int:
    row = gate.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                       "objid = %s AND NOT granted", (GATE,)).fetchone()
    return int(row[0]) if row else 0


def _committed(gate: psycopg.Connection[Any]) -> int:
    row = gate.execute("SELECT count(*) FROM submissions").fetchone()
    return int(row[0]) if row else 0


def _tries(gate: psycopg.Connection[Any]) -> list[tuple[str, int, str, float]]:
    """Each try to insert a row: its UUID, the worker's process id, the pool it used
    (``lean`` or the route's ``pool``), and when (seconds)."""
    tries = []
    for uuid, by, at in gate.execute("SELECT uuid::text, by, extract(epoch FROM at) "
                                     "FROM test_tries"):
        application, pid, pool = by.split(" ")
        assert application == "motcua-backend", by
        tries.append((uuid, int(pid), pool, float(at)))
    return tries


@pytest.mark.slow
def test_four_writers_into_four_server_workers_and_a_reader_meanwhile_see_each_row_once(
    postgres: PostgresServer, kiosks: Callable[..., Kiosk], tmp_path: Path
) -> None:
    # GIVEN the city server's database (its inserts held a little), its sealing key, 12
    # enrolled kiosks in 4 writers, one more kiosk whose batch will be held, and a puller
    url = postgres.new_database()
    home = tmp_path / "backend"
    home.mkdir()
    key = home / "sealing.key"
    key.write_text(KEYS.key_file_text(), encoding="ascii")
    key.chmod(0o600)
    engine = open_engine(url)
    with engine.begin() as connection:
        for statement in SLOW_INSERTS:
            connection.exec_driver_sql(statement)
    store = Store(engine, KEYS)
    puller = store.add_credential("PULLER", Role.BACK_OFFICE, scopes={Scope.PULL})
    specs: list[list[dict[str, Any]]] = []
    expected: set[str] = set()
    # The UUIDs sent only to the route, and only to the lean path (feed_writer's rules).
    routed: set[str] = set()
    lean: set[str] = set()

    def items_of(kiosk: Kiosk, count: int) -> list[dict[str, Any]]:
        fill(kiosk.outbox, count)
        made = [json.loads(to_wire(delivery).model_dump_json())
                for delivery in kiosk.outbox.pending_deliveries(1000)]
        expected.update(item["uuid"] for item in made)
        return made

    for writer in range(WRITERS):
        specs.append([])
        for number in range(KIOSKS_PER_WRITER):
            kiosk = kiosks(f"W{writer}K{number}", prefix=str(number + 1))
            batches = _batches(items_of(kiosk, ITEMS_PER_KIOSK))
            specs[writer].append({"token": store.add_credential(kiosk.kiosk_id, Role.KIOSK),
                                  "batches": batches})
            for index, batch in enumerate(batches):
                if via_route(index) and not raced(index):
                    routed.update(item["uuid"] for item in batch)
                elif not via_route(index):
                    lean.update(item["uuid"] for item in batch)
    held_items = items_of(kiosks(HELD_KIOSK), 3)
    lean.update(item["uuid"] for item in held_items)
    held_token = store.add_credential(HELD_KIOSK, Role.KIOSK)
    engine.dispose()
    half = len(expected) // 2
    env = _env(tmp_path)
    with _server(url, home, env) as base, psycopg.connect(url, autocommit=True) as gate:
        jobs = [tmp_path / f"writer-{writer}.json" for writer in range(WRITERS)]
        for job, own in zip(jobs, specs, strict=True):
            job.write_text(json.dumps({"url": base, "kiosks": own}, ensure_ascii=False),
                           "utf-8")
        # WHEN the held kiosk's batch is in the database, waiting at the closed gate
        gate.execute("SELECT pg_advisory_lock(%s)", (GATE,))
        held_answers: list[dict[str, Any]] = []
        held = threading.Thread(target=_post_held,
                                args=(base, held_token, held_items, held_answers))
        held.start()
        deadline = time.monotonic() + START_SECONDS
        while _waiting_at_gate(gate) == 0:
            assert time.monotonic() < deadline, "the held batch never reached the gate"
            time.sleep(0.05)
        # AND the four writers post at once while a reader pulls small pages all along,
        # the gate opened once half their rows are in and the reader has pulled 3 times more
        writers = [subprocess.Popen([sys.executable, "-m", "tests.sync.feed_writer", str(job)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                   for job in jobs]
        reader = requests.Session()
        pulled: list[tuple[int, str]] = []
        pulled_while_held: list[tuple[int, str]] = []
        pulled_while_writing = 0
        polls_after_half = 0
        released = False
        after = 0
        deadline = time.monotonic() + WRITE_SECONDS
        while True:
            writing = any(process.poll() is None for process in writers)
            assert time.monotonic() < deadline, "the writers did not finish in time"
            half_in = not released and _committed(gate) >= half
            page = _pull(reader, base, puller, after)
            got = [(int(item["cursor"]), item["submission"]["uuid"]) for item in page["items"]]
            pulled += got
            after = int(page["next_cursor"])
            if released:
                pulled_while_writing += len(got) if writing else 0
                if not writing and not held.is_alive() and not page["has_more"]:
                    break
                continue
            pulled_while_held += got
            polls_after_half += half_in
            if polls_after_half == 3:
                gate.execute("SELECT pg_advisory_unlock(%s)", (GATE,))
                released = True
        outputs = [process.communicate(timeout=60) for process in writers]
        held.join()
        # AND a new reader drains the feed from the start afterwards
        from_start = _drain(requests.Session(), base, puller)
        tries = _tries(gate)

    # THEN every writer's every answer was 200 with each item accepted (replays too), and
    # the held batch's too
    for process, (out, err) in zip(writers, outputs, strict=True):
        assert process.returncode == 0, err.decode()
        tally = json.loads(out)
        assert set(tally) <= {"answered", "given up", "accepted"}, tally
    [answer] = held_answers
    assert answer["status"] == 200
    assert [result["outcome"] for result in answer["results"]] == ["accepted"] * 3
    # AND while the held batch was in flight the reader was shown nothing: every row
    # committed meanwhile came after it in the feed
    assert pulled_while_held == []
    # AND the reader got rows while the writes were still in flight (else it proves little)
    assert pulled_while_writing > 0
    # AND it saw every submission exactly once, in strictly increasing positions
    cursors = [cursor for cursor, _ in pulled]
    assert all(earlier < later for earlier, later in itertools.pairwise(cursors))
    assert len(pulled) == len(expected) == WRITERS * KIOSKS_PER_WRITER * ITEMS_PER_KIOSK + 3
    assert {uuid for _, uuid in pulled} == expected
    assert {uuid for _, uuid in pulled[:3]} == {item["uuid"] for item in held_items}
    # AND a reader starting afresh sees the very same feed: nothing was committed behind it
    assert from_start == pulled
    # AND all four workers wrote, through the lean path, at once: each wrote its first row
    # before any wrote its last
    workers = {pid for _, pid, _, _ in tries}
    assert len(workers) == WORKERS
    assert {pid for _, pid, pool, _ in tries if pool == "lean"} == workers
    spans = [[at for _, pid, _, at in tries if pid == worker] for worker in workers]
    assert max(min(span) for span in spans) < min(max(span) for span in spans)
    # AND the batches sent to the route were written by the route (the engine's pool) in
    # every worker, the others by the lean path, while both wrote
    paths: dict[str, set[str]] = {}
    for uuid, _, pool, _ in tries:
        paths.setdefault(uuid, set()).add(pool)
    assert len(routed) > 0 and len(lean) > 0
    assert {pool for uuid in routed for pool in paths[uuid]} == {"pool"}
    assert {pool for uuid in lean for pool in paths[uuid]} == {"lean"}
    route_writers = {pid for uuid, pid, pool, _ in tries if uuid in routed}
    assert route_writers == workers
    route_times = [at for uuid, _, _, at in tries if uuid in routed]
    lean_times = [at for uuid, _, _, at in tries if uuid in lean]
    assert min(route_times) < max(lean_times) and min(lean_times) < max(route_times)
