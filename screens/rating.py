"""Rating: four levels with faces, one touch; then, optionally, which counter it was about.

The levels come first (the one thing asked of everyone); the counter is a second step only
when this service point has counters, and "send without a counter" ends it at once.

A scanned ticket is checked at the hub (:mod:`kiosk.servicepoint.ticket_rating`): a served
ticket's rating is recorded there at the first touch, with the counter, officer and times of
its service (no counter to choose); a ticket rated already is refused; when the hub cannot
say, the citizen rates as without a ticket.
"""

from __future__ import annotations

import enum
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, OptionProperty, StringProperty

from kiosk.catalog import Service
from kiosk.desk import ServiceDesk
from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.pictograms import RATING_FACES
from kiosk.servicepoint.ticket_rating import (
    RatingAnswer,
    RatingResult,
    TicketAnswer,
    TicketCheck,
)
from screens.base import N_, KioskScreen
from screens.i18n import _
from screens.widgets import KioskButton

LEVEL_NAMES: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: N_("Very satisfied"),
    RatingLevel.SATISFIED: N_("Satisfied"),
    RatingLevel.ACCEPTABLE: N_("Acceptable"),
    RatingLevel.UNSATISFIED: N_("Not satisfied"),
}


#: What the screen says about a scanned ticket (English message ids, shown translated).
CHECK_MESSAGES: dict[TicketCheck, str] = {
    TicketCheck.RATEABLE: N_("Ticket {number}, served at {counter}. Touch your answer."),
    TicketCheck.ALREADY_RATED: N_(
        "Ticket {number} has been rated already: one rating per ticket. Thank you!"),
    TicketCheck.NOT_SERVED: N_(
        "Ticket {number} has not been served yet. Rate after your turn at the counter."),
    TicketCheck.UNKNOWN_TICKET: N_(
        "This ticket is not known at this service point. Touch your answer, then "
        "the counter that served you."),
    TicketCheck.HUB_UNREACHABLE: N_(
        "Your ticket cannot be checked right now. Touch your answer, then the "
        "counter that served you."),
    TicketCheck.NO_HUB: N_(
        "Tickets cannot be checked at this kiosk. Touch your answer, then the "
        "counter that served you."),
}
NOT_A_TICKET = N_("That is not a queue ticket. Scan the QR code on your ticket.")


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
    #: What the screen says about the scanned ticket (an English message id), "" when none.
    ticket_message = StringProperty("")
    ticket_message_args = DictProperty({})
    #: A served ticket the hub will take this rating for: no counter to choose.
    ticket_served = BooleanProperty(False)
    #: The scanned ticket's page token while it is the one being rated, "" otherwise.
    _token = ""

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
        """The levels first; the counters of this service point are loaded for step two;
        the ticket taken today, if any; with ``scanned`` (a ticket's QR read), that ticket is
        checked at the hub."""
        self.do_reset()
        self.ticket = self.kiosk.last_ticket
        scanned = params.get("scanned")
        if scanned:
            self.on_ticket_scanned(str(scanned))

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

    # -- a scanned ticket ------------------------------------------------------------------

    def on_ticket_scanned(self, scanned: str) -> None:
        """The citizen scanned a ticket here: ask the hub whether it can be rated."""

        def check(desk: ServiceDesk) -> tuple[str, TicketAnswer] | None:
            token = desk.rating_token(scanned)
            return None if token is None else (token, desk.check_rating_ticket(token))

        self.kiosk.ask_desk(check, self._checked, key="rating-ticket")

    def _checked(self, checked: tuple[str, TicketAnswer] | None) -> None:
        self._forget_ticket()
        if checked is None:
            self.ticket_message = NOT_A_TICKET
            return
        token, answer = checked
        ticket = answer.ticket
        counter = ""
        if ticket is not None:
            counter = ticket.counter_name or (str(ticket.counter) if ticket.counter else "")
            self.ticket = ticket.number
        self.ticket_message_args = {"number": ticket.number if ticket else "",
                                    "counter": counter}
        self.ticket_message = CHECK_MESSAGES[answer.check]
        if answer.check is TicketCheck.RATEABLE:
            self._token = token
            self.ticket_served = True
        elif answer.check is TicketCheck.ALREADY_RATED:
            # Not tied to that ticket any more: a second rating of it is refused.
            self.ticket = ""
        self._render()

    def _forget_ticket(self) -> None:
        self._token = ""
        self.ticket_served = False
        self.ticket_message = ""
        self.ticket_message_args = {}

    def _rated_at_hub(self, answer: RatingAnswer) -> None:
        if answer.result is RatingResult.RECORDED and answer.ticket is not None:
            self._forget_ticket()
            self.kiosk.show_banner(
                N_("Thank you! Your rating of ticket {number} was recorded."),
                number=answer.ticket.number)
            self.kiosk.do_home()
            return
        number = self.ticket
        self._forget_ticket()
        if answer.result is RatingResult.ALREADY_RATED:
            self.ticket = ""
            self.ticket_message = CHECK_MESSAGES[TicketCheck.ALREADY_RATED]
        elif answer.result is RatingResult.REFUSED:
            self.ticket_message = CHECK_MESSAGES[TicketCheck.NOT_SERVED]
        else:
            self.ticket_message = CHECK_MESSAGES[TicketCheck.HUB_UNREACHABLE]
        self.ticket_message_args = {"number": number, "counter": ""}
        self._render()

    def do_rate(self, level: str) -> None:
        """A level was touched: recorded at the hub for a scanned served ticket; else sent at
        once, or the counter asked when there are any."""
        if self._token:
            token = self._token
            chosen = RatingLevel(level)
            self.kiosk.ask_desk(lambda desk: desk.rate_ticket(token, chosen),
                                self._rated_at_hub, key="rating-ticket")
            return
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
        self._forget_ticket()
        self._render()
