"""The "Nghe" (Listen) button's side of the app: what is on screen, handed to the voice.

One button in the top bar (root.kv) serves every citizen screen. Pressing it asks
:func:`screen_view` for what the screen on show says (its title, its question, its
choices in reading order; a screen with more to say, like a procedure's papers or a printed
ticket, gives its own view through :class:`SpeaksItself`) and the core's
:class:`~kiosk.kiosk_voice.KioskVoice` says it: the words around it, the numbers and the
policy (stop on a second press, on leaving the screen, when the citizen leaves) are the
core's. This module only gathers and relays.

:class:`Listening` is a part of :class:`screens.app.KioskApp` (a mixin, as Kivy's
behaviours are): the .kv binds ``app.can_listen`` and ``app.speaking`` and calls
``app.do_listen``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from kivy.clock import Clock
from kivy.properties import BooleanProperty
from kivy.uix.widget import Widget

from kiosk.kiosk_voice import KioskVoice
from kiosk.language import check_language
from kiosk.spoken_screens import MenuView, ScreenView
from screens.base import SearchScreen
from screens.i18n import _, translator
from screens.widgets import (
    CheckRow,
    ChoiceTile,
    KioskButton,
    ListRow,
    OnScreenKeyboard,
    ResultList,
)

if TYPE_CHECKING:
    from kivy.uix.screenmanager import ScreenManager

    from kiosk.parts import KioskDevices
    from kiosk.session import Session
    from screens.base import KioskScreen


@runtime_checkable
class SpeaksItself(Protocol):
    """A screen with more to say than its title and choices."""

    def spoken_view(self) -> ScreenView:
        """What the screen shows now, for the voice."""
        ...


def _shown(widget: Widget) -> bool:
    return (
        widget.opacity > 0 and not widget.disabled and widget.width > 1 and widget.height > 1
    )


def _choice_text(widget: Widget) -> str | None:
    """The words of a choice the citizen can touch (None: not a choice)."""
    if isinstance(widget, ChoiceTile | ListRow):
        return str(widget.title)
    if isinstance(widget, KioskButton | CheckRow):
        return str(widget.text)
    return None


def visible_choices(root: Widget) -> tuple[str, ...]:
    """The texts of the choices shown under ``root``, in reading order (top to bottom, then
    left to right); the on-screen keyboard's keys are not choices."""
    found: list[tuple[float, float, str]] = []

    def collect(widget: Widget) -> None:
        if isinstance(widget, OnScreenKeyboard) or not _shown(widget):
            return
        text = _choice_text(widget)
        if text is not None:
            x, top = widget.to_window(widget.x, widget.top)
            found.append((-round(top), x, text))
            return
        for child in widget.children:
            collect(child)

    collect(root)
    # Rows a long list has not placed yet (it builds a few per frame) come after it.
    waiting = [row.title for widget in root.walk(restrict=True)
               if isinstance(widget, ResultList) and _shown(widget) for row in widget.waiting]
    return tuple(text for _top, _x, text in sorted(found) if text.strip()) + tuple(waiting)


#: The screens' properties holding what they say in words, already translated: a heading,
#: a message above a list, a look-up's answer (read in this order when a screen has them).
SPOKEN_PROPERTIES = ("heading", "message", "answer_text", "status_text")


def screen_texts(screen: KioskScreen) -> str:
    """What ``screen`` says besides its title and choices (see :data:`SPOKEN_PROPERTIES`)."""
    texts = []
    for name in SPOKEN_PROPERTIES:
        text = str(getattr(screen, name, "") or "")
        if name == "message" and isinstance(screen, SearchScreen) and text:
            # A search screen's message is a message id, translated where it is shown.
            text = _(text).format(**screen.message_args)
        if text.strip():
            texts.append(text)
    return "\n".join(texts)


def screen_view(screen: KioskScreen) -> ScreenView:
    """What ``screen`` says when the citizen presses Listen."""
    if isinstance(screen, SpeaksItself):
        view: ScreenView = screen.spoken_view()
        return view
    return MenuView(_(screen.title), screen_texts(screen), visible_choices(screen))


class Listening:
    """The voice's side of :class:`~screens.app.KioskApp` (see the module docstring)."""

    #: The kiosk has a voice and a citizen is served: the Listen button is offered.
    can_listen = BooleanProperty(False)
    #: The voice is talking (the Listen button shows pressed; pressing again stops it).
    speaking = BooleanProperty(False)

    if TYPE_CHECKING:  # what the app holds, used here
        manager: ScreenManager | None
        session: Session
        devices: KioskDevices | None

        @property
        def current_screen(self) -> KioskScreen: ...

    @property
    def voice(self) -> KioskVoice | None:
        """The kiosk's voice (None: silent)."""
        return None if self.devices is None else self.devices.voice

    def start_voice(self) -> None:
        """Offer Listen when there is a voice; silence it whenever the screen changes."""
        voice = self.voice
        if voice is None:
            return
        voice.on_speaking = self._on_speaking
        self.can_listen = True
        if self.manager is not None:
            self.manager.bind(current=lambda *_args: voice.stop())

    def _on_speaking(self, speaking: bool) -> None:
        # Told on the announcer's thread: the property changes on the UI thread.
        Clock.schedule_once(lambda _dt: self._show_speaking(speaking), 0)

    def _show_speaking(self, speaking: bool) -> None:
        # Not once the app has stopped: the .kv rules bound to ``app.speaking`` would run
        # and tie the .kv files' ``app`` to this stopped app (tests run apps in turn).
        if self.voice is not None and self.voice.on_speaking is not None:
            self.speaking = speaking

    def do_listen(self) -> None:
        """The Listen button: read the screen on show aloud, or stop if it is talking."""
        voice = self.voice
        if voice is None:
            return
        self.session.on_activity()
        voice.toggle(screen_view(self.current_screen), check_language(translator.language))

    def tell(self, view: ScreenView) -> None:
        """Say ``view`` on the kiosk's own initiative, if the citizen is listening."""
        if self.voice is not None:
            self.voice.tell(view, check_language(translator.language))

    def say_idle_warning(self, seconds: int) -> None:
        """The idle warning's sound and words."""
        if self.voice is not None:
            self.voice.idle_warning(seconds, check_language(translator.language))

    def sound_touch(self) -> None:
        """A touch (the optional click)."""
        if self.voice is not None:
            self.voice.touched()

    def sound_error(self) -> None:
        """Something went wrong (the optional error tone)."""
        if self.voice is not None:
            self.voice.error()

    def silence(self) -> None:
        """Stop talking (technician mode)."""
        if self.voice is not None:
            self.voice.stop()

    def forget_listener(self) -> None:
        """The citizen left: silence, and the next citizen starts not listening."""
        if self.voice is not None:
            self.voice.forget()

    def close_voice(self) -> None:
        """End the voice's threads (the app stops); nothing it reports reaches the app."""
        if self.voice is not None:
            self.voice.on_speaking = None
            self.voice.close()
