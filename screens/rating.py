"""Rating: four levels, one touch; optionally which counter it is about."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.catalog import Service
from kiosk.desk import ServiceDesk
from kiosk.kinds import RatingLevel, RatingRequest
from screens.base import N_, KioskScreen
from screens.i18n import _

LEVEL_NAMES: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: N_("Very satisfied"),
    RatingLevel.SATISFIED: N_("Satisfied"),
    RatingLevel.ACCEPTABLE: N_("Acceptable"),
    RatingLevel.UNSATISFIED: N_("Not satisfied"),
}


class RatingScreen(KioskScreen):
    """How satisfied the citizen is: one touch on a level and it is done."""

    title = N_("Rate our service")
    counter = StringProperty("")
    ticket = StringProperty("")

    def on_kv_post(self, base_widget: object) -> None:
        """Build the four level buttons."""
        box = self.ids.level_box
        for level in RatingLevel:
            button = Factory.KioskButton(font_size=40, size_hint_y=None, height=180)
            button.level_value = level.value
            button.bind(on_release=lambda b: self.do_rate(b.level_value))
            box.add_widget(button)
        super().on_kv_post(base_widget)
        self._render()

    def show(self, **params: Any) -> None:
        """Offer the counters of this service point; the ticket taken today, if any."""
        del params
        self.counter = ""
        self.ticket = self.kiosk.last_ticket

        def load(desk: ServiceDesk) -> tuple[Service, ...]:
            return desk.services()

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, services: tuple[Service, ...]) -> None:
        box = self.ids.counter_box
        box.clear_widgets()
        counters = sorted({service.counter for service in services if service.counter})
        for counter in counters:
            button = Factory.AutoButton(role="secondary", font_size=28)
            button.counter_value = counter
            button.bind(on_release=lambda b: self.do_choose_counter(b.counter_value))
            box.add_widget(button)
        self._render()

    def _render(self) -> None:
        for button in self.ids.level_box.children:
            button.text = _(LEVEL_NAMES[RatingLevel(button.level_value)])
        for button in self.ids.counter_box.children:
            button.text = button.counter_value
            button.role = "selected" if button.counter_value == self.counter else "secondary"

    def do_choose_counter(self, counter: str) -> None:
        """The rating is about ``counter`` (touch again to undo)."""
        self.counter = "" if self.counter == counter else counter
        self._render()

    def do_rate(self, level: str) -> None:
        """One touch: the rating is stored and thanked for."""
        request = RatingRequest(
            RatingLevel(level), counter=self.counter or None, ticket_number=self.ticket or None
        )
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Forget the counter and ticket."""
        self.counter = ""
        self.ticket = ""
        self._render()
