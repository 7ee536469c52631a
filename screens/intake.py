"""Application intake: tick the papers the citizen has; the missing ones go on the receipt."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.catalog import Procedure
from kiosk.desk import ServiceDesk
from kiosk.kinds import IntakeRequest
from screens.base import N_, KioskScreen
from screens.i18n import ngettext
from screens.procedures import procedure_title
from screens.widgets import CheckRow


class IntakeScreen(KioskScreen):
    """Hand in an application for one procedure."""

    title = N_("Hand in an application")
    procedure = ObjectProperty(None, allownone=True)
    heading = StringProperty("")

    def show(self, **params: Any) -> None:
        """Load procedure ``code`` and list its papers, none ticked."""
        code: str = params["code"]
        self.do_reset()

        def load(desk: ServiceDesk) -> Procedure | None:
            return desk.procedure(code)

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, procedure: Procedure | None) -> None:
        self.procedure = procedure
        box = self.ids.document_box
        box.clear_widgets()
        if procedure is not None:
            for index, document in enumerate(procedure.documents):
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
                detail = ", ".join(counts) + (f" · {document.note}" if document.note else "")
                box.add_widget(CheckRow(text=document.name, detail=detail, index=index))
        self._render()

    def _render(self) -> None:
        self.heading = "" if self.procedure is None else procedure_title(self.procedure)

    def ticked(self) -> tuple[int, ...]:
        """Indices of the papers ticked, in catalog order."""
        rows = [row for row in self.ids.document_box.children if isinstance(row, CheckRow)]
        return tuple(sorted(int(row.index) for row in rows if row.checked))

    def do_submit(self) -> None:
        """Hand in: the done screen stores it and prints the receipt."""
        if self.procedure is None or self.kiosk.session.citizen is None:
            return  # an application needs its applicant: the button asks for the ID card
        request = IntakeRequest(self.procedure.code, self.ticked())
        self.kiosk.do_go("done", request=request)

    def do_reset(self) -> None:
        """Untick everything and forget the procedure."""
        self.procedure = None
        self.heading = ""
        self.ids.document_box.clear_widgets()
