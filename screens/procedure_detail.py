"""One procedure: papers to bring, fees, time, where, legal basis, portal QR; and actions."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.catalog import Channel, Fee, Procedure, Service
from kiosk.desk import ServiceDesk
from kiosk.language import check_language
from kiosk.money import format_vnd
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext, translator
from screens.procedures import procedure_title

CHANNEL_NAMES: dict[Channel, str] = {
    Channel.IN_PERSON: N_("in person"),
    Channel.ONLINE: N_("online"),
    Channel.POST: N_("by post"),
}


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


def document_lines(procedure: Procedure) -> str:
    """The papers to bring, one bullet each, with originals, copies and notes."""
    if not procedure.documents:
        return _("No papers are needed.")
    lines = []
    for document in procedure.documents:
        counts = []
        if document.originals:
            counts.append(
                ngettext("{count} original", "{count} originals", document.originals).format(
                    count=document.originals
                )
            )
        if document.copies:
            counts.append(
                ngettext("{count} copy", "{count} copies", document.copies).format(
                    count=document.copies
                )
            )
        line = f"• {document.name}" + (f" ({', '.join(counts)})" if counts else "")
        if document.note:
            line += f"\n   {document.note}"
        lines.append(line)
    return "\n".join(lines)


def where_text(procedure: Procedure, service: Service | None) -> str:
    """Who handles the procedure and which counter takes it."""
    where = procedure.agency
    if service is not None and service.counter:
        name = service.name_en if translator.language == "en" and service.name_en else service.name
        where += "\n" + _("Counter: {counter} ({service})").format(
            counter=service.counter, service=name
        )
    return where


class ProcedureDetailScreen(KioskScreen):
    """What a citizen needs to know about one procedure, and what to do next."""

    title = N_("Procedure")
    procedure = ObjectProperty(None, allownone=True)
    service = ObjectProperty(None, allownone=True)
    heading = StringProperty("")
    facts = StringProperty("")
    documents = StringProperty("")
    fees = StringProperty("")
    processing_time = StringProperty("")
    where = StringProperty("")
    channels = StringProperty("")
    legal_basis = StringProperty("")
    portal_url = StringProperty("")

    def show(self, **params: Any) -> None:
        """Load the procedure ``code``."""
        code: str = params["code"]

        def load(desk: ServiceDesk) -> tuple[Procedure | None, Service | None]:
            procedure = desk.procedure(code)
            return procedure, None if procedure is None else desk.service_for(procedure)

        self.procedure = None
        self._render()
        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, found: tuple[Procedure | None, Service | None]) -> None:
        self.procedure, self.service = found
        self._render()

    def _render(self) -> None:
        procedure: Procedure | None = self.procedure
        if procedure is None:
            for name in (
                "heading",
                "facts",
                "documents",
                "fees",
                "processing_time",
                "where",
                "channels",
                "legal_basis",
                "portal_url",
            ):
                setattr(self, name, "")
            return
        self.heading = procedure_title(procedure)
        self.facts = _("Code {code} · Field: {field}").format(
            code=procedure.code, field=procedure.field
        )
        if translator.language == "en" and procedure.title_en:
            self.facts += f"\n{procedure.title}"
        self.documents = document_lines(procedure)
        self.fees = fee_lines(procedure.fees)
        self.processing_time = procedure.processing_time
        self.where = where_text(procedure, self.service)
        self.channels = ", ".join(_(CHANNEL_NAMES[c]) for c in procedure.channels).capitalize()
        self.legal_basis = "\n".join(f"• {law}" for law in procedure.legal_basis)
        self.portal_url = procedure.portal_url

    def do_print_checklist(self) -> None:
        """Print what to bring (the checklist slip)."""
        if self.procedure is not None:
            self.kiosk.do_go("done", checklist=self.procedure.code)

    def do_take_number(self) -> None:
        """Take a queue number for this procedure."""
        if self.procedure is not None:
            self.kiosk.do_go("queue", procedure=self.procedure.code)

    def do_start_intake(self) -> None:
        """Hand in an application for this procedure."""
        if self.procedure is not None:
            self.kiosk.do_go("intake", code=self.procedure.code)

    def do_reset(self) -> None:
        """Nothing personal is shown; forget the procedure anyway."""
        self.procedure = None
        self.service = None
        self._render()
