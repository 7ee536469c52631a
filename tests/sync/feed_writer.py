"""A writer process for tests/sync/test_feed_processes.py: acts as a few kiosks posting
their batches to the city server over HTTP, one thread per kiosk, and retries as the agent
does: after a request it gave up on (a timeout: the server may still store it), with the
same batch; some batches are also sent twice at once on two connections (a retry racing
the original, possibly in another server worker).

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


def _post(session: requests.Session, url: str, token: str, body: bytes) -> dict[str, Any]:
    """POST until answered 200 (retrying 429/503 as the agent does); the answer's JSON."""
    for _ in range(TRIES):
        answer = session.post(url + BATCH, data=body, timeout=(5.0, PATIENT),
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": "application/json"})
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
    """Send each batch; every third given up on first, every fifth sent twice at once."""
    session, twin = requests.Session(), requests.Session()
    for number, items in enumerate(batches):
        body = json.dumps({"submissions": items}, ensure_ascii=False).encode()
        if number % 3 == 0:
            try:
                session.post(url + BATCH, data=body, timeout=(5.0, IMPATIENT),
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/json"})
            except requests.RequestException:
                with lock:
                    tally["given up"] += 1
            session.close()  # the agent opens a new connection after a timeout
            session = requests.Session()
        answers: list[dict[str, Any]] = []
        if number % 5 == 0:
            racing = threading.Thread(target=_post_into, args=(answers, twin, url, token, body))
            racing.start()
            answers.append(_post(session, url, token, body))
            racing.join()
        else:
            answers.append(_post(session, url, token, body))
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
