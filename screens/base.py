"""What every citizen screen has: a title, a way to be shown with parameters, a reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import DictProperty, StringProperty
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


#: Seconds after the last key press before searching: a burst of keys is one search.
SEARCH_DELAY = 0.25


class SearchScreen(KioskScreen):
    """A screen that searches as the citizen types: a field (id ``query``), the on-screen
    keyboard (``keyboard``) and a result list (``results``).

    The search runs a moment after the last key (:data:`SEARCH_DELAY`); subclasses say
    what searching (:meth:`do_search`) and choosing a row (:meth:`do_choose`) do. The list's
    ``message`` is a message id formatted with ``message_args`` where it is shown.
    """

    message = StringProperty("")
    message_args = DictProperty({})

    def __init__(self, **kwargs: Any) -> None:
        # Set before Screen.__init__, which applies the .kv rule and calls on_kv_post.
        self._search_trigger = Clock.create_trigger(lambda _dt: self.do_search(), SEARCH_DELAY)
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """Wire the keyboard to the field and the list to this screen."""
        self.ids.keyboard.target = self.ids.query
        self.ids.keyboard.bind(on_typed=lambda *_args: self._search_trigger())
        self.ids.results.when_chosen = self.do_choose
        super().on_kv_post(base_widget)

    def do_search(self) -> None:
        """Search for what is in the field (on the desk worker)."""
        raise NotImplementedError

    def do_choose(self, key: str) -> None:
        """A row was touched."""
        raise NotImplementedError

    def do_reset(self) -> None:
        """Forget what was typed and found."""
        self._search_trigger.cancel()
        self.ids.query.value = ""
        self.ids.keyboard.shift = False
        self.message = ""
        self.message_args = {}
        self.ids.results.clear()
