"""One procedure: which case is the citizen's, that case's papers (to hand in and to show),
fees, time per channel, where to hand it in, who may apply, conditions, portal QR; actions.

A procedure with several cases (trường hợp) first asks "Which case is yours?" with one big
button per case; only the chosen case's papers are shown, printed and checked at intake.
The citizen can change the case. A one-case procedure skips the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.catalog import Case, Channel, Document, Fee, Procedure, ProcessingTime, Receiver, Service
from kiosk.desk import ServiceDesk
from kiosk.language import check_language
from kiosk.money import format_vnd
from kiosk.spoken_screens import Paper, ProcedureView
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext, translator
from screens.listening import visible_choices
from screens.procedures import procedure_title
from screens.widgets import KioskButton

CHANNEL_NAMES: dict[Channel, str] = {
    Channel.IN_PERSON: N_("in person"),
    Channel.ONLINE: N_("online"),
    Channel.POST: N_("by post"),
}
RECEIVER_NAMES: dict[Receiver, str] = {
    Receiver.COMMUNE_DESK: N_("One-stop desk of the commune People's Committee"),
    Receiver.COMMUNE_POLICE: N_("Commune police"),
}
#: Said once on screens that show procedure texts, in English mode: they stay Vietnamese.
VIETNAMESE_TEXTS_NOTE = N_("Procedure texts are in Vietnamese.")


def fee_lines(fees: tuple[Fee, ...]) -> str:
    """The fees, one line per channel, in the screen's language.

    No fee at all means the portal states none: that is said, never shown as free.
    """
    if not fees:
        return _("Fee not stated by the portal")
    if all(fee.amount_vnd == 0 and not fee.note for fee in fees):
        return _("Free of charge")
    lines = []
    for fee in fees:
        if fee.amount_vnd is None:
            amount = _("depends on the case")
        elif fee.amount_vnd == 0:
            amount = _("free")
        else:
            amount = format_vnd(fee.amount_vnd, check_language(translator.language))
        note = f" ({fee.note})" if fee.note else ""
        lines.append(f"• {_(CHANNEL_NAMES[fee.channel]).capitalize()}: {amount}{note}")
    return "\n".join(lines)


def local_fee_lines(procedure: Procedure) -> str:
    """What follows the fees when Hà Nội's overlay sets them or notes a rule ("" when not)."""
    lines = []
    if procedure.fees_set_by_hanoi:
        lines.append(_("Fee set by Hanoi"))
    if procedure.local is not None and procedure.local.note:
        lines.append(procedure.local.note)
    return "".join(f"\n{line}" for line in lines)


def time_lines(times: tuple[ProcessingTime, ...]) -> str:
    """The processing time: one text when every channel takes the same, else a line per
    channel; said so when the portal states none."""
    if not times:
        return _("Not stated by the portal")
    if len({(time.text, time.note) for time in times}) == 1:
        return times[0].text + (f" ({times[0].note})" if times[0].note else "")
    return "\n".join(
        "• "
        + (f"{_(CHANNEL_NAMES[time.channel]).capitalize()}: " if time.channel else "")
        + time.text
        + (f" ({time.note})" if time.note else "")
        for time in times
    )


def document_line(document: Document) -> str:
    """One paper as a bullet: its name, originals, copies and form, and its note."""
    details = []
    if document.originals:
        details.append(
            ngettext("{count} original", "{count} originals", document.originals).format(
                count=document.originals
            )
        )
    if document.copies:
        details.append(
            ngettext("{count} copy", "{count} copies", document.copies).format(
                count=document.copies
            )
        )
    if document.form:
        details.append(document.form)
    line = f"• {document.name}" + (f" ({', '.join(details)})" if details else "")
    if document.note:
        line += f"\n   {document.note}"
    return line


def _paper(document: Document) -> Paper:
    return Paper(document.name, document.originals, document.copies)


def document_lines(documents: tuple[Document, ...]) -> str:
    """Papers, one bullet each ("" for none)."""
    return "\n".join(document_line(document) for document in documents)


def where_text(procedure: Procedure, service: Service | None) -> str:
    """Who takes the application (and at which counter of this service point: Hà Nội's
    overlay's, else the queue service's), and which agency decides it."""
    if procedure.receiver is Receiver.OTHER:
        return procedure.agency
    where = _(RECEIVER_NAMES[procedure.receiver])
    counter = procedure.counter or (None if service is None else service.counter)
    if counter and service is None:
        where += "\n" + _("Counter: {counter}").format(counter=counter)
    elif counter and service is not None:
        name = service.name_en if translator.language == "en" and service.name_en else service.name
        where += "\n" + _("Counter: {counter} ({service})").format(counter=counter, service=name)
    return where + "\n" + _("Handled by: {agency}").format(agency=procedure.agency)


@dataclass(frozen=True)
class Loaded:
    """What the detail screen asks the desk for: the procedure, its queue service and its
    field's English name."""

    procedure: Procedure | None
    service: Service | None = None
    field_en: str = ""


class CaseButton(KioskButton):
    """One big button per case of the procedure ("Which case is yours?")."""

    key = StringProperty("")


class ProcedureDetailScreen(KioskScreen):
    """What a citizen needs to know about one procedure in their case, and what to do next."""

    title = N_("Procedure")
    procedure = ObjectProperty(None, allownone=True)
    service = ObjectProperty(None, allownone=True)
    #: The case chosen ("" while none is: a procedure with several cases asks first).
    case_key = StringProperty("")
    #: The procedure has several cases (the chosen one is named, and can be changed).
    several_cases = BooleanProperty(False)
    #: Asking "Which case is yours?": the papers wait for the answer.
    choosing = BooleanProperty(False)
    heading = StringProperty("")
    facts = StringProperty("")
    language_note = StringProperty("")
    summary = StringProperty("")
    case_title = StringProperty("")
    case_note = StringProperty("")
    submit_papers = StringProperty("")
    show_papers = StringProperty("")
    fees = StringProperty("")
    processing_time = StringProperty("")
    where = StringProperty("")
    who_may_apply = StringProperty("")
    conditions = StringProperty("")
    channels = StringProperty("")
    legal_basis = StringProperty("")
    portal_url = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._field_en = ""
        self._wanted_case: str | None = None
        super().__init__(**kwargs)

    def show(self, **params: Any) -> None:
        """Load the procedure ``code`` (its case ``case`` already chosen, if given)."""
        code: str = params["code"]
        case: str | None = params.get("case")

        def load(desk: ServiceDesk) -> Loaded:
            procedure = desk.procedure(code)
            if procedure is None:
                return Loaded(None)
            catalog = desk.catalog()
            field_en = catalog.field_name(procedure.field, "en") if catalog else procedure.field
            return Loaded(procedure, desk.service_for(procedure), field_en)

        self.do_reset()
        self._wanted_case = case
        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, loaded: Loaded) -> None:
        self.procedure, self.service, self._field_en = (
            loaded.procedure, loaded.service, loaded.field_en
        )
        procedure = loaded.procedure
        only = None if procedure is None else procedure.case(None)
        wanted = None if procedure is None else procedure.case(self._wanted_case or "")
        chosen = wanted or only
        self.case_key = "" if chosen is None else chosen.key
        self._build_case_buttons()
        self._render()

    def _build_case_buttons(self) -> None:
        box = self.ids.case_box
        box.clear_widgets()
        procedure: Procedure | None = self.procedure
        if procedure is None or len(procedure.cases) < 2:
            return
        for case in procedure.cases:
            button = CaseButton(text=case.title, key=case.key)
            button.bind(on_release=lambda pressed: self.do_choose_case(pressed.key))
            box.add_widget(button)

    def chosen_case(self) -> Case | None:
        """The case whose papers are shown (None while the citizen has not chosen)."""
        procedure: Procedure | None = self.procedure
        if procedure is None or not self.case_key:
            return None
        return procedure.case(self.case_key)

    def _render(self) -> None:
        procedure: Procedure | None = self.procedure
        self.language_note = _(VIETNAMESE_TEXTS_NOTE) if translator.language == "en" else ""
        if procedure is None:
            for name in ("heading", "facts", "summary", "case_title", "case_note",
                         "submit_papers", "show_papers", "fees", "processing_time", "where",
                         "who_may_apply", "conditions", "channels", "legal_basis",
                         "portal_url"):  # fmt: skip
                setattr(self, name, "")
            self.several_cases = self.choosing = False
            return
        english = translator.language == "en"
        self.heading = procedure_title(procedure)
        self.facts = _("Code {code} · Field: {field}").format(
            code=procedure.code, field=self._field_en if english else procedure.field
        )
        if english and procedure.title_en:
            self.facts += f"\n{procedure.title}"
        self.summary = procedure.summary or ""
        case = self.chosen_case()
        self.several_cases = len(procedure.cases) > 1
        self.choosing = case is None
        self.case_title = case.title if case is not None and self.several_cases else ""
        self.case_note = (case.note or "") if case is not None else ""
        if case is not None and not case.papers:
            self.submit_papers = _("No papers are needed.")
        else:
            self.submit_papers = "" if case is None else document_lines(case.submit)
        self.show_papers = "" if case is None else document_lines(case.show)
        self.fees = fee_lines(procedure.fees) + local_fee_lines(procedure)
        self.processing_time = time_lines(procedure.times)
        self.where = where_text(procedure, self.service)
        self.who_may_apply = procedure.who_may_apply or ""
        self.conditions = "\n".join(f"• {condition}" for condition in procedure.conditions)
        self.channels = ", ".join(_(CHANNEL_NAMES[c]) for c in procedure.channels).capitalize()
        self.legal_basis = "\n".join(f"• {law}" for law in procedure.legal_basis)
        self.portal_url = procedure.portal_url
        for button in self.ids.case_box.children:
            button.role = "selected" if button.key == self.case_key else "secondary"

    def spoken_view(self) -> ProcedureView:
        """The procedure, the case chosen (or the cases to choose from) and its papers."""
        procedure: Procedure | None = self.procedure
        if procedure is None:
            return ProcedureView(_(self.title))
        case = self.chosen_case()
        # The catalog's texts are read in Vietnamese by the Vietnamese voice, also on an
        # English screen: its cases and papers have no English (VIETNAMESE_TEXTS_NOTE).
        actions = visible_choices(self.ids.actions)
        if case is None:
            return ProcedureView(procedure.title, cases=tuple(c.title for c in procedure.cases),
                                 actions=actions)
        return ProcedureView(
            procedure.title,
            actions=actions,
            case=case.title if self.several_cases else "",
            submit=tuple(_paper(document) for document in case.submit),
            show=tuple(_paper(document) for document in case.show),
            no_papers=not case.papers,
        )

    def do_choose_case(self, key: str) -> None:
        """The citizen said which case is theirs: show its papers."""
        if self.procedure is not None and self.procedure.case(key) is not None:
            self.case_key = key
            self._render()
            self.ids.detail_scroll.scroll_y = 1

    def do_change_case(self) -> None:
        """Ask "Which case is yours?" again."""
        self.case_key = ""
        self._render()
        self.ids.detail_scroll.scroll_y = 1

    def do_print_checklist(self) -> None:
        """Print what to bring in the chosen case (the checklist slip)."""
        if self.procedure is not None and not self.choosing:
            self.kiosk.do_go("done", checklist=self.procedure.code, case=self.case_key or None)

    def do_take_number(self) -> None:
        """Take a queue number for this procedure."""
        if self.procedure is not None:
            self.kiosk.do_go("queue", procedure=self.procedure.code)

    def do_start_intake(self) -> None:
        """Hand in an application for this procedure, in the chosen case."""
        if self.procedure is not None and not self.choosing:
            self.kiosk.do_go("intake", code=self.procedure.code, case=self.case_key or None)

    def do_reset(self) -> None:
        """Nothing personal is shown; forget the procedure and the case anyway."""
        self.procedure = None
        self.service = None
        self.case_key = ""
        self._wanted_case = None
        self._field_en = ""
        self.ids.case_box.clear_widgets()
        self._render()
