"""Work done off the UI thread: one worker thread, its own resources, results handed back.

The kiosk's screen must never wait on I/O: a search, a database write, a status look-up or
a print runs here, and its result comes back through ``deliver``, which the UI sets to
Kivy's ``Clock.schedule_once`` so the callback runs on the UI thread between frames.

A worker opens its resources (its own SQLite connection: connections are never shared
between threads) on its own thread, runs jobs one at a time in the order they came, and
closes them when stopped. A job submitted with a ``key`` replaces a job with the same key
that has not started yet: typing "dang ky" runs the search for the last keystroke, not
seven searches in a row.
"""

from __future__ import annotations

import collections
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R")
T = TypeVar("T")

log = logging.getLogger(__name__)

Deliver = Callable[[Callable[[], None]], None]


def deliver_now(callback: Callable[[], None]) -> None:
    """Run ``callback`` at once on the worker's thread (for tests and command-line tools)."""
    callback()


@dataclass
class _Job(Generic[R]):
    run: Callable[[R], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[Exception], None] | None
    key: str | None


class Worker(Generic[R]):
    """One thread running jobs in order on resources it opened itself."""

    def __init__(
        self,
        name: str,
        open_resources: Callable[[], R],
        *,
        deliver: Deliver = deliver_now,
        close_resources: Callable[[R], None] | None = None,
    ) -> None:
        self.name = name
        self._open = open_resources
        self._close = close_resources
        self._deliver = deliver
        self._jobs: collections.deque[_Job[R]] = collections.deque()
        self._lock = threading.Condition()
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread (it opens the resources first)."""
        self._thread.start()

    def submit(
        self,
        job: Callable[[R], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        *,
        key: str | None = None,
    ) -> None:
        """Run ``job(resources)`` on the worker; hand its result to ``on_done`` via deliver.

        ``on_error`` gets the exception instead when the job raises (it is logged either
        way). With ``key``, a waiting job with the same key is dropped for this one.
        """
        with self._lock:
            if self._stopping:
                raise RuntimeError(f"worker {self.name} is stopped")
            if key is not None:
                kept = [queued for queued in self._jobs if queued.key != key]
                self._jobs.clear()
                self._jobs.extend(kept)
            self._jobs.append(_Job(job, on_done, on_error, key))
            self._lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False on timeout (for tests and tours)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued jobs, close the resources and end the thread."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _main(self) -> None:
        try:
            resources = self._open()
        except Exception as error:  # every job will report why it could not run
            log.exception("worker %s could not open its resources", self.name)
            self._fail_all(error)
            return
        try:
            while (job := self._take()) is not None:
                try:
                    self._run(job, resources)
                finally:
                    # Drop the job now, not when the next one arrives: its closure may hold
                    # what a citizen typed or scanned.
                    del job
                    self._finished()
        finally:
            if self._close is not None:
                self._close(resources)

    def _take(self) -> _Job[R] | None:
        """Wait for the next job and count the worker busy; None once stopping with none left."""
        with self._lock:
            self._lock.wait_for(lambda: self._jobs or self._stopping)
            if not self._jobs:
                return None
            self._busy = True
            return self._jobs.popleft()

    def _finished(self) -> None:
        with self._lock:
            self._busy = False
            self._lock.notify_all()

    def _run(self, job: _Job[R], resources: R) -> None:
        try:
            result = job.run(resources)
        except Exception as error:  # a failed job must not end the worker
            log.exception("job on worker %s failed", self.name)
            if job.on_error is not None:
                self._deliver(functools.partial(job.on_error, error))
            return
        if job.on_done is not None:
            done = job.on_done
            self._deliver(lambda: done(result))

    def _fail_all(self, error: Exception) -> None:
        while (job := self._take()) is not None:
            try:
                if job.on_error is not None:
                    self._deliver(functools.partial(job.on_error, error))
            finally:
                self._finished()
