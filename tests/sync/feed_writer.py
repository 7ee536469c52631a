"""A writer process for tests/sync/test_feed_processes.py: acts as a few kiosks posting
their batches to the city server over HTTP, one thread per kiosk, and retries as the agent
does: after a request it gave up on (a timeout: the server may still store it), with the
same batch; some batches are also sent twice at once on two connections (a retry racing
the original, possibly in another server worker). Some batches say their charset in their
``Content-Type``: the server's lean ingest (office/lean_ingest.py) takes only a plain
``application/json`` and hands these to the ordinary route, so both paths write at once
(:func:`via_route`; a raced batch's twin is always plain, so the two paths race).

    python -m tests.sync.feed_writer JOB.json

JOB.json: ``{"url": "http://127.0.0.1:PORT", "kiosks": [{"token": "...", "batches":
[[item, ...], ...]}, ...]}`` (items as the wire's JSON). Prints one JSON line: how many
requests were answered, gave up on, and the outcomes of the answered items; exits 1 on
any answer but 200 after the retries.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from sync import wire

BATCH = wire.Endpoint.SUBMISSIONS_BATCH.value
#: A read timeout the server cannot meet: the request is sent, then given up on.
IMPATIENT = 0.001
#: The agent's own read timeout.
PATIENT = 30.0
#: Answers that mean "try again later" (the agent backs off and retries them).
RETRIED = {429, 503}
TRIES = 50
LEAN = "application/json"
#: What the route reads as JSON but the lean path does not take.
ROUTED = "application/json; charset=utf-8"


def given_up_first(number: int) -> bool:
    """Whether a kiosk's batch ``number`` is first sent and given up on (then retried)."""
    return number % 3 == 0


def raced(number: int) -> bool:
    """Whether a kiosk's batch ``number`` is sent twice at once, its twin plain JSON."""
    return number % 5 == 0


def via_route(number: int) -> bool:
    """Whether a kiosk's batch ``number`` is sent with :data:`ROUTED` (twin aside): half of
    them, given up on first or not, raced or not."""
    return number % 4 in {2, 3}


def _post(session: requests.Session, url: str, token: str, body: bytes,
          content_type: str = LEAN) -> dict[str, Any]:
    """POST until answered 200 (retrying 429/503 as the agent does); the answer's JSON."""
    for _ in range(TRIES):
        answer = session.post(url + BATCH, data=body, timeout=(5.0, PATIENT),
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": content_type})
        if answer.status_code == 200:
            result: dict[str, Any] = answer.json()
            return result
        if answer.status_code not in RETRIED:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
        time.sleep(float(answer.headers.get("Retry-After", "0.1")) / 10)
    raise RuntimeError(f"no answer after {TRIES} tries")


def _post_into(answers: list[dict[str, Any]], session: requests.Session, url: str, token: str,
               body: bytes) -> None:
    answers.append(_post(session, url, token, body))


def run_kiosk(url: str, token: str, batches: list[list[Any]], tally: Counter[str],
              lock: threading.Lock) -> None:
    """Send each batch; some given up on first, some sent twice at once, some to the
    route (above)."""
    session, twin = requests.Session(), requests.Session()
    for number, items in enumerate(batches):
        body = json.dumps({"submissions": items}, ensure_ascii=False).encode()
        content_type = ROUTED if via_route(number) else LEAN
        if given_up_first(number):
            try:
                session.post(url + BATCH, data=body, timeout=(5.0, IMPATIENT),
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": content_type})
            except requests.RequestException:
                with lock:
                    tally["given up"] += 1
            session.close()  # the agent opens a new connection after a timeout
            session = requests.Session()
        answers: list[dict[str, Any]] = []
        if raced(number):
            racing = threading.Thread(target=_post_into, args=(answers, twin, url, token, body))
            racing.start()
            answers.append(_post(session, url, token, body, content_type))
            racing.join()
        else:
            answers.append(_post(session, url, token, body, content_type))
        with lock:
            tally["answered"] += len(answers)
            for answer in answers:
                tally.update(result["outcome"] for result in answer["results"])


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    tally: Counter[str] = Counter()
    lock = threading.Lock()
    failures: list[BaseException] = []

    def kiosk(spec: dict[str, Any]) -> None:
        try:
            run_kiosk(job["url"], spec["token"], spec["batches"], tally, lock)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=kiosk, args=(spec,)) for spec in job["kiosks"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(dict(tally)))
    for failure in failures:
        print(f"failed: {failure!r}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
