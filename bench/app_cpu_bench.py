"""The city server's own CPU per request, without the network: the ASGI app called directly.

The fleet bench (bench/fleet_bench.py) measures the whole server over loopback, where the
load generator, PostgreSQL and other processes share the two cores and move the figures by
tens of percent from run to run. This one calls the app (``create_app``, all its
middleware) in one process with K concurrent "kiosks" on one event loop, over a PostgreSQL
of its own (fsync off: only this process's CPU is measured), and prints the CPU time of
this process per request for:

- ``ingest``: ``POST /v1/submissions/batch`` with one submission (an intake with a sealed
  identity, feedback or a ticket, as a kiosk makes them), token in memory;
- ``poll``: ``GET /v1/kiosk/changes`` with the last ETag, nothing changed (``304``).

Run it with ``PYTHONPATH`` at this tree and at main's tree (a second worktree) to put the
two side by side; uvicorn's HTTP parsing, the same for both, is not included.

    .venv/bin/python bench/app_cpu_bench.py [--requests 3000] [--kiosks 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench.fleet_bench import enrol, templates
from office.app import create_app
from office.database import open_engine
from office.keys import create_keys
from office.store import Store
from sync import wire
from tests.postgres_cluster import postgres_cluster

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]],
                Callable[[Message], Awaitable[None]]], Awaitable[None]]


async def call(app: App, method: str, path: str, query: bytes,
               headers: list[tuple[bytes, bytes]], body: bytes
               ) -> tuple[int, bytes, dict[bytes, bytes]]:
    """One request through the ASGI app: its status, body and headers."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": query, "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8765)}
    sent = False
    status, chunks, answer_headers = 0, [], {}

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers.update(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks), answer_headers


async def ingest(app: App, tokens: dict[str, str], made: list[dict[str, Any]],
                 count: int) -> float:
    """CPU seconds for ``count`` one-submission batches spread over the kiosks."""
    per_kiosk = count // len(tokens)

    async def kiosk(kiosk_id: str, token: str) -> None:
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode()),
                   (b"content-type", b"application/json")]
        for seq in range(per_kiosk):
            item = dict(made[seq % len(made)], uuid=str(uuid.uuid4()), kiosk_id=kiosk_id,
                        kiosk_seq=seq + 1)
            body = json.dumps({"submissions": [item]}, ensure_ascii=False).encode()
            status, answer, _ = await call(
                app, "POST", wire.Endpoint.SUBMISSIONS_BATCH.value, b"",
                [*headers, (b"content-length", str(len(body)).encode())], body)
            if status != 200 or json.loads(answer)["results"][0]["outcome"] != "accepted":
                raise SystemExit(f"ingest answered {status}: {answer[:300]!r}")

    started = time.process_time()
    await asyncio.gather(*(kiosk(k, t) for k, t in tokens.items()))
    return (time.process_time() - started) / (per_kiosk * len(tokens))


async def polls(app: App, tokens: dict[str, str], count: int) -> float:
    """CPU seconds per unchanged poll (304), each kiosk's ETag taken first."""
    etags = {}
    for token in tokens.values():
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
        _, _, answer_headers = await call(app, "GET", wire.Endpoint.KIOSK_CHANGES.value,
                                          b"unit=4", headers, b"")
        etags[token] = answer_headers[b"etag"]
    per_kiosk = count // len(tokens)

    async def kiosk(token: str) -> None:
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode()),
                   (b"if-none-match", etags[token])]
        for _ in range(per_kiosk):
            status, answer, _ = await call(app, "GET", wire.Endpoint.KIOSK_CHANGES.value,
                                           b"unit=4", headers, b"")
            if status not in (200, 304):
                raise SystemExit(f"poll answered {status}: {answer[:300]!r}")

    started = time.process_time()
    await asyncio.gather(*(kiosk(t) for t in tokens.values()))
    return (time.process_time() - started) / (per_kiosk * len(tokens))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--kiosks", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="app-cpu-bench-") as temporary, \
            postgres_cluster() as cluster:
        home = Path(temporary)
        keys = create_keys(home / "sealing.key")
        made = templates(keys, home)
        url = cluster.new_database()
        store = Store(open_engine(url), keys)
        tokens = enrol(url, options.kiosks, "K")
        app = create_app(store, rate_limit="1000000/second")
        figures: dict[str, list[float]] = {"ingest": [], "poll": []}
        # A warm-up round (tokens into memory, statements prepared), then the measured ones.
        asyncio.run(ingest(app, tokens, made, options.kiosks * 10))
        for _ in range(options.repeats):
            figures["ingest"].append(asyncio.run(ingest(app, tokens, made, options.requests)))
            figures["poll"].append(asyncio.run(polls(app, tokens, options.requests)))
        store.engine.dispose()
    for name, values in figures.items():
        ms = sorted(value * 1000 for value in values)
        print(f"{name}: {ms[0]:.3f} ms min / {statistics.median(ms):.3f} ms median CPU per "
              f"request ({options.repeats} runs of {options.requests}, "
              f"{options.kiosks} kiosks at once)")
    print(json.dumps({name: round(statistics.median(values) * 1000, 3)
                      for name, values in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
