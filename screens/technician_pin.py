"""The technician's PIN pad: the PIN gate decides; a wait after a wrong PIN and the lock show.

The PIN is checked on the technician worker (a scrypt hash costs tens of milliseconds and
the failure count is a file): the pad shows "checking" meanwhile. The digits typed are
cleared as soon as Enter is touched. A wait counts down on screen; Enter stays off until
it is over, and the gate would refuse an early try anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.technician_pin import PIN_PATTERN, PinOutcome, PinResult
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext

#: The longest PIN the gate accepts (kiosk.technician_pin.PIN_PATTERN).
MAX_PIN_LENGTH = 12
MIN_PIN_LENGTH = 6
#: How often a wait is counted down.
TICK_SECONDS = 0.25


class TechnicianPinScreen(KioskScreen):
    """Asks for the technician PIN (see the module docstring)."""

    title = N_("Technician mode")
    allows_back = False
    message_text = StringProperty("")
    #: The message is a refusal (shown in the warning colour).
    refused = BooleanProperty(False)
    checking = BooleanProperty(False)
    seconds_left = NumericProperty(0)
    #: Enter may be touched: enough digits, nothing to wait for, not locked.
    can_enter = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        # Before the .kv rule is applied: on_kv_post already uses them.
        self._result: PinResult | None = None
        self._error: str | None = None
        self._deadline = 0.0
        self._ticker: Any = None
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """Point the digit pad at the PIN field."""
        field = self.ids.pin_field
        field.max_length = MAX_PIN_LENGTH
        self.ids.keyboard.target = field
        self.ids.keyboard.bind(on_typed=lambda *_args: self._update())
        super().on_kv_post(base_widget)
        self._render()

    def show(self, **params: Any) -> None:
        """An empty pad; ask the gate whether a PIN may be entered now (a wait, the lock)."""
        del params
        self.do_reset()
        self.checking = True
        self._update()
        self.kiosk.ask_technician(
            lambda desk: desk.pin_status(), self._answered, on_error=self._failed
        )

    def do_enter(self) -> None:
        """Hand the typed PIN to the gate (on the technician worker)."""
        pin: str = self.ids.pin_field.value
        # The PIN leaves the screen at once, whatever the gate says.
        self.ids.pin_field.value = ""
        if PIN_PATTERN.fullmatch(pin) is None or self.checking:
            self._update()
            return
        self.checking = True
        self._error = None
        self._render()
        self._update()
        self.kiosk.ask_technician(
            lambda desk: desk.enter_pin(pin), self._entered, on_error=self._failed
        )

    def _entered(self, result: PinResult) -> None:
        if result.outcome is PinOutcome.ACCEPTED:
            self.checking = False
            self.kiosk.enter_technician_mode()
            return
        self._answered(result)

    def _answered(self, result: PinResult) -> None:
        self.checking = False
        self._result = result
        self._deadline = self._now() + result.retry_after
        self._tick(0)
        if self.seconds_left > 0 and self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, TICK_SECONDS)

    def _failed(self, error: Exception) -> None:
        self.checking = False
        self._error = str(error)
        self._render()
        self._update()

    def _now(self) -> float:
        clock: Callable[[], float] = self.kiosk.wall_clock
        return clock()

    def _tick(self, _dt: float) -> None:
        self.seconds_left = max(0, math.ceil(self._deadline - self._now()))
        if self.seconds_left == 0 and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._render()
        self._update()

    def _update(self) -> None:
        result = self._result
        blocked = result is not None and result.outcome is PinOutcome.NOT_SET
        self.can_enter = (
            len(self.ids.pin_field.value) >= MIN_PIN_LENGTH
            and not self.checking
            and self.seconds_left == 0
            and not blocked
        )

    def _render(self) -> None:
        result, left = self._result, int(self.seconds_left)
        self.refused = True
        if self._error is not None:
            self.message_text = _("The PIN could not be checked: {reason}").format(
                reason=self._error
            )
        elif self.checking:
            self.refused = False
            self.message_text = _("Checking…")
        elif result is None or result.outcome is PinOutcome.ACCEPTED:
            self.refused = False
            self.message_text = _("Enter the technician PIN (6 to 12 digits).")
        elif result.outcome is PinOutcome.NOT_SET:
            self.message_text = _(
                "No technician PIN is set on this kiosk. On the device run: "
                "kiosk technician set-pin"
            )
        elif left == 0:
            self.message_text = _("You may try again now.")
        elif result.outcome is PinOutcome.LOCKED:
            minutes = math.ceil(left / 60)
            self.message_text = ngettext(
                "Too many wrong PINs: technician entry is locked for {minutes} more minute "
                "(or until 'kiosk technician unlock' is run on the device).",
                "Too many wrong PINs: technician entry is locked for {minutes} more minutes "
                "(or until 'kiosk technician unlock' is run on the device).",
                minutes,
            ).format(minutes=minutes)
        elif result.outcome is PinOutcome.REJECTED:
            self.message_text = ngettext(
                "Wrong PIN. You may try again in {seconds} second.",
                "Wrong PIN. You may try again in {seconds} seconds.",
                left,
            ).format(seconds=left)
        else:
            self.message_text = ngettext(
                "Too soon after a wrong PIN: wait {seconds} second.",
                "Too soon after a wrong PIN: wait {seconds} seconds.",
                left,
            ).format(seconds=left)

    def do_reset(self) -> None:
        """Forget the digits, the gate's last answer and any wait shown."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self.ids.pin_field.value = ""
        self._result = None
        self._error = None
        self.checking = False
        self.seconds_left = 0
        self._render()
        self._update()
