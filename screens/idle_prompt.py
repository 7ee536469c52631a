"""The "need more time?" prompt shown when nobody has touched the screen for a while."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.modalview import ModalView


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
