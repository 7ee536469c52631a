"""Code readers: how text read by a camera or a USB scanner reaches the screens.

A device driver (in ``devices/``) implements only the small :class:`CodeReader` role: open
the device, wait a little for whatever it read, close it. Everything else is shared and
lives here, so that every reader behaves the same: :class:`ScanService` runs the driver in
a worker thread, routes every call into it through one handler that logs and degrades to
:attr:`ReaderState.FAILED`, drops a code seen again within a few seconds
(:class:`RepeatFilter`), classifies what is left with :func:`kiosk.scanned.classify` and
hands it to one callback.

What a citizen scans is personal (an ID card holds a name, an address, a birth date): log
lines here say what kind of code was read and how long it was, never what it says.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from kiosk.clock import trusted_today
from kiosk.log_limit import RepeatLimiter
from kiosk.scanned import ScannedCode, classify

log = logging.getLogger(__name__)

#: The same code seen again within this many seconds is reported once (config default).
DEFAULT_REPEAT_SECONDS = 3.0

#: How long one :meth:`CodeReader.read` call may wait, so that a stop is noticed quickly.
READ_TIMEOUT_SECONDS = 0.2

#: How long to wait before opening a failed device again (it may have been plugged back).
RETRY_SECONDS = 2.0

#: How long :meth:`ScanService.stop` waits for the worker before calling the state UNKNOWN.
STOP_TIMEOUT_SECONDS = 3.0

#: At most this many distinct recent codes are remembered for de-duplication.
_MAX_REMEMBERED_CODES = 64


class ReaderState(enum.Enum):
    """Where a code reader stands, as the technician screen and ``kiosk doctor`` show it."""

    STOPPED = "stopped"
    """Not started, or stopped on purpose; the device is released."""
    STARTING = "starting"
    """Opening the device."""
    READING = "reading"
    """The device is open and codes are being read."""
    FAILED = "failed"
    """The device could not be opened or stopped working; it is opened again every few
    seconds, and :attr:`ReaderStatus.fault` says why it failed."""
    UNKNOWN = "unknown"
    """The worker did not answer when asked to stop: the device may still be held."""


#: States a technician must look at.
FAULT_STATES = frozenset({ReaderState.FAILED, ReaderState.UNKNOWN})


class ReaderError(Exception):
    """A device fault, with a message for the technician saying what is wrong and the fix.

    Drivers raise it for the faults they understand (no such device, permission denied,
    library missing); any other exception from a driver is treated the same way.
    """


class CodeReader(Protocol):
    """One transport that delivers scanned text: a camera, a USB scanner, a fake.

    Calls come from one worker thread at a time, in the order ``open``, ``read`` (many
    times), ``close``; ``close`` is also called after a failed ``open`` or ``read``.
    """

    def describe(self) -> str:
        """What this reader is, for the technician: "USB scanner (serial) on /dev/ttyACM0"."""
        ...

    def known_limits(self) -> str | None:
        """A limit of this kind of reader the technician should know about, or None."""
        ...

    def open(self) -> None:
        """Acquire the device; raise :class:`ReaderError` saying why it cannot be used."""
        ...

    def read(self, timeout: float) -> Sequence[str]:
        """The codes read since the last call, waiting at most about ``timeout`` seconds.

        An empty sequence means nothing was read. Text is given exactly as read (no
        stripping): the core decides what to ignore.
        """
        ...

    def close(self) -> None:
        """Release the device (camera, serial port, keyboard grab). Safe to call twice."""
        ...


@runtime_checkable
class SimulatedReader(Protocol):
    """A reader that codes are fed to by hand: demo mode's simulated scanner.

    The demo drawer offers "scan this card" only when the configured reader is one.
    """

    def feed(self, *texts: str) -> None:
        """Deliver ``texts`` as if they had been scanned."""
        ...


#: What every reader reports to: the scan, classified (``ScannedCode.raw`` is the raw text).
#: It is called on the reader's worker thread; a Kivy screen hands it to the UI thread with
#: ``Clock.schedule_once``.
CodeCallback = Callable[[ScannedCode], None]


class RepeatFilter:
    """Reports each code once while it keeps being seen.

    A camera sees the card held up in every frame, and a citizen may press a scanner's
    trigger twice: a code seen again within ``window_seconds`` of the last time it was seen
    is a repeat. A code that keeps being seen stays a repeat; one taken away and shown
    again after the window is new. ``clock`` gives seconds (monotonic); tests inject one.
    """

    def __init__(
        self,
        window_seconds: float = DEFAULT_REPEAT_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window_seconds
        self._clock = clock
        # Only a keyed digest of each code is kept, never its text: a scanned ID card
        # (name, address, ID number) must not linger in memory after the citizen leaves.
        self._salt = secrets.token_bytes(16)
        self._last_seen: dict[bytes, float] = {}

    def is_new(self, raw: str) -> bool:
        """Whether ``raw`` should be reported now (and remember that it was seen)."""
        now = self._clock()
        # Surrounding whitespace differs between reads of one code (a scanner's CR/LF).
        key = hashlib.blake2b(
            raw.strip().encode("utf-8", "surrogatepass"), key=self._salt, digest_size=16
        ).digest()
        last = self._last_seen.get(key)
        self._forget_older_than(now - self._window)
        self._last_seen[key] = now
        return last is None or now - last > self._window

    def _forget_older_than(self, moment: float) -> None:
        for key in [key for key, seen in self._last_seen.items() if seen < moment]:
            del self._last_seen[key]
        while len(self._last_seen) >= _MAX_REMEMBERED_CODES:
            # Codes are remembered in the order they were last seen: drop the oldest.
            del self._last_seen[next(iter(self._last_seen))]


@dataclass(frozen=True)
class ReaderStatus:
    """A reader's state for the technician screen and ``kiosk doctor``."""

    state: ReaderState
    description: str
    fault: str | None
    limits: str | None


_Result = TypeVar("_Result")


@dataclass(frozen=True)
class _Fault:
    """What the driver call handler returns instead of a result: the call failed, and why."""

    message: str


class ScanService:
    """Runs one :class:`CodeReader` and reports new, classified codes to one callback.

    :meth:`start` runs the reader in a worker thread (decoding camera frames there too);
    :meth:`stop` ends it and releases the device. :meth:`step` is one turn of the worker's
    loop, callable directly by tests so that they need no thread and no timing.
    """

    def __init__(
        self,
        reader: CodeReader,
        on_code: CodeCallback,
        *,
        repeat_seconds: float = DEFAULT_REPEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date | None] = trusted_today,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        log_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._on_code = on_code
        self._repeats = RepeatFilter(repeat_seconds, clock=clock)
        self._today = today
        self._read_timeout = read_timeout
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._state = ReaderState.STOPPED
        self._fault: str | None = None
        self._is_open = False
        self._close_fault: str | None = None
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        # A device that stays unplugged fails at every retry: logged once a minute.
        self._faults = RepeatLimiter(log, monotonic=log_clock)
        described = self._call("describe", reader.describe)
        self._description = "code reader" if isinstance(described, _Fault) else described

    @property
    def reader(self) -> CodeReader:
        """The driver this service runs (demo mode feeds the simulated one through it)."""
        return self._reader

    @property
    def state(self) -> ReaderState:
        """The current state."""
        with self._lock:
            return self._state

    def status(self) -> ReaderStatus:
        """State, description, fault and known limits, for the technician."""
        limits = self._call("known_limits", self._reader.known_limits)
        with self._lock:
            return ReaderStatus(
                state=self._state,
                description=self._description,
                fault=self._fault,
                limits=None if isinstance(limits, _Fault) else limits,
            )

    def start(self) -> None:
        """Start reading in a worker thread (no effect if it is already running)."""
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._stopping.clear()
            if self._state not in FAULT_STATES:
                self._state = ReaderState.STARTING
            self._worker = threading.Thread(target=self._run, name="code-reader", daemon=True)
            self._worker.start()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> ReaderState:
        """Stop reading and release the device; returns the state reached.

        STOPPED when the worker ended and the device was closed; UNKNOWN when the worker
        did not answer within ``timeout`` seconds (a driver stuck in a call) or closing the
        device failed: then the device may still be held.
        """
        self._stopping.set()
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            if worker.is_alive():
                self._set_state(
                    ReaderState.UNKNOWN,
                    f"{self._description}: did not stop within {timeout:g} s; the device "
                    "may still be held (restart the kiosk app if it stays so)",
                )
                return ReaderState.UNKNOWN
            self._worker = None
        else:
            self._close()
        if self._close_fault is not None:
            self._set_state(
                ReaderState.UNKNOWN, f"{self._close_fault}; the device may still be held"
            )
            return ReaderState.UNKNOWN
        self._set_state(ReaderState.STOPPED, None)
        return ReaderState.STOPPED

    def step(self) -> bool:
        """One turn: open the device if needed, read once, report new codes.

        Returns False when the device failed in this turn; it is then closed, and the next
        turn opens it again (the worker waits ``retry_seconds`` first).
        """
        if not self._is_open:
            if self.state not in FAULT_STATES:
                # A failed device being retried stays FAILED until it opens again.
                self._set_state(ReaderState.STARTING, None)
            opened = self._call("open", self._reader.open)
            if isinstance(opened, _Fault):
                self._set_state(ReaderState.FAILED, opened.message)
                self._close()
                return False
            self._is_open = True
            self._faults.recovered()
            log.info("code reader ready: %s", self._description)
            self._set_state(ReaderState.READING, None)
        texts = self._call("read", lambda: self._reader.read(self._read_timeout))
        if isinstance(texts, _Fault):
            self._set_state(ReaderState.FAILED, texts.message)
            self._close()
            return False
        for text in texts:
            self._report(text)
        return True

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if not self.step():
                    self._stopping.wait(self._retry_seconds)
        finally:
            self._close()

    def _report(self, raw: str) -> None:
        if not raw.strip() or not self._repeats.is_new(raw):
            return
        scanned = classify(raw, today=self._today())
        # The kind and the length only: the text may be a citizen's name and address.
        log.info("read a %s code (%d characters)", scanned.kind.value, len(raw))
        try:
            self._on_code(scanned)
        except Exception:
            # A screen's bug must not stop the scanner; it is logged with its traceback.
            log.exception("the code callback failed")

    def _close(self) -> None:
        was_open = self._is_open
        self._is_open = False
        closed = self._call("close", self._reader.close)
        if isinstance(closed, _Fault):
            self._close_fault = closed.message
            if self.state not in FAULT_STATES:
                self._set_state(ReaderState.FAILED, closed.message)
            return
        self._close_fault = None
        if was_open:
            log.info("code reader released: %s", self._description)

    def _call(self, action: str, call: Callable[[], _Result]) -> _Result | _Fault:
        """The one way into the driver: any failure is logged and returned as a _Fault.

        :class:`ReaderError` is a fault the driver understood, logged as a warning; any
        other exception is a driver bug, logged with its traceback. Neither escapes: a
        broken device must never take the kiosk down.
        """
        try:
            return call()
        except ReaderError as error:
            reason = str(error)
            self._faults.log(logging.WARNING, f"code reader fault in {action}: {reason}")
        except Exception as error:  # noqa: BLE001 - a driver bug must not stop the kiosk; logged with its traceback
            reason = f"{action} failed: {type(error).__name__}: {error}"
            self._faults.log(logging.ERROR, f"code reader fault in {action}: {reason}",
                             exc_info=True)
        prefix = getattr(self, "_description", "code reader")
        return _Fault(reason if reason.startswith(prefix) else f"{prefix}: {reason}")

    def _set_state(self, state: ReaderState, fault: str | None) -> None:
        with self._lock:
            self._state = state
            self._fault = fault
