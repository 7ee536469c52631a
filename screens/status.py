"""Status look-up: scan the receipt QR or type the code; the latest status from the office.

Or scan an ID card: the applications made with it are listed (screens/card_list.py), and
tapping one looks its code up. The list is the card holder's: it goes when the screen is
left, on idle and when the session is wiped (all of which call :meth:`do_reset`).
"""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk import receipt_code
from kiosk.application_status import ApplicationStatus
from kiosk.card_applications import CardAnswer, CardOutcome
from kiosk.desk import LookupOutcome, OfficeCheck, ServiceDesk, StatusAnswer, parse_moment
from kiosk.idcard import CitizenCard
from screens.base import N_, KioskScreen
from screens.card_list import CARD_TEXTS, LOOKING, CardApplicationButton, button_text
from screens.i18n import _
from screens.procedures import procedure_title

STATUS_NAMES: dict[ApplicationStatus, str] = {
    ApplicationStatus.RECEIVED: N_("Received"),
    ApplicationStatus.IN_PROGRESS: N_("Being processed"),
    ApplicationStatus.NEEDS_DOCUMENTS: N_("More papers needed"),
    ApplicationStatus.READY_FOR_PICKUP: N_("Ready: please come and collect it"),
    ApplicationStatus.COMPLETED: N_("Completed"),
    ApplicationStatus.REJECTED: N_("Refused"),
}

OUTCOME_TEXTS: dict[LookupOutcome, str] = {
    LookupOutcome.NOT_A_CODE: N_(
        "This code is not right. Please compare it with your receipt (8 letters and digits) "
        "or with the dossier code the office gave you."
    ),
    LookupOutcome.UNKNOWN_CODE: N_(
        "No application with code {code} is known here yet. Statuses arrive from the office "
        "when the kiosk updates; please try again later or ask at the reception counter."
    ),
    LookupOutcome.NOT_YET_SENT: N_(
        "Your application {code} was handed in at this kiosk on {date}. It has not reached "
        "the office yet; please check again later."
    ),
    LookupOutcome.NO_STATUS_YET: N_(
        "The office has received application {code}. No status has been published yet."
    ),
    LookupOutcome.STATUS: N_("Latest status of application {code}, updated {date}:"),
}


#: A code unknown here, by whether the office was asked (it replaces the UNKNOWN_CODE text).
UNKNOWN_TEXTS: dict[OfficeCheck, str] = {
    OfficeCheck.ANSWERED: N_(
        "Neither this kiosk nor the office knows an application with code {code}. Please "
        "compare the code with your receipt, or ask at the reception counter."
    ),
    OfficeCheck.UNREACHABLE: N_(
        "This kiosk does not know code {code}, and the office could not be reached just "
        "now. Please try again in a few minutes, or ask at the reception counter."
    ),
}


def moment_text(text: str | None) -> str:
    """A stored time as citizens read it: "14:05, 01/12/2026"."""
    moment = parse_moment(text)
    return "" if moment is None else moment.strftime("%H:%M, %d/%m/%Y")


class StatusScreen(KioskScreen):
    """Check an application with the code on its receipt."""

    title = N_("Check an application")
    answer = ObjectProperty(None, allownone=True)
    answer_text = StringProperty("")
    status_text = StringProperty("")
    detail_text = StringProperty("")
    sync_text = StringProperty("")
    #: What is in the code field ("Look up" waits for something to look up).
    typed = StringProperty("")
    #: The scanned card's applications (None: no card scanned since the last reset).
    card_answer = ObjectProperty(None, allownone=True)
    card_text = StringProperty("")

    def on_kv_post(self, base_widget: object) -> None:
        """Wire the code keyboard; look up as soon as a whole code is typed."""
        self.ids.keyboard.target = self.ids.code_field
        self.ids.keyboard.bind(on_typed=lambda _kb, value: self._typed(value))
        super().on_kv_post(base_widget)

    def show(self, **params: Any) -> None:
        """Empty, or looking up ``code`` (a scanned receipt)."""
        self.do_reset()
        code: str | None = params.get("code")
        if code:
            self.ids.code_field.value = self.typed = code
            self.do_look_up()

    def _typed(self, value: str) -> None:
        self.typed = value.strip()
        self.answer = None
        self._render()
        # A whole receipt code (its check symbol matches) is looked up at once; a dossier
        # code has no fixed length: "Look up" sends it.
        if receipt_code.normalise(value) is not None:
            self.do_look_up()

    def do_look_up(self) -> None:
        """Look the code up (on the desk worker)."""
        typed = self.ids.code_field.value

        def look_up(desk: ServiceDesk) -> StatusAnswer:
            return desk.look_up(typed)

        self.kiosk.ask_desk(look_up, self._answered, key="status")

    def _answered(self, answer: StatusAnswer) -> None:
        self.answer = answer
        self._render()

    def _render(self) -> None:
        answer: StatusAnswer | None = self.answer
        self.status_text = self.detail_text = self.answer_text = self.sync_text = ""
        if answer is None:
            return
        # An official dossier code the office did not answer for is said as it was typed.
        code = (receipt_code.display(answer.code) if answer.code
                else self.ids.code_field.value.strip())
        created = answer.submission.created_at if answer.submission is not None else None
        date = moment_text(answer.latest.updated_at if answer.latest else created)
        text = OUTCOME_TEXTS[answer.outcome]
        if answer.outcome is LookupOutcome.UNKNOWN_CODE:
            text = UNKNOWN_TEXTS.get(answer.office, text)
        self.answer_text = _(text).format(code=code, date=date)
        if answer.latest is not None:
            self.status_text = _(STATUS_NAMES[answer.latest.status])
            self.detail_text = answer.latest.note or ""
        if answer.procedure is not None:
            title = procedure_title(answer.procedure)
            self.detail_text = "\n".join(filter(None, [title, self.detail_text]))
        if answer.outcome is not LookupOutcome.NOT_A_CODE:
            self.sync_text = (
                _("Last update from the office: {moment}").format(
                    moment=moment_text(answer.synced_at)
                )
                if answer.synced_at
                else _("This kiosk has not received any update from the office yet.")
            )

    # -- by ID card ---------------------------------------------------------------------------

    def list_card_applications(self, card: CitizenCard) -> None:
        """A card was scanned here: ask the office (on the desk worker) for its
        applications; the card's number stays on this kiosk (only its keyed hash goes)."""
        self.do_reset()
        self.card_text = _(LOOKING)

        def look_up(desk: ServiceDesk) -> CardAnswer:
            return desk.applications_by_card(card)

        self.kiosk.ask_desk(look_up, self._card_answered, key="status-card")

    def _card_answered(self, answer: CardAnswer) -> None:
        self.card_answer = answer
        self._render_cards()

    def _render_cards(self) -> None:
        box = self.ids.card_list
        box.clear_widgets()
        answer: CardAnswer | None = self.card_answer
        if answer is None:
            self.card_text = ""
            return
        self.card_text = _(CARD_TEXTS[answer.outcome])
        if answer.outcome is not CardOutcome.LISTED:
            return
        for item in answer.applications:
            button = CardApplicationButton(text=button_text(item, STATUS_NAMES),
                                           code=item.receipt_code)
            button.bind(on_release=lambda pressed: self.do_open_card_application(pressed.code))
            box.add_widget(button)

    def do_open_card_application(self, code: str) -> None:
        """The citizen tapped one of their applications: its status, above the list."""
        self.ids.code_field.value = self.typed = receipt_code.display(code)
        self.do_look_up()
        self.ids.answer_scroll.scroll_y = 1

    def on_leave(self, *args: Any) -> None:
        """Leaving the screen takes the card's list (and any answer) with it."""
        self.do_reset()

    def do_reset(self) -> None:
        """Forget the code typed, the answer shown and the scanned card's list."""
        self.ids.code_field.value = self.typed = ""
        self.answer = None
        self._render()
        self.card_answer = None
        self._render_cards()
