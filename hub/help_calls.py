"""Calls for staff from the point's kiosks ("Cần hỗ trợ"), until an officer has come.

A citizen at a kiosk touches "Cần hỗ trợ": the kiosk posts to the hub, every officer's
console shows an alert with the kiosk's name and the screen the citizen is on, and the
first officer who goes there answers "Đã đến" (arrived), which clears the alert on every
console. A kiosk that calls again while its call is open refreshes that call (one alert per
kiosk, never a pile of them from an impatient finger).

Kept in memory: a call is worth minutes, and a hub restarted in the meantime has lost the
consoles' streams too; the kiosk tells a citizen whose call found no console to go to the
desk (kiosk/staff_help.py).
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace


class HelpState(enum.Enum):
    """Where a call for staff is."""

    OPEN = "open"  # the alert shows on every console
    ARRIVED = "arrived"  # an officer went to the kiosk


@dataclass(frozen=True)
class HelpCall:
    """One kiosk's call for staff."""

    id: int
    kiosk_id: str
    screen: str
    at: dt.datetime
    state: HelpState = HelpState.OPEN
    #: Who answered "Đã đến" (officer's login) and when.
    answered_by: str | None = None
    answered_at: dt.datetime | None = None


#: How long an answered call is kept (to tell a late officer who went), then dropped.
ANSWERED_KEPT = dt.timedelta(hours=1)


class HelpError(Exception):
    """A call that cannot be answered (unknown, or answered already), and why."""


class HelpBoard:
    """The open calls of one hub (thread-safe; views run on a thread pool)."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._calls: dict[int, HelpCall] = {}

    def call(self, kiosk_id: str, screen: str) -> HelpCall:
        """Kiosk ``kiosk_id`` asks for staff; its open call is refreshed, else a new one."""
        with self._lock:
            self._drop_old_answers()
            for open_call in self._calls.values():
                if open_call.kiosk_id == kiosk_id and open_call.state is HelpState.OPEN:
                    refreshed = replace(open_call, screen=screen, at=self._clock())
                    self._calls[open_call.id] = refreshed
                    return refreshed
            new = HelpCall(next(self._ids), kiosk_id, screen, self._clock())
            self._calls[new.id] = new
            return new

    def arrived(self, call_id: int, officer: str) -> HelpCall:
        """An officer has come to the kiosk of call ``call_id``: the alert is cleared."""
        with self._lock:
            found = self._calls.get(call_id)
            if found is None:
                raise HelpError(f"no call for staff number {call_id}")
            if found.state is not HelpState.OPEN:
                raise HelpError(f"{found.answered_by} is already there")
            answered = replace(found, state=HelpState.ARRIVED, answered_by=officer,
                               answered_at=self._clock())
            # Kept for a while, so that a second officer learns who went.
            self._calls[call_id] = answered
            return answered

    def _drop_old_answers(self) -> None:
        """Forget calls answered more than :data:`ANSWERED_KEPT` ago (lock held)."""
        limit = self._clock() - ANSWERED_KEPT
        for old in [call for call in self._calls.values()
                    if call.answered_at is not None and call.answered_at < limit]:
            del self._calls[old.id]

    def open_calls(self) -> list[HelpCall]:
        """Calls waiting for an officer, oldest first."""
        with self._lock:
            return sorted((call for call in self._calls.values()
                           if call.state is HelpState.OPEN), key=lambda call: call.id)
