"""Saving, printing and done: "take your slip", or the code on screen when printing failed.

Every submission flow ends here: the queue ticket, the application, the feedback, the
rating and the procedure checklist. The screen stores the submission (desk worker),
prints its slip (print worker) and says what to do next. When the printer fails, the
number, the code and its QR code stay on screen, large, to be noted or photographed.
"""

from __future__ import annotations

import enum
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk import receipt_code
from kiosk.desk import ServiceDesk
from kiosk.kinds import KINDS, Request, SubmissionError, SubmissionKind
from kiosk.printing import PrintOutcome
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import Receipt
from kiosk.spoken_screens import MenuView, ScreenView, TicketView
from kiosk.submissions import Submission
from screens.base import N_, KioskScreen
from screens.i18n import _
from screens.listening import visible_choices
from screens.procedures import procedure_title
from screens.queue_ticket import priority_note, ticket_wait_text

#: What storing a submission answers: it, its slip, the counter to go to, a ticket's wait.
Stored = tuple[Submission, Receipt, str, WaitEstimate | None]


class SlipState(enum.Enum):
    """Where the done screen is with the citizen's slip."""

    SAVING = "saving"  # the submission is being stored
    PRINTING = "printing"  # stored; the slip is being printed
    PRINTED = "printed"  # take your slip
    NOT_PRINTED = "not_printed"  # the printer failed: the code stays on screen
    NO_PRINTER = "no_printer"  # this kiosk has no printer: the code is on screen
    THANKS = "thanks"  # a rating: nothing needs printing
    FAILED = "failed"  # the submission could not be stored


#: States in which the citizen must note the code from the screen.
CODE_ON_SCREEN_STATES = frozenset({SlipState.NOT_PRINTED, SlipState.NO_PRINTER})

HEADINGS: dict[SlipState, str] = {
    SlipState.SAVING: N_("One moment…"),
    SlipState.PRINTING: N_("Printing your slip…"),
    SlipState.PRINTED: N_("Please take your slip below"),
    SlipState.NOT_PRINTED: N_("The slip could not be printed"),
    SlipState.NO_PRINTER: N_("Please note this code"),
    SlipState.THANKS: N_("Thank you!"),
    SlipState.FAILED: N_("Sorry, this did not work"),
}

class DoneScreen(KioskScreen):
    """The end of a journey (see the module docstring)."""

    title = N_("Your slip")
    allows_back = False
    state = ObjectProperty(SlipState.SAVING)
    heading = StringProperty("")
    big_text = StringProperty("")
    code_text = StringProperty("")
    qr_payload = StringProperty("")
    next_step = StringProperty("")
    #: People ahead and the estimated wait of a queue ticket (empty when not known).
    wait_text = StringProperty("")
    problem = StringProperty("")
    missing = StringProperty("")
    can_print_thanks = BooleanProperty(False)
    from_checklist = BooleanProperty(False)
    #: The procedure whose papers were just checked: a queue number for it is offered.
    queue_procedure = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._submission: Submission | None = None
        self._counter = ""
        self._wait: WaitEstimate | None = None
        self._outcome: PrintOutcome | None = None
        self._receipt: Receipt | None = None
        self._checklist_title = ""
        self._error = ""
        super().__init__(**kwargs)

    def show(self, **params: Any) -> None:
        """Store ``request`` and print its slip, or print the ``checklist`` of a procedure."""
        self.do_reset()
        language = self.kiosk.session.language
        request: Request | None = params.get("request")
        checklist: str | None = params.get("checklist")
        case_key: str | None = params.get("case")
        self.from_checklist = checklist is not None
        self.state = SlipState.SAVING
        self._render()
        if checklist is not None:
            code = checklist

            def checklist_slip(desk: ServiceDesk) -> tuple[Receipt, str]:
                procedure = desk.procedure(code)
                title = "" if procedure is None else procedure_title(procedure)
                case = None if procedure is None or case_key is None else procedure.case(case_key)
                if case is not None and procedure is not None and len(procedure.cases) > 1:
                    title += "\n" + case.title
                return desk.checklist(code, language, case_key), title

            self.kiosk.ask_desk(checklist_slip, self._checklist_ready, on_error=self._failed)
            return
        assert request is not None
        citizen = self.kiosk.session.citizen

        def submit(desk: ServiceDesk) -> Stored:
            submission = desk.submit(request, citizen)
            counter = ""
            wait = None
            if submission.kind is SubmissionKind.QUEUE_TICKET:
                service = next(
                    (s for s in desk.services() if s.code == submission.details["service"]), None
                )
                counter = (service.counter or service.name) if service is not None else ""
                wait = desk.ticket_wait(submission)
            return submission, desk.slip_for(submission, language, wait), counter, wait

        self.kiosk.ask_desk(submit, self._stored, on_error=self._failed)

    def _stored(self, stored: Stored) -> None:
        submission, receipt, counter, wait = stored
        self._submission = submission
        self._counter = counter
        self._wait = wait
        if submission.ticket_number is not None:
            self.kiosk.last_ticket = submission.ticket_number
        if submission.kind is SubmissionKind.RATING:
            self.state = SlipState.THANKS
            self.can_print_thanks = self.kiosk.print_worker is not None
            self._receipt = receipt
            self._render()
            return
        self._print(receipt)

    def _checklist_ready(self, ready: tuple[Receipt, str]) -> None:
        receipt, self._checklist_title = ready
        self._print(receipt)

    def _print(self, receipt: Receipt) -> None:
        self._receipt = receipt
        self.state = SlipState.PRINTING
        self._render()
        uuid = None if self._submission is None else self._submission.uuid
        self.kiosk.print_slip(receipt, self._printed, submission_uuid=uuid)

    def _printed(self, outcome: PrintOutcome | None) -> None:
        self._outcome = outcome
        if outcome is None:
            self.state = SlipState.NO_PRINTER
        elif outcome.printed:
            self.state = SlipState.PRINTED
        else:
            self.state = SlipState.NOT_PRINTED
        self._render()
        if self._ticket() is not None:
            # The number matters most: a citizen who listened hears it without asking.
            self.kiosk.tell(self.spoken_view())

    def _ticket(self) -> str | None:
        """The queue number of the ticket stored here (None: no ticket, or not yet)."""
        return None if self._submission is None else self._submission.ticket_number

    def spoken_view(self) -> ScreenView:
        """A ticket: its number, counter and the people ahead; else what the screen says."""
        ticket = self._ticket()
        if ticket is not None and self.state is not SlipState.SAVING:
            ahead = None if self._wait is None else self._wait.people_ahead
            return TicketView(ticket, self._counter, ahead, heading=self.heading)
        prompt = " ".join(text for text in (self.heading, self.next_step) if text)
        return MenuView(_(self.title), prompt, visible_choices(self))

    def _failed(self, error: Exception) -> None:
        self._error = str(error) if isinstance(error, SubmissionError) else ""
        self.kiosk.sound_error()
        self.state = SlipState.FAILED
        self._render()

    def do_print_thanks(self) -> None:
        """Print the thank-you slip of a rating after all."""
        self.can_print_thanks = False
        if self._receipt is not None:
            self._print(self._receipt)

    def _render(self) -> None:
        state: SlipState = self.state
        self.heading = _(HEADINGS[state])
        submission = self._submission
        self.problem = ""
        self.missing = ""
        if state is SlipState.FAILED:
            self.next_step = _(
                "Nothing was saved. Please try again, or ask at the reception counter."
            )
            self.problem = self._error
            return
        if submission is None:
            # The checklist of a procedure (no submission), or still saving.
            self.big_text = self.qr_payload = ""
            self.code_text = self._checklist_title
            self.next_step = (
                _("Take the list home and bring these papers.") if self.from_checklist else ""
            )
        elif submission.kind is SubmissionKind.RATING and state is SlipState.THANKS:
            # A rating needs no code to keep: just the thanks.
            self.big_text = self.code_text = self.qr_payload = ""
            self.next_step = _(KINDS[submission.kind].next_step)
        else:
            code = receipt_code.display(submission.receipt_code)
            self.big_text = submission.ticket_number or code
            self.code_text = (
                _("Receipt code: {code}").format(code=code) if submission.ticket_number else ""
            )
            self.qr_payload = receipt_code.qr_payload(submission.receipt_code)
            self.next_step = _(KINDS[submission.kind].next_step).format(
                number=submission.ticket_number or "", counter=self._counter
            )
            notes = [ticket_wait_text(self._wait)] if self._wait is not None else []
            notes.append(priority_note(submission.ticket_number or ""))
            self.wait_text = "\n".join(note for note in notes if note)
            if submission.kind is SubmissionKind.APPLICATION_INTAKE:
                self.queue_procedure = submission.procedure_code or ""
            missing = submission.details.get("documents_missing") or []
            if missing:
                self.missing = (
                    _("Papers still missing:") + "\n" + "\n".join(f"• {name}" for name in missing)
                )
        if state in CODE_ON_SCREEN_STATES:
            self.problem = _(
                "Please photograph or write down this code, then show it at the reception counter."
            )
            if self._outcome is not None:
                self.problem = (
                    self._outcome.status.state.message(self.kiosk.session.language)
                    + ". "
                    + self.problem
                )

    def do_reset(self) -> None:
        """Forget the last slip (its code and number)."""
        self._submission = None
        self._outcome = None
        self._receipt = None
        self._checklist_title = ""
        self._counter = ""
        self._wait = None
        self._error = ""
        self.state = SlipState.SAVING
        self.heading = self.big_text = self.code_text = self.qr_payload = ""
        self.next_step = self.wait_text = self.problem = self.missing = ""
        self.can_print_thanks = False
        self.from_checklist = False
        self.queue_procedure = ""

    def do_take_number(self) -> None:
        """A queue number for the procedure whose papers were checked."""
        self.kiosk.do_go("queue", procedure=self.queue_procedure)
