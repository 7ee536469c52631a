"""Rating: four levels, one touch; about the ticket the citizen scanned, or a counter chosen.

A scanned ticket is checked at the hub (:mod:`kiosk.servicepoint.ticket_rating`): a served
ticket's rating is recorded there, with the counter, officer and times of its service; a
ticket rated already is refused; when the hub cannot say, the citizen chooses the counter.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, StringProperty

from kiosk.catalog import Service
from kiosk.desk import ServiceDesk
from kiosk.kinds import RatingLevel, RatingRequest
from kiosk.servicepoint.ticket_rating import (
    RatingAnswer,
    RatingResult,
    TicketAnswer,
    TicketCheck,
)
from screens.base import N_, KioskScreen
from screens.i18n import _

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
        "This ticket is not known at this service point. Choose the counter that served "
        "you, then your answer."),
    TicketCheck.HUB_UNREACHABLE: N_(
        "Your ticket cannot be checked right now. Choose the counter that served you, then "
        "your answer."),
    TicketCheck.NO_HUB: N_(
        "Tickets cannot be checked at this kiosk. Choose the counter that served you, then "
        "your answer."),
}
NOT_A_TICKET = N_("That is not a queue ticket. Scan the QR code on your ticket.")


class RatingScreen(KioskScreen):
    """How satisfied the citizen is: one touch on a level and it is done."""

    title = N_("Rate our service")
    counter = StringProperty("")
    ticket = StringProperty("")
    #: What the screen says about the scanned ticket (an English message id), "" when none.
    ticket_message = StringProperty("")
    ticket_message_args = DictProperty({})
    #: A served ticket the hub will take this rating for: no counter to choose.
    ticket_served = BooleanProperty(False)
    #: The scanned ticket's page token while it is the one being rated, "" otherwise.
    _token = ""

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
        """Offer the counters of this service point; the ticket taken today, if any; with
        ``scanned`` (a ticket's QR read), check that ticket at the hub."""
        self.counter = ""
        self.ticket = self.kiosk.last_ticket
        self._forget_ticket()
        scanned = params.get("scanned")
        if scanned:
            self.on_ticket_scanned(str(scanned))

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
        """One touch: the rating is stored and thanked for (at the hub for a scanned
        served ticket; else as this kiosk's rating, about the counter chosen)."""
        if self._token:
            token = self._token
            chosen = RatingLevel(level)
            self.kiosk.ask_desk(lambda desk: desk.rate_ticket(token, chosen),
                                self._rated_at_hub, key="rating-ticket")
            return
        request = RatingRequest(
            RatingLevel(level), counter=self.counter or None, ticket_number=self.ticket or None
        )
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Forget the counter and ticket."""
        self.counter = ""
        self.ticket = ""
        self._forget_ticket()
        self._render()
