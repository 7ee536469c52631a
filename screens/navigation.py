"""Moving between screens and the citizen's own preferences, as the kiosk app does them.

Go to a screen (Back returns), Back, Home; the title bar follows the screen on show; the
language, large text and high contrast the citizen chose. Leaving technician mode by any of
these ways ends it (:mod:`screens.technician_mode`).

A part of :class:`screens.app.KioskApp` (a mixin, as Kivy's behaviours are): the .kv files
call ``app.do_go``, ``app.do_back``, ``app.do_home`` and the preference toggles, and bind
``app.screen_title`` and ``app.can_go_back``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.kiosk_mode import TECHNICIAN_MODES
from screens.i18n import translator
from screens.screen_registry import TECHNICIAN_SCREENS
from screens.theme import theme

if TYPE_CHECKING:
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.kiosk_mode import KioskMode
    from kiosk.session import Session
    from screens.base import KioskScreen


class Navigation:
    """Navigation's side of :class:`~screens.app.KioskApp` (see the module docstring)."""

    #: The current screen's title (English message id) and whether Back goes anywhere.
    screen_title = StringProperty("")
    can_go_back = BooleanProperty(False)
    #: Back is offered on this screen (the top bar shows Home whenever can_go_back).
    can_go_back_here = BooleanProperty(False)

    if TYPE_CHECKING:  # what the app holds and does, used here
        manager: ScreenManager | None
        session: Session
        mode: KioskMode
        _history: list[str]

        def _screen(self, name: str) -> KioskScreen: ...
        def do_leave_technician_mode(self) -> None: ...
        def _end_technician_mode(self) -> None: ...

    def do_go(self, name: str, **params: Any) -> None:
        """Show screen ``name`` (after handing it ``params``); Back returns here."""
        assert self.manager is not None
        screen = self._screen(name)
        screen.show(**params)
        current = self.manager.current
        if current != name:
            if name == "welcome":
                self._history.clear()
            else:
                self._history.append(current)
        self._switch(name)

    def do_back(self) -> None:
        """Back to the screen before this one."""
        target = self._history.pop() if self._history else "welcome"
        self._switch(target)

    def do_home(self) -> None:
        """Back to the six choices, the citizen still here (their ID card kept).

        From technician mode it is "leave technician mode": everything is wiped, so the
        technician's language or text size never greets the next citizen.
        """
        if self.mode in TECHNICIAN_MODES:
            self.do_leave_technician_mode()
            return
        self._history.clear()
        self._switch("welcome")

    def _switch(self, name: str) -> None:
        assert self.manager is not None
        if name not in TECHNICIAN_SCREENS and self.mode in TECHNICIAN_MODES:
            # Home, the idle wipe, "start over", Back: any way out of technician mode ends it.
            self._end_technician_mode()
        self.manager.current = name
        screen = self._screen(name)
        self.screen_title = "" if name == "welcome" else screen.title
        self.can_go_back = name != "welcome"
        self.can_go_back_here = self.can_go_back and screen.allows_back

    @property
    def current_screen(self) -> KioskScreen:
        """The screen on show."""
        assert self.manager is not None
        return self._screen(self.manager.current)

    # -- the citizen's preferences ------------------------------------------------------------

    def do_set_language(self, language: str) -> None:
        """Switch every screen to ``language`` ("vi" or "en")."""
        self.session.set_language(language)
        translator.switch(language)

    def do_toggle_large_text(self) -> None:
        """Larger text on or off."""
        theme.large_text = self.session.toggle_large_text()

    def do_toggle_contrast(self) -> None:
        """High contrast on or off."""
        theme.high_contrast = self.session.toggle_high_contrast()

    def _apply_preferences(self) -> None:
        translator.switch(self.session.language)
        theme.reset(large_text=self.session.large_text, high_contrast=self.session.high_contrast)
