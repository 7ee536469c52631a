"""Queue ticket: choose the service, say whether a priority group applies, get a number."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.catalog import Procedure, Service
from kiosk.desk import ServiceDesk
from kiosk.kinds import PriorityGroup, QueueTicketRequest
from kiosk.queue_state import WaitEstimate
from kiosk.submissions import ticket_parts
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext, translator
from screens.procedures import procedure_title

#: What the screen loads: the services, the procedure it is for, the published queue.
Loaded = tuple[tuple[Service, ...], Procedure | None, dict[str, WaitEstimate]]

PRIORITY_NAMES: dict[PriorityGroup, str] = {
    PriorityGroup.NONE: N_("No priority"),
    PriorityGroup.ELDERLY: N_("Elderly person"),
    PriorityGroup.DISABLED: N_("Person with a disability"),
    PriorityGroup.PREGNANT: N_("Pregnant woman"),
    PriorityGroup.SMALL_CHILDREN: N_("With a small child"),
}


def queue_summary(estimate: WaitEstimate) -> str:
    """A service's queue in one line: "6 people waiting · about 25 min"."""
    waiting = ngettext("{count} person waiting", "{count} people waiting",
                       estimate.people_ahead).format(count=estimate.people_ahead)
    if estimate.counters_open == 0:
        return waiting + " · " + _("no counter open now")
    if estimate.minutes is None:
        return waiting
    if estimate.minutes == 0:
        return _("No wait")
    return waiting + " · " + _("about {minutes} min").format(minutes=estimate.minutes)


def ticket_wait_text(estimate: WaitEstimate) -> str:
    """A ticket's wait, for the done screen: people ahead, estimate, time of the count."""
    lines = [
        ngettext("{count} person ahead of you", "{count} people ahead of you",
                 estimate.people_ahead).format(count=estimate.people_ahead)
    ]
    if estimate.counters_open == 0:
        lines.append(_("No counter is serving it right now."))
    elif estimate.minutes == 0:
        lines = [_("You are next")]
    elif estimate.minutes is not None:
        lines.append(_("Estimated wait: about {minutes} minutes").format(minutes=estimate.minutes))
    lines.append(_("(as counted at {time})").format(time=estimate.as_of.strftime("%H:%M")))
    # "A1-001" with 6 people ahead reads as a contradiction unless it is said why.
    lines.append(_(
        "Counters call the numbers of every kiosk here in the order they were taken: the "
        "people ahead of you are counted across the whole service point."
    ))
    return "\n".join(lines)


def priority_note(ticket: str) -> str:
    """What a priority number's letter means ("" for a number without one)."""
    try:
        priority = ticket_parts(ticket).priority
    except ValueError:
        return ""
    if not priority:
        return ""
    return _("The letter U in your number means priority: you are called sooner, taking "
             "turns with the others.")


def service_label(service: Service, estimate: WaitEstimate | None = None) -> str:
    """A service as the citizen reads it: its name, its counter and, when the back office
    published it lately, its queue."""
    name = service.name_en if translator.language == "en" and service.name_en else service.name
    lines = [name]
    if service.counter:
        lines.append(service.counter)
    if estimate is not None:
        lines.append(queue_summary(estimate))
    return "\n".join(lines)


class QueueTicketScreen(KioskScreen):
    """Choose, confirm, and the ticket is printed (on the done screen)."""

    title = N_("Take a queue number")
    service_code = StringProperty("")
    priority = StringProperty(PriorityGroup.NONE.value)
    procedure = ObjectProperty(None, allownone=True)
    procedure_note = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._services: tuple[Service, ...] = ()
        self._queue: dict[str, WaitEstimate] = {}
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        """Build the priority buttons; re-label everything when the language changes."""
        box = self.ids.priority_box
        for group in PriorityGroup:
            button = Factory.AutoButton(role="secondary")
            button.group_value = group.value
            button.bind(on_release=lambda b: self.do_choose_priority(b.group_value))
            box.add_widget(button)
        super().on_kv_post(base_widget)
        self._render()

    def show(self, **params: Any) -> None:
        """Fresh choices; ``procedure`` (a code) preselects its service."""
        code: str | None = params.get("procedure")
        self.service_code = ""
        self.priority = PriorityGroup.NONE.value
        self.procedure = None

        def load(desk: ServiceDesk) -> Loaded:
            return desk.services(), desk.procedure(code) if code else None, desk.queue_overview()

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, found: Loaded) -> None:
        self._services, self.procedure, self._queue = found
        if self.procedure is not None and self.procedure.service:
            self.service_code = self.procedure.service
        box = self.ids.service_box
        box.clear_widgets()
        for service in self._services:
            button = Factory.AutoButton(role="secondary", halign="left")
            button.service_code = service.code
            button.bind(on_release=lambda b: self.do_choose_service(b.service_code))
            box.add_widget(button)
        self._render()

    def _render(self) -> None:
        by_code = {service.code: service for service in self._services}
        for button in self.ids.service_box.children:
            button.text = service_label(
                by_code[button.service_code], self._queue.get(button.service_code)
            )
            button.role = "selected" if button.service_code == self.service_code else "secondary"
        for button in self.ids.priority_box.children:
            button.text = _(PRIORITY_NAMES[PriorityGroup(button.group_value)])
            button.role = "selected" if button.group_value == self.priority else "secondary"
        self.procedure_note = (
            _("For: {procedure}").format(procedure=procedure_title(self.procedure))
            if self.procedure is not None
            else ""
        )

    def do_choose_service(self, code: str) -> None:
        """The citizen chose a service."""
        self.service_code = code
        self._render()

    def do_choose_priority(self, value: str) -> None:
        """The citizen chose a priority group (or none)."""
        self.priority = value
        self._render()

    def do_confirm(self) -> None:
        """Take the number: the done screen stores it and prints the ticket."""
        if not self.service_code:
            return
        request = QueueTicketRequest(
            service=self.service_code,
            priority=PriorityGroup(self.priority),
            procedure_code=None if self.procedure is None else self.procedure.code,
        )
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Forget the choices."""
        self.service_code = ""
        self.priority = PriorityGroup.NONE.value
        self.procedure = None
        self._render()
