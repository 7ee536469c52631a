""""Cần hỗ trợ": a citizen at the kiosk asks for a member of staff.

The kiosk asks the service point's hub, which shows an alert with the kiosk's name on
every officer's console (hub/help_views.py). What the citizen is told depends only on what
happened, never on hope:

- an officer's console showed the call: "someone is coming, please stay here";
- no hub is configured, the hub could not be reached, or no console was open to show it:
  "please go to the reception desk" (a call nobody sees must not keep someone waiting);
- the same kiosk called less than :data:`REPEAT_SECONDS` ago and was heard: "someone is
  already on the way", without calling again (one alert per kiosk, not one per touch).

The hub is behind :class:`StaffCaller` (sync/hub_help.py over HTTP; :class:`FakeStaffCaller`
in tests). The call blocks for up to a few seconds: the app runs it off the UI thread.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

#: Seconds after a heard call in which another touch says "already coming" instead.
REPEAT_SECONDS = 120.0


class StaffCallError(Exception):
    """The hub could not be asked just now (no network, refused, down), and why."""


class StaffCaller(Protocol):
    """Asks the service point's staff to come to this kiosk."""

    def call_staff(self, screen: str) -> int:
        """Show the call on the officers' consoles; how many consoles showed it (0: none
        is open). ``screen`` is the screen the citizen is on. Raises StaffCallError."""
        ...

    def close(self) -> None:
        """Release what it holds open (connections)."""
        ...


class HelpOutcome(enum.Enum):
    """What the citizen is told."""

    COMING = "coming"  # an officer's console shows the call
    ALREADY_COMING = "already_coming"  # called a moment ago, and heard
    GO_TO_DESK = "go_to_desk"  # nobody could be told: walk to the reception desk


class StaffHelp:
    """The "Cần hỗ trợ" button's policy for one kiosk (see the module docstring)."""

    def __init__(self, caller: StaffCaller | None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._caller = caller
        self._clock = clock
        self._heard_at: float | None = None

    def ask(self, screen: str) -> HelpOutcome:
        """The citizen touched "Cần hỗ trợ" on ``screen``."""
        now = self._clock()
        if self._heard_at is not None and now - self._heard_at < REPEAT_SECONDS:
            return HelpOutcome.ALREADY_COMING
        if self._caller is None:
            return HelpOutcome.GO_TO_DESK
        try:
            consoles = self._caller.call_staff(screen)
        except StaffCallError:
            return HelpOutcome.GO_TO_DESK
        if consoles < 1:
            return HelpOutcome.GO_TO_DESK
        self._heard_at = now
        return HelpOutcome.COMING

    def forget(self) -> None:
        """The citizen left: the next one's touch calls again."""
        self._heard_at = None

    def close(self) -> None:
        """Release the caller's connections."""
        if self._caller is not None:
            self._caller.close()


@dataclass
class FakeStaffCaller:
    """A :class:`StaffCaller` that records the screens it was called from.

    ``consoles`` is what the hub answers; with ``fail`` set, every call raises
    StaffCallError (the hub down).
    """

    consoles: int = 1
    fail: bool = False
    calls: list[str] = field(default_factory=list)

    def call_staff(self, screen: str) -> int:
        """Record the call, or fail."""
        if self.fail:
            raise StaffCallError("hub: ConnectionError")
        self.calls.append(screen)
        return self.consoles

    def close(self) -> None:
        """Nothing to release."""
