"""Changing one setting: one editor for every key, driven by :data:`kiosk.config.SETTINGS`.

Allowed values are buttons; a number is typed on the digit pad, text on the technician's
keyboard (with the symbols of addresses and paths). What is typed is checked with
:func:`kiosk.config.parse_value` (the rules ``kiosk config set`` uses) and an error is
shown in words with nothing written; a good value is written to the technician layer on
the technician worker, atomically. A secret (the backend token) is never shown or
prefilled, only its last characters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.config import SETTINGS_BY_KEY, ConfigError, Value, parse_value
from kiosk.technician import SettingView, setting_view
from screens.base import N_, KioskScreen
from screens.i18n import _


class TechnicianSettingScreen(KioskScreen):
    """The editor of one setting (see the module docstring)."""

    title = N_("Change a setting")
    key = StringProperty("")
    meaning = StringProperty("")
    allowed_text = StringProperty("")
    current_text = StringProperty("")
    message_text = StringProperty("")
    #: The message says what went wrong (shown in the warning colour).
    problem = BooleanProperty(False)
    has_choices = BooleanProperty(False)
    saving = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        # Before the .kv rule is applied: on_kv_post already uses them.
        self.view: SettingView | None = None
        self._message: Callable[[], str] | None = None
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """The keyboard types into the value field; it is taken away for choices."""
        # A strong reference (ids holds weak proxies): the keyboard is taken off the screen
        # for choices, and would otherwise be collected while off it.
        self._keyboard = self.ids.keyboard.__self__
        self._keyboard.target = self.ids.value_field
        self._keyboard.bind(on_typed=lambda *_args: self._typed())
        super().on_kv_post(base_widget)

    def show(self, **params: Any) -> None:
        """Edit the setting ``key``, starting from its value (a secret: from empty)."""
        self.do_reset()
        key: str = params["key"]
        app = self.kiosk
        value = app.pending_settings.get(key, app.kiosk_config.values[key])
        view = setting_view(SETTINGS_BY_KEY[key], value, pending=key in app.pending_settings)
        self.view = view
        self.key = key
        self.meaning = view.meaning
        self.has_choices = view.choices is not None
        field = self.ids.value_field
        field.display = "secret" if view.secret else "text"
        field.value = view.editable
        holder = self.ids.keyboard_holder
        holder.clear_widgets()
        if view.choices is None:
            self._keyboard.mode = "digits" if view.numeric else "technical"
            self._keyboard.telex_enabled = view.words
            self._keyboard.shift = False
            holder.add_widget(self._keyboard)
        box = self.ids.choice_box
        for choice in view.choices or ():
            button = Factory.AutoButton(text=choice, font_size=28)
            button.choice = choice
            button.bind(on_release=lambda b: self.do_choose(b.choice))
            box.add_widget(button)
        self._render()

    def do_choose(self, choice: str) -> None:
        """Take one of the allowed values (saved with Save)."""
        self.ids.value_field.value = choice
        self._typed()

    def _typed(self) -> None:
        self._message = None
        self._render()

    def do_save(self) -> None:
        """Check the value; write it (on the technician worker) or say why not."""
        key, typed = self.key, self.ids.value_field.value
        try:
            value = parse_value(key, typed)
        except ConfigError as error:
            reason = str(error)
            self._say(lambda: _("Not saved: {reason}").format(reason=reason), problem=True)
            return
        self.saving = True
        self._say(lambda: _("Saving…"))
        self.kiosk.ask_technician(
            lambda desk: desk.save_setting(key, value),
            lambda path: self._saved(key, value, str(path)),
            on_error=self._not_saved,
        )

    def _saved(self, key: str, value: Value, path: str) -> None:
        self.saving = False
        app = self.kiosk
        app.pending_settings[key] = value
        self.view = setting_view(SETTINGS_BY_KEY[key], value, pending=True)
        if self.view.secret:
            self.ids.value_field.value = ""
        self._say(lambda: _("Saved in {path}. It applies after the app restarts.").format(
            path=path))

    def _not_saved(self, error: Exception) -> None:
        self.saving = False
        reason = str(error) or type(error).__name__
        self._say(lambda: _("Not saved: {reason}").format(reason=reason), problem=True)

    def _say(self, message: Callable[[], str], *, problem: bool = False) -> None:
        self._message = message
        self.problem = problem
        self._render()

    def _render(self) -> None:
        view = self.view
        self.message_text = self._message() if self._message is not None else ""
        if view is None:
            self.allowed_text = self.current_text = ""
            return
        self.allowed_text = _("Allowed: {allowed}").format(allowed=view.allowed)
        current = view.shown if view.shown else _("(empty)")
        self.current_text = (
            _("Value after the restart: {value}") if view.pending else _("Value now: {value}")
        ).format(value=current)
        typed = self.ids.value_field.value
        for button in self.ids.choice_box.children:
            button.role = "selected" if button.choice == typed else "secondary"

    def do_reset(self) -> None:
        """Forget what was typed (a token, perhaps) and the setting edited."""
        self.ids.value_field.value = ""
        self.ids.choice_box.clear_widgets()
        self.view = None
        self.key = self.meaning = ""
        self.saving = False
        self._message = None
        self.problem = False
        self._render()
