"""Procedures: browse by field, or search with the on-screen keyboard (accents optional)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kivy.properties import StringProperty

from kiosk.catalog import Procedure
from kiosk.desk import FieldSummary, ServiceDesk
from kiosk.pictograms import field_pictogram
from screens.base import N_, SearchScreen
from screens.i18n import ngettext, translator
from screens.widgets import Row


def procedure_title(procedure: Procedure) -> str:
    """The title in the screen's language (the catalog's Vietnamese when it has no English)."""
    if translator.language == "en" and procedure.title_en:
        return procedure.title_en
    return procedure.title


def field_title(field: FieldSummary) -> str:
    """A field's name in the screen's language (Vietnamese when it has no English name)."""
    if translator.language == "en" and field.name_en:
        return field.name_en
    return field.name


def procedure_row(
    procedure: Procedure, english_fields: Mapping[str, str] | None = None, title: str = ""
) -> Row:
    """A procedure as a list row: its title (or ``title``), its field and code; in English
    the field's English name from ``english_fields`` when known."""
    field = procedure.field
    if translator.language == "en" and english_fields:
        field = english_fields.get(field, field)
    return Row(procedure.code, title or procedure_title(procedure), f"{field} · {procedure.code}")


class ProceduresScreen(SearchScreen):
    """Fields to browse; as the citizen types, the best matching procedures."""

    title = N_("Look up a procedure")
    #: The field being browsed ("" for the list of fields).
    field_name = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._fields: list[FieldSummary] = []
        super().__init__(**kwargs)

    def _render(self) -> None:
        """The language changed: show the list again in it."""
        self._refresh()

    def show(self, **params: Any) -> None:
        """Fresh from the menu: the list of fields."""
        del params
        if not self._fields:
            self.kiosk.ask_desk(lambda desk: desk.fields(), self._got_fields)
        else:
            self._refresh()

    def _got_fields(self, fields: list[FieldSummary]) -> None:
        self._fields = fields
        self._refresh()

    def _refresh(self) -> None:
        if self.ids.query.value.strip():
            self.do_search()
        elif self.field_name:
            self._show_field(self.field_name)
        else:
            self._show_fields()

    def _show_fields(self) -> None:
        self.field_name = ""
        self._set_message(N_("Choose a field, or type a few words above."))
        self.ids.results.show_rows(
            [
                Row(
                    f"field:{field.name}",
                    field_title(field),
                    ngettext(
                        "{count} procedure", "{count} procedures", len(field.procedures)
                    ).format(count=len(field.procedures)),
                    field_pictogram(field.name).value,
                )
                for field in self._fields
            ]
        )

    def _show_field(self, name: str) -> None:
        self.field_name = name
        field = next((f for f in self._fields if f.name == name), None)
        procedures = () if field is None else field.procedures
        shown = name if field is None else field_title(field)
        self._set_message(N_("Procedures in {field}"), field=shown)
        self.ids.results.show_rows([procedure_row(p, self._english_fields()) for p in procedures])

    def _english_fields(self) -> dict[str, str]:
        return {field.name: field.name_en for field in self._fields}

    def _set_message(self, message: str, **values: Any) -> None:
        self.message_args = values
        self.message = message

    def do_search(self) -> None:
        """Search for what is in the field (on the desk worker)."""
        query = self.ids.query.value
        if not query.strip():
            self._refresh()
            return
        self.field_name = ""

        def search(desk: ServiceDesk) -> list[Procedure]:
            return desk.search(query)

        self.kiosk.ask_desk(search, self._got_results, key="search")

    def _got_results(self, procedures: list[Procedure]) -> None:
        if not self.ids.query.value.strip():
            return  # cleared while searching
        if procedures:
            self._set_message(N_("Best matches first. Touch one to see what to bring."))
        else:
            self._set_message(N_("Nothing found. Try fewer words, or clear and choose a field."))
        self.ids.results.show_rows([procedure_row(p, self._english_fields()) for p in procedures])

    def do_choose(self, key: str) -> None:
        """A row was touched: open a field, or a procedure."""
        if key.startswith("field:"):
            self._show_field(key.removeprefix("field:"))
        else:
            self.kiosk.do_go("procedure", code=key)

    def do_show_all_fields(self) -> None:
        """Back to the list of fields (clears the search)."""
        self.ids.query.value = ""
        self._show_fields()

    def do_reset(self) -> None:
        """Forget the search and the field browsed."""
        super().do_reset()
        self.field_name = ""
