"""A process writing submissions is SIGKILLed at random moments: nothing is lost or torn."""

from __future__ import annotations

import os
import random
import select
import signal
import time
from pathlib import Path
from typing import Any

from kiosk.catalog import import_catalog
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
)
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from tests.conftest import catalog_bytes

KILLS = 200


def _write_until_killed(path: Path, acknowledgements: int) -> None:
    """Child: create submissions forever, reporting each UUID once create() returned."""
    database = open_database(path)
    outbox = Outbox(database, kiosk_id="K1", queue_prefix="1")
    requests = [
        QueueTicketRequest(service="A"),
        IntakeRequest("1.001193", (0,)),
        FeedbackRequest(FeedbackCategory.LAND, "Lấn chiếm đất công"),
        RatingRequest(RatingLevel.SATISFIED),
    ]
    number = 0
    while True:
        submission = outbox.create(requests[number % len(requests)])
        os.write(acknowledgements, f"{submission.uuid}\n".encode())
        number += 1


def _run_child_and_kill(path: Path, rng: random.Random) -> set[str]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            _write_until_killed(path, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    # Kill while work is going on: after the first acknowledgement (however slow the machine
    # is), then at a random moment inside the following transactions.
    received = b""
    deadline = time.monotonic() + 30
    while b"\n" not in received and time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.1)[0]:
            received += os.read(read_end, 65536)
    time.sleep(rng.uniform(0.0, 0.02))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while select.select([read_end], [], [], 0)[0]:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        received += chunk
    os.close(read_end)
    # A line cut by the kill was never acknowledged whole: only complete lines count.
    return {line for line in received.decode().split("\n")[:-1] if line}


def test_sigkill_never_loses_an_acknowledged_submission_or_tears_one(
    tmp_path: Path, small_catalog: dict[str, Any]
) -> None:
    path = tmp_path / "kiosk.sqlite3"
    setup = open_database(path)
    import_catalog(setup, catalog_bytes(small_catalog))
    setup.close()
    rng = random.Random(20261127)
    acknowledged: set[str] = set()
    for _ in range(KILLS):
        acknowledged |= _run_child_and_kill(path, rng)
        check = open_database(path)
        try:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {row[0] for row in check.execute("SELECT uuid FROM submissions")}
            missing = acknowledged - stored
            assert not missing, f"acknowledged but lost: {sorted(missing)[:3]}"
            orphans = check.execute(
                "SELECT count(*) FROM submissions s LEFT JOIN outbox o "
                "ON o.submission_uuid = s.uuid WHERE o.submission_uuid IS NULL"
            ).fetchone()[0]
            widows = check.execute(
                "SELECT count(*) FROM outbox o LEFT JOIN submissions s "
                "ON o.submission_uuid = s.uuid WHERE s.uuid IS NULL"
            ).fetchone()[0]
            assert (orphans, widows) == (0, 0)
            tickets = [row[0] for row in check.execute(
                "SELECT ticket_number FROM submissions WHERE ticket_number IS NOT NULL")]
            assert len(tickets) == len(set(tickets)), "a queue number was issued twice"
        finally:
            check.close()
    # Every child acknowledged at least one submission before it was killed.
    assert len(acknowledged) >= KILLS, len(acknowledged)
