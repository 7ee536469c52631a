"""Rating: four levels with faces, one touch; then, optionally, which counter it was about.

The levels come first (the one thing asked of everyone); the counter is a second step only
when this service point has counters, and "send without a counter" ends it at once.
"""

from __future__ import annotations

import enum
from typing import Any

from kivy.factory import Factory
from kivy.properties import OptionProperty, StringProperty

from kiosk.catalog import Service
from kiosk.desk import ServiceDesk
from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.pictograms import RATING_FACES
from screens.base import N_, KioskScreen
from screens.i18n import _
from screens.widgets import KioskButton

LEVEL_NAMES: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: N_("Very satisfied"),
    RatingLevel.SATISFIED: N_("Satisfied"),
    RatingLevel.ACCEPTABLE: N_("Acceptable"),
    RatingLevel.UNSATISFIED: N_("Not satisfied"),
}


class RatingStep(enum.Enum):
    """Where the citizen is: choosing a level, or (optionally) the counter."""

    LEVEL = "level"
    COUNTER = "counter"


class RatingLevelButton(KioskButton):
    """A rating level's button: its face and its words (rating.kv)."""

    picture = StringProperty("")


class RatingScreen(KioskScreen):
    """How satisfied the citizen is (see the module docstring)."""

    title = N_("Rate our service")
    step = OptionProperty(RatingStep.LEVEL.value, options=[s.value for s in RatingStep])
    level = StringProperty("")
    ticket = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._counters: list[str] = []
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """Build the four level buttons, each with its face."""
        box = self.ids.level_box
        for level in RatingLevel:
            button = RatingLevelButton(picture=RATING_FACES[level.value].value)
            button.level_value = level.value
            button.bind(on_release=lambda b: self.do_rate(b.level_value))
            box.add_widget(button)
        super().on_kv_post(base_widget)
        self._render()

    def show(self, **params: Any) -> None:
        """The levels first; the counters of this service point are loaded for step two."""
        del params
        self.do_reset()
        self.ticket = self.kiosk.last_ticket

        def load(desk: ServiceDesk) -> tuple[Service, ...]:
            return desk.services()

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, services: tuple[Service, ...]) -> None:
        self._counters = sorted({service.counter for service in services if service.counter})
        box = self.ids.counter_box
        box.clear_widgets()
        for counter in self._counters:
            button = Factory.AutoButton(role="secondary")
            button.counter_value = counter
            button.bind(on_release=lambda b: self.do_send(b.counter_value))
            box.add_widget(button)
        self._render()

    def _render(self) -> None:
        for button in self.ids.level_box.children:
            button.text = _(LEVEL_NAMES[RatingLevel(button.level_value)])
        for button in self.ids.counter_box.children:
            button.text = button.counter_value

    def do_rate(self, level: str) -> None:
        """A level was touched: sent at once, or the counter asked when there are any."""
        self.level = level
        if self._counters:
            self.step = RatingStep.COUNTER.value
        else:
            self.do_send()

    def do_send(self, counter: str = "") -> None:
        """The rating is stored and thanked for (about ``counter``, if one was touched)."""
        request = RatingRequest(
            RatingLevel(self.level), counter=counter or None, ticket_number=self.ticket or None
        )
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Back to the levels; forget the level and the ticket."""
        self.step = RatingStep.LEVEL.value
        self.level = ""
        self.ticket = ""
        self._render()
