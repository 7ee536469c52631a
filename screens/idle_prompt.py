"""The "need more time?" prompt shown when nobody has touched the screen for a while,
and :class:`IdleWatch`, which opens it when the session's idle timer says so."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.modalview import ModalView

from kiosk.sd_notify import Notifier
from kiosk.session import IdleAction, Session, SessionState
from kiosk.session_status import status_line
from screens.screen_registry import load_kv


class IdlePrompt(ModalView):
    """Asks whether the citizen is still there; the app wipes the session when time runs out."""

    seconds_left = NumericProperty(0)
    is_open = BooleanProperty(False)

    def on_open(self) -> None:
        """Remember that the prompt is up."""
        self.is_open = True

    def on_dismiss(self) -> None:
        """Remember that the prompt is gone."""
        self.is_open = False

    def close(self) -> None:
        """Take the prompt away at once (no animation)."""
        if self.is_open:
            self.dismiss(animation=False)


class IdleWatch:
    """The idle timer's face: the session's timer (:meth:`Session.poll`) decides, this
    opens the prompt, counts down on it and takes it away when someone touches.

    It also tells systemd whether a citizen is here (kiosk/session_status.py): the updater
    stops the UI only when nobody is.
    """

    def __init__(self, session: Session, notifier: Notifier | None = None) -> None:
        self.session = session
        self.notifier = Notifier() if notifier is None else notifier
        #: The prompt, built the first time it is needed.
        self.prompt: IdlePrompt | None = None
        self._reported: SessionState | None = None

    def check(self) -> IdleAction:
        """Poll the session's idle timer (every second) and show what it says; the caller
        wipes the screens on :attr:`IdleAction.WIPE`."""
        action = self.session.poll()
        if self.session.state is not self._reported:
            self._reported = self.session.state
            self.notifier.status(status_line(self.session.state))
        if action is IdleAction.SHOW_WARNING:
            self._show_prompt()
        elif action is not IdleAction.WIPE and self.prompt is not None and self.prompt.is_open:
            self.prompt.seconds_left = self.session.warning_seconds_left()
        return action

    def _show_prompt(self) -> None:
        if self.prompt is None:
            load_kv("idle_prompt")
            self.prompt = IdlePrompt()
        self.prompt.seconds_left = self.session.warning_seconds_left()
        self.prompt.open(animation=False)

    def on_touch(self) -> None:
        """The screen was touched: the citizen is here."""
        self.session.on_activity()
        if self.prompt is not None and self.prompt.is_open:
            self.prompt.close()

    def keep_going(self) -> None:
        """ "Yes, I need more time"."""
        self.session.on_activity()
        self.close()

    def close(self) -> None:
        """Take the prompt away (a wipe, technician mode)."""
        if self.prompt is not None:
            self.prompt.close()
