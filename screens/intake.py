"""Checking papers before the counter (the "intake"): tick the papers the citizen has; the
missing ones go on the slip. Nothing is lodged here: the counter receives the application.

The papers are those of the case the citizen chose on the procedure's screen (its papers to
hand in, then to show); without a case, every paper of the procedure, each once.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.catalog import Document, Procedure
from kiosk.desk import ServiceDesk
from kiosk.kinds import IntakeRequest
from screens.base import N_, KioskScreen
from screens.i18n import ngettext
from screens.procedures import procedure_title
from screens.widgets import CheckRow


class IntakeScreen(KioskScreen):
    """Check the papers for one procedure before going to the counter."""

    title = N_("Check your papers")
    procedure = ObjectProperty(None, allownone=True)
    heading = StringProperty("")
    #: The case whose papers are listed ("" for every paper of the procedure).
    case_key = StringProperty("")
    case_title = StringProperty("")

    def show(self, **params: Any) -> None:
        """Load procedure ``code`` and list the papers of its case ``case``, none ticked."""
        code: str = params["code"]
        case: str | None = params.get("case")
        self.do_reset()
        self.case_key = case or ""

        def load(desk: ServiceDesk) -> Procedure | None:
            return desk.procedure(code)

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, procedure: Procedure | None) -> None:
        self.procedure = procedure
        box = self.ids.document_box
        box.clear_widgets()
        if procedure is not None:
            for index, document in enumerate(self.papers()):
                counts = []
                if document.originals:
                    counts.append(
                        ngettext(
                            "{count} original", "{count} originals", document.originals
                        ).format(count=document.originals)
                    )
                if document.copies:
                    counts.append(
                        ngettext("{count} copy", "{count} copies", document.copies).format(
                            count=document.copies
                        )
                    )
                if document.form:
                    counts.append(document.form)
                detail = ", ".join(counts) + (f" · {document.note}" if document.note else "")
                box.add_widget(CheckRow(text=document.name, detail=detail, index=index))
        self._render()

    def papers(self) -> tuple[Document, ...]:
        """The papers listed: the chosen case's, else every paper of the procedure."""
        procedure: Procedure | None = self.procedure
        if procedure is None:
            return ()
        case = procedure.case(self.case_key or None)
        return procedure.documents if case is None else case.papers

    def _render(self) -> None:
        procedure: Procedure | None = self.procedure
        self.heading = "" if procedure is None else procedure_title(procedure)
        case = None if procedure is None or not self.case_key else procedure.case(self.case_key)
        several = procedure is not None and len(procedure.cases) > 1
        self.case_title = case.title if case is not None and several else ""

    def ticked(self) -> tuple[int, ...]:
        """Indices of the papers ticked, in catalog order."""
        rows = [row for row in self.ids.document_box.children if isinstance(row, CheckRow)]
        return tuple(sorted(int(row.index) for row in rows if row.checked))

    def do_submit(self) -> None:
        """Hand in: the done screen stores it and prints the receipt."""
        if self.procedure is None or self.kiosk.session.citizen is None:
            return  # an application needs its applicant: the button asks for the ID card
        request = IntakeRequest(self.procedure.code, self.ticked(), self.case_key or None)
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Untick everything and forget the procedure."""
        self.procedure = None
        self.heading = self.case_title = self.case_key = ""
        self.ids.document_box.clear_widgets()
