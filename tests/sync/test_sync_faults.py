"""Two kiosks deliver through a proxy that breaks one exchange in two: every submission
reaches the backend exactly once, whole, and a back-office consumer pulls them all."""

from __future__ import annotations

import random
import threading
from typing import Any

import requests

from kiosk.storage import open_database
from kiosk.submissions import Outbox
from office.store import Role
from sync import wire
from sync.agent import SyncAgent, to_wire
from tests.sync.conftest import Backend, Kiosk
from tests.sync.faults import Fault, FaultProxy
from tests.sync.helpers import fill

PER_KIOSK = 600
FAULTS = [fault for fault in Fault if fault is not Fault.PASS]
HANGS = {Fault.HANG_BEFORE_BACKEND, Fault.HANG_AFTER_COMMIT}
READ_TIMEOUT = 0.3
#: A round limit that is never reached when things work, so a bug fails instead of hanging.
MAX_ROUNDS = 3000


class FaultPlan:
    """Breaks about half the exchanges, every kind of fault, hangs kept few (they cost
    real time: the client's read timeout)."""

    def __init__(self, seed: int, max_hangs: int = 12) -> None:
        self.rng = random.Random(seed)
        self.hangs_left = max_hangs

    def __call__(self, number: int) -> Fault:
        if self.rng.random() >= 0.5:
            return Fault.PASS
        fault = self.rng.choice(FAULTS)
        if fault in HANGS:
            if self.hangs_left == 0:
                return Fault.PASS
            self.hangs_left -= 1
        return fault


def drain_in_thread(kiosk: Kiosk, url: str, token: str, errors: list[BaseException]) -> None:
    """The kiosk's agent in its own thread, with its own connection, until drained."""
    db = open_database(kiosk.path)  # one connection per thread
    try:
        agent = SyncAgent(db, kiosk.settings(url, token, batch_size=20,
                                             read_timeout=READ_TIMEOUT, connect_timeout=0.5,
                                             heartbeat_interval=0.0))
        outbox = Outbox(db, kiosk_id=kiosk.kiosk_id, queue_prefix="1")
        rounds = [0]

        def wait(seconds: float) -> bool:  # no real sleeping: the backoff is recorded
            rounds[0] += 1
            return outbox.counts()["pending"] == 0 or rounds[0] >= MAX_ROUNDS

        agent.run_forever(wait=wait)
        agent.client.close()
    except BaseException as error:
        errors.append(error)
    finally:
        db.close()


def pull_all(url: str, token: str) -> list[wire.PulledSubmission]:
    """A back-office consumer: retries a failed page from its saved cursor."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    cursor, pulled = "0", []
    for _ in range(MAX_ROUNDS):
        try:
            response = session.get(url + wire.Endpoint.SUBMISSIONS.value,
                                   params={"after": cursor, "limit": 97}, timeout=(0.5, 0.5))
            if response.status_code != 200:
                continue
            page = wire.SubmissionPage.model_validate_json(response.content)
        except (requests.RequestException, ValueError):
            session.close()  # start on a fresh connection, from the saved cursor
            continue
        pulled += page.items
        cursor = page.next_cursor
        if not page.has_more:
            break
    session.close()
    return pulled


def test_faults_between_agent_and_backend_deliver_each_submission_exactly_once(
    backend: Backend, serve: Any, kiosks: Any
) -> None:
    # GIVEN two kiosks with 600 submissions each, behind a proxy that breaks half the traffic
    server = serve(backend)
    proxy = FaultProxy(server.port, FaultPlan(seed=20261127), hang_seconds=2 * READ_TIMEOUT)
    pair = [kiosks("K1", prefix="1"), kiosks("K2", prefix="2")]
    made = {kiosk.kiosk_id: fill(kiosk.outbox, PER_KIOSK) for kiosk in pair}
    expected = {
        str(d.submission.uuid): wire.body_digest(to_wire(d))
        for kiosk in pair for d in kiosk.outbox.pending_deliveries(10_000)
    }
    tokens = {kiosk.kiosk_id: backend.token(kiosk.kiosk_id) for kiosk in pair}
    for kiosk in pair:
        kiosk.db.close()
    # WHEN both agents drain at the same time
    errors: list[BaseException] = []
    threads = [threading.Thread(target=drain_in_thread,
                                args=(kiosk, proxy.url, tokens[kiosk.kiosk_id], errors))
               for kiosk in pair]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(240)
        assert not errors, errors
        assert not any(thread.is_alive() for thread in threads)
        # AND a back-office consumer pulls everything through the same faults
        office = backend.token("OFFICE", Role.BACK_OFFICE)
        pulled = pull_all(proxy.url, office)
    finally:
        proxy.close()
    # THEN every kind of fault happened, more than once
    assert all(proxy.counts[fault] >= 2 for fault in FAULTS), proxy.counts
    # AND the backend holds exactly the submissions created, each once, none partial
    assert backend.counts()["submissions"] == 2 * PER_KIOSK
    assert len(pulled) == 2 * PER_KIOSK
    assert {str(item.submission.uuid): wire.body_digest(item.submission)
            for item in pulled} == expected
    assert backend.counts()["conflicts"] == 0
    # AND the consumer saw each once, in cursor order, each kiosk's in the order made
    assert [int(item.cursor) for item in pulled] == sorted({int(i.cursor) for i in pulled})
    for kiosk_id, uuids in made.items():
        assert [str(i.submission.uuid) for i in pulled
                if i.submission.kiosk_id == kiosk_id] == uuids
    # AND both kiosks know every one was delivered; nothing failed, nothing deleted
    for kiosk in pair:
        db = open_database(kiosk.path)
        counts = Outbox(db, kiosk_id=kiosk.kiosk_id, queue_prefix="1").counts()
        db.close()
        assert counts == {"pending": 0, "sent": PER_KIOSK, "failed": 0}
