"""What every citizen screen has: a title, a way to be shown with parameters, a reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens.i18n import translator

if TYPE_CHECKING:
    from screens.app import KioskApp


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for translation where it is stored, translated where it is shown."""
    return message


class KioskScreen(Screen):
    """One screen of the citizen's journey (see ``screens/`` for each).

    ``title`` is the English message id shown in the top bar, translated there.
    """

    title = StringProperty("")
    #: Whether the top bar offers Back (not after a submission: it would be made twice).
    allows_back = True

    def on_kv_post(self, base_widget: object) -> None:
        """Follow the citizen's language: :meth:`retranslate` runs on every switch."""
        translator.bind(language=self.retranslate)

    def retranslate(self, *_args: object) -> None:
        """The language changed: show this screen's texts in it (a bound method: Kivy
        keeps only a weak reference, so a screen thrown away is not kept alive)."""
        self._render()

    def _render(self) -> None:
        """Show this screen's texts in the current language (screens with texts of their
        own that depend on the language override it)."""

    @property
    def kiosk(self) -> KioskApp:
        """The running kiosk app (the composition root)."""
        return cast("KioskApp", App.get_running_app())

    def show(self, **params: Any) -> None:
        """Prepare the screen before it is shown (a procedure code, a receipt code...)."""
        del params

    def do_reset(self) -> None:
        """Forget everything shown or typed for the last citizen."""
