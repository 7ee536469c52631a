"""The app's calls to its workers, and the one guard that drops answers come too late.

Every question the screens ask (a search, a submission, a print, the PIN check, the
technician's diagnosis) runs on a worker (:mod:`kiosk.background`) and answers later, on
the UI thread. By then the person who asked may have left: an answer is *stale* when the
session it was for was wiped (the citizen walked away or started over), or when the
technician it was for has left technician mode. A stale answer is dropped, never shown to
the next person at the kiosk. :class:`WorkerBridge` takes a stamp of whom the answer is
for when the job is submitted and compares it when the answer arrives: one guard for
every call.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import TypeVar

from kiosk.background import Worker
from kiosk.session import Session

R = TypeVar("R")
T = TypeVar("T")

log = logging.getLogger(__name__)


class AnswerFor(enum.Enum):
    """Whom a worker's answer is for: it says when the answer has become stale."""

    CITIZEN = "citizen"  # stale once the session was wiped (a new generation)
    TECHNICIAN = "technician"  # stale once the technician left technician mode
    KIOSK = "kiosk"  # never stale: the printer's state, whoever is at the kiosk


class WorkerBridge:
    """Submits jobs to workers; hands their answers on only while they are not stale."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._technician_visits = 0

    def technician_left(self) -> None:
        """The technician left technician mode: answers asked for them are stale now."""
        self._technician_visits += 1

    def _stamp(self, answer_for: AnswerFor) -> int:
        if answer_for is AnswerFor.CITIZEN:
            return self._session.generation
        if answer_for is AnswerFor.TECHNICIAN:
            return self._technician_visits
        return 0

    def submit(
        self,
        worker: Worker[R] | None,
        job: Callable[[R], T],
        on_done: Callable[[T], None],
        *,
        answer_for: AnswerFor,
        on_error: Callable[[Exception], None] | None = None,
        on_any_answer: Callable[[T], None] | None = None,
        key: str | None = None,
    ) -> bool:
        """Run ``job`` on ``worker``; ``on_done`` (or ``on_error``) gets its answer unless
        it is stale by then. False when there is no worker (nothing was submitted).

        ``on_any_answer`` runs first with every answer, stale or not (what the answer says
        about the kiosk itself, such as the printer's state). ``key`` replaces a waiting job
        with the same key (see :meth:`Worker.submit`).
        """
        if worker is None:
            log.debug("no worker (not started yet, or stopped): request dropped")
            return False
        stamp = self._stamp(answer_for)

        def done(result: T) -> None:
            if on_any_answer is not None:
                on_any_answer(result)
            if self._stamp(answer_for) == stamp:
                on_done(result)

        def failed(error: Exception) -> None:
            if on_error is not None and self._stamp(answer_for) == stamp:
                on_error(error)

        worker.submit(job, done, None if on_error is None else failed, key=key)
        return True
