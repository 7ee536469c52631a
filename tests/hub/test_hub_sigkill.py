"""The hub is SIGKILLed mid-day, again and again: no ticket lost or doubled.

The hub runs as ``kiosk hub serve`` in its own process; a kiosk's link keeps sending its
tickets and an officer keeps calling and finishing them over HTTP while the hub is killed
at random moments and started again.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.database import HubDatabase
from hub.queue import HubQueue
from kiosk.kinds.queue_ticket import QueueTicketRequest
from kiosk.storage import Database
from kiosk.submissions import Outbox
from sync.hub_client import HubClient
from sync.hub_link import HubLink
from tests.sync.conftest import free_port

pytestmark = pytest.mark.slow
TICKETS = 300
KILLS = 6
PIN = "246810"


class HubProcess:
    """``kiosk hub serve`` on a fixed port, killed and started again at will."""

    def __init__(self, home: Path, data: Path) -> None:
        self.home, self.data = home, data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "hub", "serve", "--home", str(self.home),
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "KIOSK_DATA_DIR": str(self.data)})
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "the hub exited"
            try:
                if requests.get(self.url + "/signin", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[HubProcess, str]]:
    home = tmp_path / "hub"
    home.mkdir()
    queue = HubQueue(HubDatabase(home / "hub.sqlite3"))
    queue.add_service("A", "Hộ tịch")
    queue.add_counter(1, "Quầy số 1", ["A"])
    queue.add_officer("lan", "Nguyễn Thị Lan", PIN)
    token = queue.add_kiosk("K1")
    queue.db.close()
    process = HubProcess(home, tmp_path / "data")
    process.start()
    yield process, token
    if process.process is not None and process.process.poll() is None:
        process.kill()


def officer_session(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/signin", timeout=5).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    session.post(url + "/signin", data={"login": "lan", "pin": PIN, "counter": 1,
                                        "csrf": csrf[1]}, timeout=5)
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', session.get(url + "/console").text)
    assert token is not None
    session.headers.update({"X-CSRF-Token": token[1], "HX-Request": "true"})
    return session


def test_a_hub_killed_mid_day_loses_and_doubles_no_ticket(
    hub: tuple[HubProcess, str], catalog_db: Database
) -> None:
    process, token = hub
    outbox = Outbox(catalog_db, kiosk_id="K1", queue_prefix="1")
    for _ in range(TICKETS):
        outbox.create(QueueTicketRequest("A"))
    link = HubLink(catalog_db, HubClient(process.url, token, connect_timeout=1,
                                         read_timeout=2), kiosk_id="K1")
    session = officer_session(process.url)
    stop = threading.Event()

    def officer() -> None:
        # The session cookie is signed with the hub's key file: it outlives restarts.
        while not stop.is_set():
            for action in ("call-next", "start", "finish"):
                try:
                    session.post(f"{process.url}/console/{action}", timeout=2)
                except requests.RequestException:
                    time.sleep(0.05)

    calling = threading.Thread(target=officer)
    calling.start()
    rng = random.Random(5)
    try:
        for _ in range(KILLS):
            deadline = time.monotonic() + rng.uniform(0.2, 1.0)
            while time.monotonic() < deadline:
                link.run_once()
            process.kill()
            link.run_once()  # the hub is down: nothing advances
            process.start()
        while link.run_once().sent:
            pass
    finally:
        stop.set()
        calling.join(30)
    # THEN every ticket is at the hub exactly once, each with one "issue" event
    check = HubDatabase(process.home / "hub.sqlite3").connection()
    numbers = [row[0] for row in check.execute("SELECT number FROM tickets ORDER BY id")]
    assert numbers == [f"A1-{index:03d}" for index in range(1, TICKETS + 1)]
    issues = check.execute("SELECT count(*), count(DISTINCT ticket_id) FROM ticket_events "
                           "WHERE action = 'issue'").fetchone()
    assert tuple(issues) == (TICKETS, TICKETS)
    # ... and no ticket was called twice without a recall, nor left half-moved
    calls = check.execute("SELECT ticket_id, count(*) FROM ticket_events WHERE action = 'call' "
                          "GROUP BY ticket_id HAVING count(*) > 1").fetchall()
    assert calls == []
    at_counter = check.execute("SELECT count(*) FROM tickets WHERE state IN "
                               "('called', 'serving')").fetchone()[0]
    assert at_counter <= 1
    done = check.execute("SELECT count(*) FROM tickets WHERE state = 'done'").fetchone()[0]
    assert done > 0
