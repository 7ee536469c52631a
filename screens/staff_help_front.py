""""Cần hỗ trợ" as the kiosk app shows it: the top bar's button on every citizen's screen.

A part of :class:`screens.app.KioskApp` (a mixin, like :mod:`screens.printer_front`).
The button asks the desk worker (the call to the hub blocks for a few seconds), and the
answer is said in the banner for longer than a passing message: what to do next, from the
core's policy (kiosk/staff_help.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.staff_help import HelpOutcome
from screens.base import N_

if TYPE_CHECKING:
    from kiosk.desk import ServiceDesk

T = TypeVar("T")

#: Seconds the answer stays on screen: long enough to read slowly, twice.
HELP_BANNER_SECONDS = 30.0

#: What the citizen reads after touching "Cần hỗ trợ" (message ids).
HELP_MESSAGES: dict[HelpOutcome, str] = {
    HelpOutcome.COMING: N_(
        "A member of staff is coming to this kiosk. Please stay here."
    ),
    HelpOutcome.ALREADY_COMING: N_(
        "A member of staff has been called and is on the way. Please stay here."
    ),
    HelpOutcome.GO_TO_DESK: N_(
        "No member of staff could be called from this kiosk. Please go to the reception "
        "desk for help."
    ),
}


class StaffHelpFront:
    """The call for staff's side of :class:`~screens.app.KioskApp`."""

    if TYPE_CHECKING:
        manager: Any

        def ask_desk(self, job: Callable[[ServiceDesk], T], on_done: Callable[[T], None], *,
                     on_error: Callable[[Exception], None] | None = None,
                     key: str | None = None) -> None: ...

        def show_banner(self, message: str, *, banner_seconds: float = ...,
                        **values: Any) -> None: ...

    def do_call_staff(self) -> None:
        """ "Cần hỗ trợ": ask the point's staff to come, then say what happens."""
        screen = str(self.manager.current)
        self.show_banner(N_("Calling a member of staff…"), banner_seconds=HELP_BANNER_SECONDS)

        def ask(desk: ServiceDesk) -> HelpOutcome:
            return desk.help.ask(screen)

        # Whatever goes wrong on the way, the citizen is sent to the desk, never left waiting.
        self.ask_desk(ask, self._help_answered, key="help",
                      on_error=lambda _error: self._help_answered(HelpOutcome.GO_TO_DESK))

    def _help_answered(self, outcome: HelpOutcome) -> None:
        self.show_banner(HELP_MESSAGES[outcome], banner_seconds=HELP_BANNER_SECONDS)
