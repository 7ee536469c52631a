"""The background worker: jobs off the UI thread, results handed back, superseded jobs dropped."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.background import Worker


def test_jobs_run_in_order_on_the_worker_thread_with_its_resources() -> None:
    # GIVEN a worker whose resources are opened on its own thread
    delivered: list[Callable[[], None]] = []
    opened_on: list[str] = []

    def open_resources() -> str:
        opened_on.append(threading.current_thread().name)
        return "db"

    worker: Worker[str] = Worker("desk", open_resources, deliver=delivered.append)
    worker.start()
    results: list[str] = []
    # WHEN two jobs are submitted
    worker.submit(lambda db: f"{db}:1", results.append)
    worker.submit(lambda db: f"{db}:2", results.append)
    assert worker.wait_idle(5)
    # THEN they ran on the worker, and their results wait for the UI thread
    assert opened_on == ["desk"]
    assert results == []
    for callback in delivered:
        callback()
    assert results == ["db:1", "db:2"]
    worker.stop()


def test_a_waiting_job_is_replaced_by_a_newer_one_with_the_same_key() -> None:
    gate = threading.Event()
    ran: list[str] = []
    worker: Worker[None] = Worker("desk", lambda: None)
    worker.start()
    worker.submit(lambda _: gate.wait(5))  # keeps the worker busy
    for query in ("d", "da", "dan", "dang"):
        worker.submit(lambda _, q=query: ran.append(q), key="search")
    gate.set()
    assert worker.wait_idle(5)
    assert ran == ["dang"]
    worker.stop()


def test_a_failing_job_reports_and_the_worker_goes_on() -> None:
    errors: list[Exception] = []
    results: list[int] = []
    worker: Worker[None] = Worker("desk", lambda: None)
    worker.start()
    worker.submit(lambda _: 1 // 0, results.append, errors.append)
    worker.submit(lambda _: 2, results.append)
    assert worker.wait_idle(5)
    assert [type(error) for error in errors] == [ZeroDivisionError]
    assert results == [2]
    worker.stop()


def test_resources_that_cannot_open_fail_every_job() -> None:
    def broken() -> None:
        raise OSError("disk gone")

    errors: list[Exception] = []
    worker: Worker[None] = Worker("desk", broken)
    worker.start()
    worker.submit(lambda _: 1, None, errors.append)
    worker.stop()
    assert [str(error) for error in errors] == ["disk gone"]


def test_resources_are_closed_on_stop() -> None:
    closed: list[str] = []
    worker: Worker[str] = Worker("desk", lambda: "db", close_resources=closed.append)
    worker.start()
    worker.submit(lambda db: db)
    worker.stop()
    assert closed == ["db"]
