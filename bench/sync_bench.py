"""Drain 10,000 queued submissions into the reference backend over loopback.

Prints the sync agent (batches over one keep-alive session) beside a naive client that
opens a new connection and POSTs one submission at a time, against the same backend,
which commits every request durably (SQLite, WAL, synchronous=FULL).

Goals (issue 4): the agent >= 20x the naive client, and 10,000 drained in <= 5 s.

    .venv/bin/python bench/sync_bench.py [--count 10000] [--naive-count 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from kiosk.catalog import demo_catalog_bytes, import_catalog
from kiosk.clock import HANOI
from kiosk.idcard import parse_id_qr
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
)
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from office.database import open_engine
from office.keys import create_keys
from office.store import Role, Store
from sync import wire
from sync.agent import AgentSettings, SyncAgent, to_wire

#: 09:00 today in Hà Nội: the backend takes service days near its own date only.
NOW = dt.datetime.combine(dt.datetime.now(HANOI).date(), dt.time(9, 0), tzinfo=HANOI)
CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=NOW.date(),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fill_outbox(path: Path, kiosk_id: str, count: int, sealer: SealedBoxSealer) -> None:
    """``count`` submissions of every kind; an intake in ten carries a sealed identity."""
    db = open_database(path)
    db.execute("PRAGMA synchronous=OFF")  # filling is set-up, not what is measured
    if db.execute("SELECT count(*) FROM procedures").fetchone()[0] == 0:
        import_catalog(db, demo_catalog_bytes())
    outbox = Outbox(db, kiosk_id=kiosk_id, queue_prefix="1", sealer=sealer)
    requests_ = [
        QueueTicketRequest(service="A"),
        FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn tín hiệu ở ngã tư hỏng đã hai ngày"),
        RatingRequest(RatingLevel.SATISFIED, counter="Quầy số 1"),
    ]
    for number in range(count):
        if number % 10 == 0:
            outbox.create(IntakeRequest("1.001193", (0,)), citizen=CARD, now=NOW)
        else:
            outbox.create(requests_[number % len(requests_)], now=NOW)
    db.close()


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the backend did not start")
        try:
            if requests.get(url + wire.Endpoint.HEALTH.value, timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("the backend did not answer in 30 s")


def naive_drain(path: Path, url: str, token: str) -> int:
    """One new connection and one POST per submission, as a simple client would."""
    db = open_database(path)
    outbox = Outbox(db, kiosk_id="NAIVE", queue_prefix="1")
    sent = 0
    for delivery in outbox.pending_deliveries(1_000_000):
        body = wire.SubmissionBatch(submissions=[to_wire(delivery)]).model_dump_json()
        response = requests.post(
            url + wire.Endpoint.SUBMISSIONS_BATCH.value, data=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                     "Connection": "close"},
        )
        response.raise_for_status()
        outbox.mark_sent([delivery.submission.uuid])
        sent += 1
    db.close()
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="submissions the agent drains")
    parser.add_argument("--naive-count", type=int, default=10_000,
                        help="submissions the naive client sends")
    parser.add_argument("--batch-size", type=int, default=100)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as temporary:
        home = Path(temporary)
        keys = create_keys(home / "sealing.key")
        engine = open_engine(str(home / "backend.sqlite3"))
        store = Store(engine, keys)
        agent_token = store.add_credential("AGENT", Role.KIOSK)
        naive_token = store.add_credential("NAIVE", Role.KIOSK)
        engine.dispose()
        sealer = SealedBoxSealer(keys.public_key)
        fill_outbox(home / "agent.sqlite3", "AGENT", options.count, sealer)
        fill_outbox(home / "naive.sqlite3", "NAIVE", options.naive_count, sealer)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "motcua", "backend", "serve", "--home", str(home),
             "--port", str(port), "--rate-limit", "1000000/second", "--no-access-log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "KIOSK_DATA_DIR": str(home / "kiosk-data")},
        )
        try:
            wait_until_up(url, server)
            db = open_database(home / "agent.sqlite3")
            agent = SyncAgent(db, AgentSettings(
                backend_url=url, token=agent_token, kiosk_id="AGENT",
                batch_size=options.batch_size,
            ))
            started = time.perf_counter()
            report = agent.drain()
            agent_seconds = time.perf_counter() - started
            assert report.failure is None and report.sent == options.count, report
            db.close()

            started = time.perf_counter()
            naive_sent = naive_drain(home / "naive.sqlite3", url, naive_token)
            naive_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)

        engine = open_engine(str(home / "backend.sqlite3"))
        stored = Store(engine, keys).counts()["submissions"]
        engine.dispose()

    agent_rate = options.count / agent_seconds
    naive_rate = naive_sent / naive_seconds
    rows = [
        ("sync agent", f"batches of {options.batch_size}, one keep-alive session",
         options.count, agent_seconds, agent_rate),
        ("naive client", "new connection, one POST per submission", naive_sent,
         naive_seconds, naive_rate),
    ]
    print(f"backend: SQLite WAL synchronous=FULL on loopback; stored {stored} submissions")
    print(f"{'client':<13} {'how':<42} {'count':>7} {'seconds':>8} {'per second':>11}")
    for name, how, count, seconds, rate in rows:
        print(f"{name:<13} {how:<42} {count:>7} {seconds:>8.2f} {rate:>11.0f}")
    speedup = agent_rate / naive_rate
    print(f"speed-up: {speedup:.1f}x (goal >= 20x); agent drained {options.count} in "
          f"{agent_seconds:.2f} s (goal <= 5 s)")
    print(json.dumps({"agent_per_second": round(agent_rate), "naive_per_second":
                      round(naive_rate), "speedup": round(speedup, 1),
                      "agent_seconds": round(agent_seconds, 2)}))
    return 0 if speedup >= 20 and agent_seconds <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
