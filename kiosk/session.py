"""The citizen session: who is at the kiosk, how they want it shown, and when they left.

A session starts with the first touch or scan on the welcome screen and ends when the
citizen starts over or walks away. Walking away is noticed by the idle timer: after
``ui.idle_seconds`` without a touch the screen asks "need more time?", and after
``ui.idle_warning_seconds`` more without an answer the session is wiped. Wiping drops the
scanned ID card, puts language, text size and contrast back to the kiosk's defaults and
starts a new *generation*: work started for the previous citizen (a search, a print) that
finishes afterwards carries the old generation and is thrown away instead of appearing
in front of the next citizen.

The clock is injected (a function returning seconds, monotonic), so tests move time
instead of waiting. Plain Python: the UI calls :meth:`Session.poll` about once a second
and acts on the :class:`IdleAction` it returns.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.greeting import Greeting, greeting_for
from kiosk.idcard import CitizenCard
from kiosk.language import Language, check_language


class SessionState(enum.Enum):
    """Where the kiosk is with the person in front of it."""

    WELCOME = "welcome"  # nobody here: the attract screen
    BROWSING = "browsing"  # someone is using the kiosk without having scanned an ID card
    IDENTIFIED = "identified"  # an ID card was scanned: its holder is using the kiosk
    IDLE_WARNING = "idle_warning"  # no touch for a while: "need more time?" is asked


#: States in which a citizen is using the kiosk (the idle timer runs).
ACTIVE_STATES = frozenset({SessionState.BROWSING, SessionState.IDENTIFIED})


class IdleAction(enum.Enum):
    """What the screen should do after :meth:`Session.poll`."""

    NONE = "none"
    SHOW_WARNING = "show_warning"  # open the "need more time?" prompt
    WIPE = "wipe"  # the prompt ran out: wipe every screen, back to welcome


@dataclass(frozen=True)
class Preferences:
    """How a session starts: the kiosk's configured language, text size and contrast."""

    language: Language = "vi"
    large_text: bool = False
    high_contrast: bool = False


class Session:
    """One citizen's time at the kiosk (see the module docstring)."""

    def __init__(
        self,
        *,
        idle_seconds: float,
        warning_seconds: float,
        defaults: Preferences | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle_seconds <= 0 or warning_seconds <= 0:
            raise ValueError("idle and warning times must be positive")
        self.idle_seconds = idle_seconds
        self.warning_seconds = warning_seconds
        self.defaults = defaults or Preferences()
        self._clock = clock
        self._state = SessionState.WELCOME
        self._citizen: CitizenCard | None = None
        self._last_activity = clock()
        self._warning_since: float | None = None
        self.generation = 0
        self.language: Language = self.defaults.language
        self.large_text = self.defaults.large_text
        self.high_contrast = self.defaults.high_contrast

    # -- what the screens show ------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The current state."""
        return self._state

    @property
    def citizen(self) -> CitizenCard | None:
        """The scanned ID card, while its holder is at the kiosk."""
        return self._citizen

    @property
    def greeting(self) -> Greeting | None:
        """How the identified citizen is greeted on screen ("ông An"), None when nobody
        scanned or the card has no given name to greet by (kiosk/greeting.py)."""
        return None if self._citizen is None else greeting_for(self._citizen)

    def warning_seconds_left(self) -> int:
        """Whole seconds until the wipe while the "need more time?" prompt is shown."""
        if self._warning_since is None:
            return 0
        left = self.warning_seconds - (self._clock() - self._warning_since)
        return max(0, int(left + 0.999))

    # -- what the citizen does ------------------------------------------------------------

    def on_activity(self) -> None:
        """A touch, a key or a scan: the citizen is here."""
        self._last_activity = self._clock()
        self._warning_since = None
        if self._state is SessionState.WELCOME or self._state is SessionState.IDLE_WARNING:
            self._state = (
                SessionState.IDENTIFIED if self._citizen is not None else SessionState.BROWSING
            )

    def identify(self, card: CitizenCard) -> None:
        """An ID card was scanned: its holder is now the citizen at the kiosk."""
        self._citizen = card
        self._state = SessionState.IDENTIFIED
        self.on_activity()

    def set_language(self, language: str) -> None:
        """Switch the language of the screens (and of slips printed from now on)."""
        self.language = check_language(language)
        self.on_activity()

    def toggle_large_text(self) -> bool:
        """Switch large text on or off; returns the new setting."""
        self.large_text = not self.large_text
        self.on_activity()
        return self.large_text

    def toggle_high_contrast(self) -> bool:
        """Switch high contrast on or off; returns the new setting."""
        self.high_contrast = not self.high_contrast
        self.on_activity()
        return self.high_contrast

    def start_over(self) -> None:
        """ "Not you? Start over": wipe now."""
        self.wipe()

    # -- the idle timer -------------------------------------------------------------------

    def poll(self) -> IdleAction:
        """Check the idle timer; the UI calls this about once a second."""
        now = self._clock()
        if self._state in ACTIVE_STATES:
            if now - self._last_activity >= self.idle_seconds:
                self._state = SessionState.IDLE_WARNING
                self._warning_since = now
                return IdleAction.SHOW_WARNING
            return IdleAction.NONE
        if self._state is SessionState.IDLE_WARNING:
            assert self._warning_since is not None
            if now - self._warning_since >= self.warning_seconds:
                self.wipe()
                return IdleAction.WIPE
        return IdleAction.NONE

    def wipe(self) -> None:
        """Forget the citizen: ID card, preferences; back to welcome, a new generation."""
        self._citizen = None
        self._state = SessionState.WELCOME
        self._warning_since = None
        self._last_activity = self._clock()
        self.language = self.defaults.language
        self.large_text = self.defaults.large_text
        self.high_contrast = self.defaults.high_contrast
        self.generation += 1
