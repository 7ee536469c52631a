"""Browsing by life event (sự kiện): what happened in the citizen's life, then the
procedures it usually needs, in the order they are done; a step opens the procedure.

Life events have Vietnamese and English titles; procedure texts stay Vietnamese, and in
English the screen says so once instead of mixing languages silently.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.catalog import LifeEvent
from kiosk.desk import LifeEventSteps
from kiosk.pictograms import life_event_pictogram
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext, translator
from screens.procedure_detail import VIETNAMESE_TEXTS_NOTE
from screens.procedures import procedure_row, procedure_title
from screens.widgets import Row

#: A row's key for a life event (a procedure's row key is its code).
EVENT_KEY = "event:"


def event_title(event: LifeEvent) -> str:
    """The event's title in the screen's language."""
    return event.title_en if translator.language == "en" else event.title


def event_note(event: LifeEvent) -> str:
    """The event's word of advice in the screen's language ("" when none)."""
    if translator.language == "en":
        return event.note_en or ""
    return event.note or ""


class LifeEventsScreen(KioskScreen):
    """The list of life events; one event's procedures as numbered steps."""

    title = N_("By life event")
    #: The event open ("" for the list of events).
    event_key = StringProperty("")
    heading = StringProperty("")
    message = StringProperty("")
    language_note = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._events: list[LifeEventSteps] | None = None
        self._english_fields: dict[str, str] = {}
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """Rows chosen in the list come to :meth:`do_choose`."""
        self.ids.results.when_chosen = self.do_choose
        super().on_kv_post(base_widget)

    def show(self, **params: Any) -> None:
        """Fresh from the menu: the list of life events (or event ``event`` at once)."""
        self.event_key = params.get("event") or ""
        self.kiosk.ask_desk(
            lambda desk: (desk.life_events(), desk.english_field_names()), self._got_events
        )

    def _got_events(self, got: tuple[list[LifeEventSteps], dict[str, str]]) -> None:
        self._events, self._english_fields = got
        self._render()

    def _steps(self) -> LifeEventSteps | None:
        return next(
            (steps for steps in self._events or () if steps.event.key == self.event_key), None
        )

    def _render(self) -> None:
        """Show the list, or the open event's steps, in the current language."""
        results = self.ids.results
        if self._events is None:
            self.heading = self.message = self.language_note = ""
            return
        steps = self._steps()
        if steps is None:
            self.event_key = ""
            self.heading = _("What happened in your life?")
            self.language_note = ""
            self.message = (
                _("Choose one to see the procedures it usually needs, in order.")
                if self._events else _("This catalog has no life events yet. Please look up "
                                       "the procedure by name instead.")
            )
            results.show_rows([
                Row(
                    EVENT_KEY + item.event.key,
                    event_title(item.event),
                    ngettext(
                        "{count} procedure", "{count} procedures", len(item.procedures)
                    ).format(count=len(item.procedures)),
                    life_event_pictogram(item.event.key).value,
                )
                for item in self._events
            ])  # fmt: skip
            return
        self.heading = event_title(steps.event)
        english = translator.language == "en"
        self.language_note = _(VIETNAMESE_TEXTS_NOTE) if english else ""
        note = event_note(steps.event)
        self.message = _("Usually done in this order. Touch a step to see what to bring.") + (
            f"\n{note}" if note else ""
        )
        results.show_rows([
            procedure_row(procedure, self._english_fields,
                          title=f"{number}. {procedure_title(procedure)}")
            for number, procedure in enumerate(steps.procedures, 1)
        ])  # fmt: skip

    def do_choose(self, key: str) -> None:
        """A row was touched: open a life event, or a procedure."""
        if key.startswith(EVENT_KEY):
            self.event_key = key.removeprefix(EVENT_KEY)
            self._render()
        else:
            self.kiosk.do_go("procedure", code=key)

    def do_show_all_events(self) -> None:
        """Back to the list of life events."""
        self.event_key = ""
        self._render()

    def do_reset(self) -> None:
        """Forget the event open."""
        self.event_key = ""
        self._events = None
        self.heading = self.message = self.language_note = ""
        self.ids.results.clear()
