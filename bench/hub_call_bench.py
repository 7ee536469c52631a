"""From "call next" pressed at a counter to the TV display receiving the call.

A hub (``kiosk hub serve``, its own process, SQLite WAL synchronous=FULL) on loopback; 20
counter consoles (signed-in HTTP sessions) each press "call next" then "no-show", paced
like busy officers; 5 displays hold the live stream (server-sent events). For each call:
the time from the console sending its request to each display receiving a board that shows
that ticket. Then the same calls with 5 displays polling the page every second instead
(the baseline a simple TV page would be).

Goal (issue 12): p99 <= 500 ms on loopback.

    .venv/bin/python bench/hub_call_bench.py [--calls 1000] [--counters 20] [--displays 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from hub.database import HubDatabase
from hub.queue import HubQueue, NewTicket
from kiosk.kinds.queue_ticket import PriorityGroup

PIN = "246810"
#: A call on the board: the seq and the ticket number (the newest, and the recent list).
CALL = re.compile(r'data-call="(\d+)">\s*<span class="(?:now-)?number">([^<]+)<')
CURRENT = re.compile(r'id="current-number">([^<]+)<')
GOAL_P99_MS = 500.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(home: Path, counters: int, tickets: int) -> None:
    queue = HubQueue(HubDatabase(home / "hub.sqlite3"))
    queue.add_service("A", "Hộ tịch")
    for number in range(1, counters + 1):
        queue.add_counter(number, f"Quầy số {number}", ["A"])
        queue.add_officer(f"officer{number}", f"Cán bộ {number}", PIN)
    day, now = queue.service_day(), queue.now()
    for index in range(1, tickets + 1):
        queue.register(NewTicket(f"00000000-0000-4000-8000-{index:012d}", f"A1-{index:04d}",
                                 "A", PriorityGroup.NONE, "K1", day, now))
    queue.db.close()


def start_hub(home: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua", "hub", "serve", "--home", str(home), "--port",
         str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "KIOSK_DATA_DIR": str(home / "data")})
    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{port}/signin", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.05)
    raise SystemExit("the hub did not start")


def console(url: str, number: int) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/signin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    session.post(url + "/signin", data={"login": f"officer{number}", "pin": PIN,
                                        "counter": number, "csrf": csrf[1]})
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', session.get(url + "/console").text)
    assert token is not None
    session.headers.update({"X-CSRF-Token": token[1], "HX-Request": "true"})
    return session


class Seen:
    """When each display first saw each ticket called."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at: dict[tuple[int, str], float] = {}

    def saw(self, display: int, html: str, moment: float) -> None:
        with self.lock:
            for _, number in CALL.findall(html):
                self.at.setdefault((display, number), moment)


def sse_display(url: str, index: int, seen: Seen, stop: threading.Event,
                ready: threading.Barrier) -> None:
    try:
        _read_stream(url, index, seen, stop, ready)
    except requests.RequestException:
        return  # the hub was stopped at the end of the run


def _read_stream(url: str, index: int, seen: Seen, stop: threading.Event,
                 ready: threading.Barrier) -> None:
    with requests.get(url + "/display/events", stream=True, timeout=(5, 60)) as response:
        data: list[str] = []
        first = True
        for raw in response.iter_lines():
            line = raw.decode("utf-8")
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                seen.saw(index, "\n".join(data), time.perf_counter())
                data = []
                if first:
                    first = False
                    ready.wait()
            if stop.is_set():
                return


def polling_display(url: str, index: int, seen: Seen, stop: threading.Event,
                    ready: threading.Barrier, period: float) -> None:
    session = requests.Session()
    ready.wait()
    next_poll = time.perf_counter()
    while not stop.is_set():
        try:
            html = session.get(url + "/display").text
        except requests.RequestException:
            return
        seen.saw(index, html, time.perf_counter())
        next_poll += period
        time.sleep(max(0.0, next_poll - time.perf_counter()))


def run(url: str, *, calls: int, counters: int, displays: int, polling: bool,
        pace: float) -> tuple[list[float], int]:
    seen = Seen()
    stop = threading.Event()
    ready = threading.Barrier(displays + 1)
    target = polling_display if polling else sse_display
    threads = [threading.Thread(target=target, daemon=True,
                                args=(url, index, seen, stop, ready,
                                      *((1.0,) if polling else ())))
               for index in range(displays)]
    for thread in threads:
        thread.start()
    sessions = [console(url, number) for number in range(1, counters + 1)]
    ready.wait(60)
    sent: dict[str, float] = {}
    lock = threading.Lock()
    per_counter = calls // counters

    def officer(session: requests.Session, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(per_counter):
            time.sleep(rng.uniform(0, 2 * pace))
            start = time.perf_counter()
            panel = session.post(url + "/console/call-next").text
            found = CURRENT.search(panel)
            if found and found[1] != "—":
                with lock:
                    sent[found[1]] = start
                session.post(url + "/console/skip")

    workers = [threading.Thread(target=officer, args=(s, n)) for n, s in enumerate(sessions)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    time.sleep(2.5 if polling else 1.0)
    stop.set()
    latencies = []
    missing = 0
    for number, start in sent.items():
        for display in range(displays):
            moment = seen.at.get((display, number))
            if moment is None:
                missing += 1
            else:
                latencies.append((moment - start) * 1000)
    return latencies, missing


def summary(name: str, latencies: list[float], missed: int) -> dict[str, float]:
    """Percentiles over the receipts; a call a display never showed (it scrolled off the
    board between two polls) is reported apart, not counted as a latency."""
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{name:<28} {len(ordered):>6} receipts   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
          f"   never shown {missed}")
    return {"p50_ms": round(p50, 1), "p99_ms": round(p99, 1), "never_shown": missed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--counters", type=int, default=20)
    parser.add_argument("--displays", type=int, default=5)
    parser.add_argument("--pace", type=float, default=0.5,
                        help="mean seconds an officer waits between calls")
    args = parser.parse_args()
    results = {}
    for polling in (False, True):
        with tempfile.TemporaryDirectory() as directory:
            home = Path(directory)
            prepare(home, args.counters, args.calls + args.counters)
            port = free_port()
            hub = start_hub(home, port)
            try:
                latencies, missed = run(f"http://127.0.0.1:{port}", calls=args.calls,
                                counters=args.counters, displays=args.displays,
                                polling=polling, pace=args.pace)
            finally:
                hub.kill()
                hub.wait()
        name = "1-second polling (baseline)" if polling else "live stream (SSE)"
        results["polling" if polling else "sse"] = summary(name, latencies, missed)
    print(f"hub on loopback, {args.counters} consoles, {args.displays} displays, "
          f"{args.calls} calls; goal p99 <= {GOAL_P99_MS:.0f} ms")
    print(json.dumps(results))
    return 0 if results["sse"]["p99_ms"] <= GOAL_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
