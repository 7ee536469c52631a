"""The one stale-answer guard for the app's worker calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.background import Worker
from kiosk.session import Session
from kiosk.worker_bridge import AnswerFor, WorkerBridge


class UiThread:
    """The workers' ``deliver``: answers wait here until the test runs them, as they wait
    for the next frame on the kiosk."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []

    def __call__(self, callback: Callable[[], None]) -> None:
        self.waiting.append(callback)

    def run(self, worker: Worker[object]) -> None:
        assert worker.wait_idle(5)
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback()


@pytest.fixture
def ui() -> UiThread:
    return UiThread()


@pytest.fixture
def worker(ui: UiThread) -> Iterator[Worker[object]]:
    running: Worker[object] = Worker("test", object, deliver=ui)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def session() -> Session:
    return Session(idle_seconds=60, warning_seconds=10)


def fail(_resources: object) -> int:
    raise ValueError("no answer")


def test_an_answer_for_the_citizen_still_here_is_handed_on(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    bridge, answers = WorkerBridge(session), []
    assert bridge.submit(worker, lambda _r: 42, answers.append, answer_for=AnswerFor.CITIZEN)
    ui.run(worker)
    assert answers == [42]


def test_an_answer_for_a_citizen_who_left_is_dropped_but_noted(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    # GIVEN a question asked for the citizen, and what every answer says noted apart
    bridge, answers, noted = WorkerBridge(session), [], []
    bridge.submit(
        worker, lambda _r: 42, answers.append,
        answer_for=AnswerFor.CITIZEN, on_any_answer=noted.append,
    )  # fmt: skip
    # WHEN the session is wiped before the answer arrives
    session.wipe()
    ui.run(worker)
    # THEN the answer is not handed on, but what it says about the kiosk is noted
    assert (answers, noted) == ([], [42])


def test_a_citizens_error_is_dropped_once_the_session_was_wiped(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    bridge, errors = WorkerBridge(session), []
    bridge.submit(worker, fail, print, answer_for=AnswerFor.CITIZEN, on_error=errors.append)
    ui.run(worker)
    bridge.submit(worker, fail, print, answer_for=AnswerFor.CITIZEN, on_error=errors.append)
    session.wipe()
    ui.run(worker)
    assert [str(error) for error in errors] == ["no answer"]


def test_without_on_error_a_failed_job_delivers_nothing(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    WorkerBridge(session).submit(worker, fail, print, answer_for=AnswerFor.CITIZEN)
    assert worker.wait_idle(5)
    assert ui.waiting == []


def test_an_answer_for_a_technician_who_left_is_dropped(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    bridge, answers, errors = WorkerBridge(session), [], []
    bridge.submit(worker, lambda _r: "before", answers.append, answer_for=AnswerFor.TECHNICIAN)
    ui.run(worker)
    # WHEN the technician leaves before the answers arrive
    bridge.submit(worker, lambda _r: "after", answers.append, answer_for=AnswerFor.TECHNICIAN)
    bridge.submit(worker, fail, print, answer_for=AnswerFor.TECHNICIAN, on_error=errors.append)
    bridge.technician_left()
    ui.run(worker)
    # THEN they are dropped; a new technician's questions are answered again
    bridge.submit(worker, lambda _r: "next", answers.append, answer_for=AnswerFor.TECHNICIAN)
    ui.run(worker)
    assert (answers, errors) == (["before", "next"], [])


def test_the_citizens_and_the_technicians_answers_go_stale_apart(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    bridge, answers = WorkerBridge(session), []
    bridge.submit(worker, lambda _r: "citizen", answers.append, answer_for=AnswerFor.CITIZEN)
    bridge.submit(worker, lambda _r: "tech", answers.append, answer_for=AnswerFor.TECHNICIAN)
    bridge.technician_left()
    ui.run(worker)
    bridge.submit(worker, lambda _r: "citizen", answers.append, answer_for=AnswerFor.CITIZEN)
    bridge.submit(worker, lambda _r: "tech", answers.append, answer_for=AnswerFor.TECHNICIAN)
    session.wipe()
    ui.run(worker)
    assert answers == ["citizen", "tech"]


def test_an_answer_for_the_kiosk_is_never_stale(
    ui: UiThread, worker: Worker[object], session: Session
) -> None:
    bridge, answers = WorkerBridge(session), []
    bridge.submit(worker, lambda _r: "paper_out", answers.append, answer_for=AnswerFor.KIOSK)
    session.wipe()
    bridge.technician_left()
    ui.run(worker)
    assert answers == ["paper_out"]


def test_without_a_worker_nothing_is_submitted(session: Session) -> None:
    answers: list[int] = []
    worker: Worker[object] | None = None
    assert not WorkerBridge(session).submit(
        worker, lambda _r: 1, answers.append, answer_for=AnswerFor.KIOSK
    )
    assert answers == []


def test_a_keyed_job_replaces_the_waiting_one(ui: UiThread, session: Session) -> None:
    # GIVEN a worker not started yet (its jobs wait); WHEN two searches share a key
    worker: Worker[object] = Worker("test", object, deliver=ui)
    bridge, answers = WorkerBridge(session), []
    for query in ("dang", "dang ky"):
        bridge.submit(
            worker, lambda _r, q=query: q, answers.append,
            answer_for=AnswerFor.CITIZEN, key="search",
        )  # fmt: skip
    worker.start()
    try:
        ui.run(worker)
    finally:
        worker.stop()
    # THEN only the last one ran
    assert answers == ["dang ky"]
