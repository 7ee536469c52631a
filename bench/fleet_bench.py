"""A fleet of kiosks against the city server with several workers, on PostgreSQL and SQLite.

For each database, in one run, side by side:

- ``fleet``: K simulated kiosks over loopback (each its own token and keep-alive
  connection) sending one submission per request for a fixed time: accepted/s, p50, p99;
- ``raw``: the same database's own one-row insert rate at the same durability (PostgreSQL
  with fsync and synchronous commit, as the bench's cluster runs; SQLite WAL
  synchronous=FULL), with C clients, plain and each holding one global lock (what the
  server's ingest did), the ceiling the server is measured against;
- ``pull``: a back-office drain of the feed, pages of 1,000: rows/s and page times at the
  start, middle and end.

The PostgreSQL cluster is the bench's own (started and removed here); everything listens on
127.0.0.1 only. Issue 14's goals: >= 600 accepted/s with 2 workers on PostgreSQL, p99 <= 1 s.

    .venv/bin/python bench/fleet_bench.py [--kiosks 378] [--workers 2] [--db-pool 10]
        [--seconds 10] [--databases postgresql sqlite] [--profile DIR]
        [--fleet-only | --polls-only]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests
import sqlalchemy as sa

from kiosk.catalog import demo_catalog_bytes, import_catalog
from kiosk.clock import HANOI
from kiosk.idcard import parse_id_qr
from kiosk.kinds import FeedbackCategory, FeedbackRequest, IntakeRequest, QueueTicketRequest
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from office import schema
from office.database import MAX_POOL_SIZE, POOL_SIZE, open_engine
from office.keys import SealingKeys, create_keys
from office.store import Role, Scope, Store
from sync import wire
from sync.agent import to_wire
from tests.postgres_cluster import free_port, postgres_cluster

NOW = dt.datetime.combine(dt.datetime.now(HANOI).date(), dt.time(9, 0), tzinfo=HANOI)
CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=NOW.date(),
)
#: The agent's own read timeout: a request slower than this would be retried.
AGENT_TIMEOUT = 30.0


def templates(keys: SealingKeys, home: Path) -> list[dict[str, Any]]:
    """Ten realistic submissions as JSON objects: a ticket, feedback and one intake with a
    sealed identity (which the server opens to check), as a kiosk makes them."""
    db = open_database(home / "template.sqlite3")
    import_catalog(db, demo_catalog_bytes())
    outbox = Outbox(db, kiosk_id="TEMPLATE", queue_prefix="1",
                    sealer=SealedBoxSealer(keys.public_key))
    outbox.create(IntakeRequest("1.001193", (0,)), citizen=CARD, now=NOW)
    for number in range(9):
        outbox.create(QueueTicketRequest(service="A") if number % 2 else FeedbackRequest(
            FeedbackCategory.TRAFFIC, "Đèn tín hiệu ở ngã tư hỏng đã hai ngày"), now=NOW)
    made = [json.loads(to_wire(d).model_dump_json()) for d in outbox.pending_deliveries(10)]
    db.close()
    return made


# -- the server ---------------------------------------------------------------------------------


@contextmanager
def server(url: str, key: Path, workers: int, profile: Path | None, name: str,
           pool: int = POOL_SIZE) -> Iterator[tuple[int, int]]:
    """``kiosk backend serve --workers`` over ``url`` on 127.0.0.1; yields its port and
    the process id of its parent (the workers are its children)."""
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the workers.
    log = key.parent / f"server-{name}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "backend", "serve", "--home", str(key.parent),
             "--db", url, "--host", "127.0.0.1", "--port", str(port), "--workers",
             str(workers), "--db-pool", str(pool), "--no-access-log", "--rate-limit",
             "1000000/second"],
            stdout=subprocess.DEVNULL, stderr=log_file)
    spy: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{port}{wire.Endpoint.HEALTH.value}",
                                timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer in 60 s")
            time.sleep(0.2)
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            spy = subprocess.Popen(
                # --gil: only the thread holding the GIL, i.e. where the CPU goes.
                ["py-spy", "record", "--pid", str(process.pid), "--subprocesses", "--gil",
                 "--format", "raw", "--rate", "50", "-o", str(profile / f"{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        yield port, process.pid
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        process.terminate()
        process.wait(timeout=60)
        lines = log.read_bytes().count(b"\n")
        print(f"{name}: the server logged {lines} lines ({log.stat().st_size} bytes)",
              file=sys.stderr)


# -- the fleet ----------------------------------------------------------------------------------


@dataclass
class FleetResult:
    """What K kiosks got in the measured window."""

    accepted: int
    errors: int
    seconds: float
    latencies: list[float]
    over_timeout: int
    #: Every request answered, warm-up included, and the server's CPU ms per request.
    requests: int = 0
    cpu_ms: float = float("nan")
    #: The load generator's own CPU ms per request (this process: it shares the cores).
    client_cpu_ms: float = float("nan")

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    return status, await reader.readexactly(length)


async def _kiosk(port: int, kiosk_id: str, token: str, made: list[dict[str, Any]],
                 window: tuple[float, float], stop: float, result: FleetResult) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    seq = 0
    try:
        while time.monotonic() < stop:
            item = dict(made[seq % len(made)], uuid=str(uuid.uuid4()), kiosk_id=kiosk_id,
                        kiosk_seq=seq + 1)
            seq += 1
            body = json.dumps({"submissions": [item]}, ensure_ascii=False).encode()
            request = (f"POST {wire.Endpoint.SUBMISSIONS_BATCH.value} HTTP/1.1\r\n"
                       f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                       "\r\n").encode() + body
            started = time.monotonic()
            status, answer = await _exchange(reader, writer, request)
            ended = time.monotonic()
            result.requests += 1
            if not (window[0] <= started and ended <= window[1]):
                continue
            result.latencies.append(ended - started)
            result.over_timeout += ended - started > AGENT_TIMEOUT
            outcome = json.loads(answer)["results"][0]["outcome"] if status == 200 else None
            if outcome == "accepted":
                result.accepted += 1
            else:
                result.errors += 1
    finally:
        writer.close()


async def _fleet(port: int, tokens: dict[str, str], made: list[dict[str, Any]],
                 warmup: float, seconds: float) -> FleetResult:
    start = time.monotonic()
    window = (start + warmup, start + warmup + seconds)
    result = FleetResult(0, 0, seconds, [], 0)
    await asyncio.gather(*(
        _kiosk(port, kiosk_id, token, made, window, window[1], result)
        for kiosk_id, token in tokens.items()))
    return result


def run_fleet(port: int, tokens: dict[str, str], made: list[dict[str, Any]], warmup: float,
              seconds: float) -> FleetResult:
    """K kiosks at once, each sending one submission per request until the window ends."""
    started = time.process_time()
    result = asyncio.run(_fleet(port, tokens, made, warmup, seconds))
    result.client_cpu_ms = (time.process_time() - started) * 1000 / max(1, result.requests)
    return result


def server_cpu_seconds(parent: int) -> float:
    """User + system CPU seconds used so far by process ``parent`` and its children (the
    server's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == parent or ppid == parent:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def enrol(url: str, count: int, prefix: str) -> dict[str, str]:
    """``count`` kiosks' tokens written in one statement (as ``add-kiosk`` stores them)."""
    from office.store import new_token, token_digest  # noqa: PLC0415

    tokens = {f"{prefix}{n:05d}": new_token() for n in range(count)}
    engine = open_engine(url)
    stamp = dt.datetime.now(dt.UTC).isoformat()
    with engine.begin() as connection:
        connection.execute(schema.credentials.insert(), [
            {"client_id": kiosk, "role": Role.KIOSK.value, "token_sha256": token_digest(token),
             "created_at": stamp} for kiosk, token in tokens.items()])
    engine.dispose()
    return tokens


def _batch_request(token: str, items: list[dict[str, Any]]) -> bytes:
    body = json.dumps({"submissions": items}, ensure_ascii=False).encode()
    return (f"POST {wire.Endpoint.SUBMISSIONS_BATCH.value} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "\r\n").encode() + body


def _items(made: list[dict[str, Any]], kiosk_id: str, first_seq: int, count: int
           ) -> list[dict[str, Any]]:
    return [dict(made[(first_seq + n) % len(made)], uuid=str(uuid.uuid4()), kiosk_id=kiosk_id,
                 kiosk_seq=first_seq + n + 1) for n in range(count)]


@dataclass
class BurstResult:
    """K kiosks each sending one submission at the same moment."""

    kiosks: int
    accepted: int
    seconds: float
    latencies: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _burst(port: int, tokens: dict[str, str], made: list[dict[str, Any]]
                 ) -> BurstResult:
    # Connected first (a kiosk keeps its connection), then all send at one moment.
    connections = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port)
                                         for _ in tokens))
    go = asyncio.Event()
    latencies: list[float] = []
    accepted = 0

    async def one(kiosk_id: str, token: str, reader: asyncio.StreamReader,
                  writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        request = _batch_request(token, _items(made, kiosk_id, 0, 1))
        await go.wait()
        started = time.monotonic()
        status, answer = await _exchange(reader, writer, request)
        latencies.append(time.monotonic() - started)
        if status == 200 and json.loads(answer)["results"][0]["outcome"] == "accepted":
            accepted += 1
        writer.close()

    tasks = [asyncio.ensure_future(one(kiosk_id, token, *connection))
             for (kiosk_id, token), connection in zip(tokens.items(), connections, strict=True)]
    await asyncio.sleep(0.5)
    started = time.monotonic()
    go.set()
    await asyncio.gather(*tasks)
    return BurstResult(len(tokens), accepted, time.monotonic() - started, latencies)


def run_burst(port: int, tokens: dict[str, str], made: list[dict[str, Any]]) -> BurstResult:
    """Every kiosk sends one submission at the same moment (after an outage, say)."""
    return asyncio.run(_burst(port, tokens, made))


async def _batches(port: int, tokens: dict[str, str], made: list[dict[str, Any]],
                   size: int, seconds: float) -> float:
    stop = time.monotonic() + seconds
    rows = 0

    async def one(kiosk_id: str, token: str) -> None:
        nonlocal rows
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        seq = 0
        while time.monotonic() < stop:
            status, answer = await _exchange(reader, writer, _batch_request(
                token, _items(made, kiosk_id, seq, size)))
            seq += size
            if status == 200:
                rows += sum(r["outcome"] == "accepted" for r in json.loads(answer)["results"])
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(one(kiosk_id, token) for kiosk_id, token in tokens.items()))
    return rows / (time.monotonic() - started)


def run_batches(port: int, tokens: dict[str, str], made: list[dict[str, Any]], size: int,
                seconds: float) -> float:
    """Kiosks draining a backlog in batches of ``size``: accepted rows per second."""
    return asyncio.run(_batches(port, tokens, made, size, seconds))


@dataclass
class PollResult:
    """One cycle of every kiosk asking what changed, nothing having changed."""

    polls: int
    not_modified: int
    cpu_seconds: float
    latencies: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _polls(port: int, parent: int, tokens: dict[str, str], cycle: float) -> PollResult:
    def request(token: str, etag: str | None) -> bytes:
        match = f"If-None-Match: {etag}\r\n" if etag else ""
        return (f"GET {wire.Endpoint.KIOSK_CHANGES.value}?unit=4 HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n{match}\r\n"
                ).encode()

    async def etag_of(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      token: str) -> str:
        writer.write(request(token, None))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        await reader.readexactly(int(headers.get("content-length", "0")))
        return headers["etag"]

    connections = []
    for start in range(0, len(tokens), 500):
        connections += await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port)
                                              for _ in list(tokens)[start:start + 500]))
    # The cycle before: each kiosk's first poll (its token checked, the answer's ETag).
    etags = []
    for start in range(0, len(tokens), 500):
        etags += await asyncio.gather(*(
            etag_of(*connection, token) for connection, token in
            zip(connections[start:start + 500], list(tokens.values())[start:start + 500],
                strict=True)))
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(offset: float, connection: tuple[asyncio.StreamReader,
                                                   asyncio.StreamWriter],
                  token: str, etag: str) -> None:
        await asyncio.sleep(offset)
        started = time.monotonic()
        status, _ = await _exchange(*connection, request(token, etag))
        latencies.append(time.monotonic() - started)
        statuses.append(status)

    spread = random.Random(14)
    before = server_cpu_seconds(parent)
    await asyncio.gather(*(
        one(spread.uniform(0, cycle), connection, token, etag)
        for connection, token, etag in zip(connections, tokens.values(), etags, strict=True)))
    cpu = server_cpu_seconds(parent) - before
    for _, writer in connections:
        writer.close()
    return PollResult(len(statuses), statuses.count(304), cpu, latencies)


def run_polls(port: int, parent: int, tokens: dict[str, str], cycle: float) -> PollResult:
    """Every kiosk polls once within ``cycle`` seconds with its last answer's ETag."""
    return asyncio.run(_polls(port, parent, tokens, cycle))


# -- the database's own rate --------------------------------------------------------------------


def _threads(clients: int, seconds: float, work: Callable[[], Callable[[], None]]) -> float:
    """Rows/s of ``clients`` threads each running its insert until ``seconds`` pass."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        insert = work()
        while time.monotonic() < stop:
            insert()
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def raw_rates(url: str, body: str, clients: int, seconds: float) -> tuple[float, float]:
    """One-row inserts per second at the database's durability: plain, and each under one
    global lock (PostgreSQL: the advisory lock the server's ingest took; SQLite: its one
    writer is that lock already, so both figures are the same kind)."""
    parsed = sa.make_url(url) if "://" in url else None
    if parsed is None:
        def sqlite_work() -> Callable[[], None]:
            connection = sqlite3.connect(url, isolation_level=None, timeout=30,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")

            def insert() -> None:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO bench_raw (uuid, body) VALUES (?, ?)",
                                   (uuid.uuid4().hex, body))
                connection.execute("COMMIT")
            return insert

        setup = sqlite3.connect(url, isolation_level=None)
        setup.execute("CREATE TABLE bench_raw (cursor INTEGER PRIMARY KEY, uuid TEXT UNIQUE, "
                      "body TEXT NOT NULL)")
        setup.close()
        plain = _threads(clients, seconds, sqlite_work)
        return plain, plain
    conninfo = {"host": parsed.host, "port": parsed.port, "user": parsed.username,
                    "dbname": parsed.database}
    with psycopg.connect(**conninfo, autocommit=True) as setup:  # type: ignore[arg-type]
        setup.execute("CREATE TABLE bench_raw (cursor bigserial PRIMARY KEY, "
                      "uuid uuid UNIQUE, body text NOT NULL)")

    def pg_work(locked: bool) -> Callable[[], Callable[[], None]]:
        def make() -> Callable[[], None]:
            connection = psycopg.connect(**conninfo)  # type: ignore[arg-type]

            def insert() -> None:
                with connection.transaction():
                    if locked:
                        connection.execute("SELECT pg_advisory_xact_lock(1)")
                    connection.execute("INSERT INTO bench_raw (uuid, body) VALUES (%s, %s)",
                                       (uuid.uuid4(), body))
            return insert
        return make

    return _threads(clients, seconds, pg_work(False)), _threads(clients, seconds, pg_work(True))


# -- the pull drain -----------------------------------------------------------------------------


def top_up(url: str, rows: int) -> int:
    """Copy stored submissions (fresh UUIDs) until the feed holds ``rows``; returns the count.

    On PostgreSQL through the server's own insert, 1,000 rows per statement, so the copies
    get feed positions from their transactions like any batch (a position taken from the
    column's sequence could meet one of those)."""
    from office.store.submissions import (  # noqa: PLC0415 - the bench's shortcut
        INSERT_POSTGRESQL,
        insert_parameters,
    )

    engine = open_engine(url)
    table = schema.submissions
    with engine.connect() as connection:
        stored = [dict(row._mapping) for row in connection.execute(
            sa.select(table).limit(2000))]
        have = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    for row in stored:
        row.pop("cursor")
    missing = rows - have
    postgresql = engine.dialect.name == "postgresql"
    while missing > 0:
        chunk = [dict(stored[n % len(stored)], uuid=uuid.uuid4()) for n in
                 range(min(missing, 1000))]
        with engine.begin() as connection:
            if postgresql:
                connection.exec_driver_sql(INSERT_POSTGRESQL, insert_parameters(chunk))
            else:
                connection.execute(table.insert(), chunk)
        missing -= len(chunk)
    with engine.connect() as connection:
        total = int(connection.execute(sa.select(sa.func.count()).select_from(table))
                    .scalar_one())
    engine.dispose()
    return total


def drain(port: int, token: str) -> tuple[int, float, list[float]]:
    """The whole feed in pages of 1,000: rows, seconds, and each page's seconds."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    after, rows, pages = "0", 0, []
    started = time.perf_counter()
    while True:
        page_started = time.perf_counter()
        response = session.get(f"http://127.0.0.1:{port}{wire.Endpoint.SUBMISSIONS.value}",
                               params={"after": after, "limit": wire.MAX_PAGE}, timeout=60)
        response.raise_for_status()
        page = response.json()
        pages.append(time.perf_counter() - page_started)
        rows += len(page["items"])
        after = page["next_cursor"]
        if not page["has_more"]:
            break
    return rows, time.perf_counter() - started, pages


# -- one database -------------------------------------------------------------------------------


@dataclass
class Figures:
    """Everything measured on one database."""

    database: str
    fleet: FleetResult
    raw: tuple[float, float]
    pulled: tuple[int, float, list[float]] | None
    burst: BurstResult | None
    batch_rows: float | None
    polls: PollResult | None


def measure(name: str, url: str, home: Path, keys: SealingKeys, made: list[dict[str, Any]],
            options: argparse.Namespace) -> Figures:
    engine = open_engine(url)
    store = Store(engine, keys)
    puller = store.add_credential("PULLER", Role.BACK_OFFICE, scopes=[Scope.PULL])
    engine.dispose()
    tokens = enrol(url, options.kiosks, "K")
    country = enrol(url, options.burst_kiosks, "B") if options.burst_kiosks else {}
    burst = batch_rows = polls = None
    with server(url, home / "sealing.key", options.workers, options.profile, name,
                options.db_pool) as (
            port, parent):
        before = server_cpu_seconds(parent)
        fleet = run_fleet(port, tokens, made, options.warmup, options.seconds)
        # Per request answered in the whole run (warm-up included): the server's CPU cost.
        fleet.cpu_ms = (server_cpu_seconds(parent) - before) * 1000 / max(1, fleet.requests)
        if country:
            burst = run_burst(port, country, made)
            polls = run_polls(port, parent, country, options.poll_cycle)
        if options.batch_seconds:
            batch_rows = run_batches(port, dict(list(tokens.items())[:options.batch_kiosks]),
                                     made, 100, options.batch_seconds)
        pulled = None
        if options.pull_rows:
            top_up(url, options.pull_rows)
            pulled = drain(port, puller)
    body = json.dumps(made[0], ensure_ascii=False)
    raw = raw_rates(url, body, options.raw_clients, options.raw_seconds)
    return Figures(name, fleet, raw, pulled, burst, batch_rows, polls)


def measure_polls(url: str, home: Path, options: argparse.Namespace) -> None:
    """``--polls-only``: the unchanged poll's server CPU alone (its kiosks enrolled, no
    burst before it): about a minute instead of the whole run's two."""
    country = enrol(url, options.burst_kiosks, "B")
    with server(url, home / "sealing.key", options.workers, options.profile, "polls",
                options.db_pool) as (port, parent):
        polls = run_polls(port, parent, country, options.poll_cycle)
    per_poll = polls.cpu_seconds / max(1, polls.polls) * 1000
    print(f"postgresql: {polls.polls} kiosks polling within {options.poll_cycle:.0f} s, "
          f"nothing changed: {polls.not_modified} answered 304, server CPU {per_poll:.2f} ms "
          f"per poll (goal <= 0.5 ms), p99 {polls.percentile(0.99) * 1000:.0f} ms")
    print(json.dumps({"postgresql": {"poll_cpu_ms": round(per_poll, 3),
                                     "poll_not_modified": polls.not_modified,
                                     "poll_p99_ms": round(polls.percentile(0.99) * 1000)}}))


def report(figures: list[Figures], options: argparse.Namespace) -> None:
    print(f"{options.kiosks} kiosks over loopback, one submission per request, "
          f"{options.workers} workers (kiosk backend serve --workers), pool {options.db_pool} "
          f"per worker, {options.seconds:.0f} s "
          f"measured after {options.warmup:.0f} s; raw: {options.raw_clients} clients, one "
          "row per commit")
    print(f"{'database':<11} {'accepted/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'>30s':>5} "
          f"{'errors':>6} {'raw/s':>7} {'raw+lock/s':>10} {'share':>6} {'pull rows/s':>11} "
          f"{'page ms start/mid/end':>22}")
    summary: dict[str, dict[str, Any]] = {}
    for item in figures:
        fleet, (raw, locked) = item.fleet, item.raw
        pull_rate, page_ms = "-", "-"
        summary[item.database] = {}
        if item.pulled is not None:
            rows, seconds, pages = item.pulled
            middle = pages[len(pages) // 2]
            pull_rate = f"{rows / seconds:.0f}"
            page_ms = f"{pages[0] * 1000:.0f}/{middle * 1000:.0f}/{pages[-1] * 1000:.0f}"
            summary[item.database].update(
                pulled_rows=rows, pull_rows_per_second=round(rows / seconds),
                pull_page_ms=[round(pages[0] * 1000), round(middle * 1000),
                              round(pages[-1] * 1000)])
        print(f"{item.database:<11} {fleet.rate:>10.0f} {fleet.percentile(0.5) * 1000:>7.0f} "
              f"{fleet.percentile(0.99) * 1000:>7.0f} {fleet.over_timeout:>5} "
              f"{fleet.errors:>6} {raw:>7.0f} {locked:>10.0f} {fleet.rate / raw:>6.0%} "
              f"{pull_rate:>11} {page_ms:>22}")
        print(f"{item.database}: server CPU {fleet.cpu_ms:.2f} ms per one-submission request "
              f"(both workers together; {1000 / fleet.cpu_ms:.0f} requests per CPU-second); "
              f"the load generator's own CPU {fleet.client_cpu_ms:.2f} ms per request")
        summary[item.database].update({
            "server_cpu_ms_per_request": round(fleet.cpu_ms, 2),
            "client_cpu_ms_per_request": round(fleet.client_cpu_ms, 2),
            "accepted_per_second": round(fleet.rate), "p50_ms": round(
                fleet.percentile(0.5) * 1000), "p99_ms": round(fleet.percentile(0.99) * 1000),
            "errors": fleet.errors, "raw_per_second": round(raw),
            "raw_locked_per_second": round(locked)})
    for item in figures:
        raw = item.raw[0]
        if item.burst is not None:
            burst = item.burst
            late = sum(latency > AGENT_TIMEOUT for latency in burst.latencies)
            print(f"{item.database}: {burst.kiosks} kiosks at once, one submission each: "
                  f"{burst.accepted} accepted in {burst.seconds:.1f} s, p50 "
                  f"{burst.percentile(0.5):.1f} s, p99 {burst.percentile(0.99):.1f} s, max "
                  f"{max(burst.latencies):.1f} s, {late} past the agent's {AGENT_TIMEOUT:.0f} s "
                  "(goal: p99 <= 15 s, none past)")
            deciles = sorted(burst.latencies)
            print("  latency deciles s: " + " ".join(
                f"{deciles[min(len(deciles) - 1, n * len(deciles) // 10)]:.1f}"
                for n in range(11)))
            summary[item.database].update(
                burst_p99_s=round(burst.percentile(0.99), 1),
                burst_max_s=round(max(burst.latencies), 1), burst_late=late,
                burst_accepted=burst.accepted)
        if item.batch_rows is not None:
            print(f"{item.database}: {options.batch_kiosks} kiosks in batches of 100: "
                  f"{item.batch_rows:.0f} rows/s = {item.batch_rows / raw:.0%} of the raw "
                  f"{raw:.0f} one-row inserts/s (goal >= 50 %)")
            summary[item.database].update(batch100_rows_per_second=round(item.batch_rows),
                                          batch100_share=round(item.batch_rows / raw, 2))
        if item.polls is not None:
            polls = item.polls
            per_poll = polls.cpu_seconds / max(1, polls.polls) * 1000
            print(f"{item.database}: {polls.polls} kiosks polling within "
                  f"{options.poll_cycle:.0f} s, nothing changed: {polls.not_modified} answered "
                  f"304, server CPU {per_poll:.2f} ms per poll (goal <= 0.5 ms), p99 "
                  f"{polls.percentile(0.99) * 1000:.0f} ms")
            summary[item.database].update(poll_cpu_ms=round(per_poll, 3),
                                          poll_not_modified=polls.not_modified,
                                          poll_p99_ms=round(polls.percentile(0.99) * 1000))
    print(json.dumps(summary))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=378)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db-pool", type=int, default=POOL_SIZE,
                        help="each worker's PostgreSQL pool size P (serve --db-pool)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--databases", nargs="+", default=["postgresql", "sqlite"],
                        choices=["postgresql", "sqlite"])
    parser.add_argument("--raw-clients", type=int, default=16)
    parser.add_argument("--raw-seconds", type=float, default=5.0)
    parser.add_argument("--pull-rows", type=int, default=50_000,
                        help="the feed is topped up to this many rows before the drain "
                        "(issue 14's figure: 1000000; 0: skip the drain)")
    parser.add_argument("--burst-kiosks", type=int, default=6642,
                        help="kiosks sending one submission at once, then polling what "
                        "changed (0: skip both)")
    parser.add_argument("--poll-cycle", type=float, default=30.0,
                        help="seconds within which every kiosk polls once")
    parser.add_argument("--batch-kiosks", type=int, default=32)
    parser.add_argument("--batch-seconds", type=float, default=10.0,
                        help="kiosks sending batches of 100 for this long (0: skip)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record the server with py-spy (raw stacks) into this directory")
    parser.add_argument("--fleet-only", action="store_true",
                        help="only the K-kiosk figure and its raw baseline, on PostgreSQL "
                        "(no burst, polls, batches nor drain)")
    parser.add_argument("--polls-only", action="store_true",
                        help="only the unchanged poll's figure (--burst-kiosks kiosks), on "
                        "PostgreSQL")
    options = parser.parse_args()
    if options.fleet_only and options.polls_only:
        parser.error("--fleet-only or --polls-only, not both")
    if options.fleet_only:
        options.burst_kiosks, options.batch_seconds, options.pull_rows = 0, 0.0, 0
        options.databases = ["postgresql"]
    if not 1 <= options.kiosks <= 10_000 or not 1 <= options.workers <= 16 or not (
            1 <= options.db_pool <= MAX_POOL_SIZE):
        parser.error(f"--kiosks 1..10000, --workers 1..16, --db-pool 1..{MAX_POOL_SIZE}")
    if options.burst_kiosks > 8_000 or (
            options.batch_seconds and options.batch_kiosks > options.kiosks):
        parser.error("--burst-kiosks at most 8000 (open files); --batch-kiosks <= --kiosks")

    figures = []
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as temporary, ExitStack() as stack:
        home = Path(temporary)
        keys = create_keys(home / "sealing.key")
        if options.polls_only:
            with postgres_cluster(durable=True, max_connections=options.workers * 3
                                  * options.db_pool + 20) as cluster:
                measure_polls(cluster.new_database(), home, options)
            return 0
        made = templates(keys, home)
        for name in options.databases:
            if name == "postgresql":
                cluster = stack.enter_context(postgres_cluster(
                    # Each worker's 3 x P (docs/sync.md), the raw clients, room to spare.
                    durable=True, max_connections=options.workers * 3 * options.db_pool
                    + options.raw_clients + 20))
                url = cluster.new_database()
            else:
                url = str(home / "backend.sqlite3")
            figures.append(measure(name, url, home, keys, made, options))
    report(figures, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
