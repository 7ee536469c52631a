"""The commune directory: Hanoi's 126 communes and wards, searchable without accents."""

from __future__ import annotations

from typing import Any

from kiosk.desk import ServiceDesk
from kiosk.directory import Commune
from screens.base import N_, SearchScreen
from screens.widgets import Row


def commune_row(commune: Commune) -> Row:
    """A unit as a list row: its name, and its address when published (its code, an
    administrative number citizens never use, is not shown)."""
    return Row(str(commune.code), commune.name, commune.address or "")


class DirectoryScreen(SearchScreen):
    """Every unit, or those matching what is typed."""

    title = N_("Commune directory")

    def _render(self) -> None:
        """The language changed: list again (the details are in it)."""
        self.do_search()

    def show(self, **params: Any) -> None:
        """Every unit, phường first."""
        del params
        self.do_search()

    def do_search(self) -> None:
        """List the units matching the field (all of them when it is empty)."""
        query = self.ids.query.value

        def search(desk: ServiceDesk) -> list[Commune]:
            return desk.search_communes(query)

        self.kiosk.ask_desk(search, self._got, key="directory")

    def _got(self, communes: list[Commune]) -> None:
        # The values first: the message is formatted with them as soon as it changes.
        self.message_args = {"count": len(communes)}
        if not self.ids.query.value.strip():
            self.message = N_("All {count} communes and wards. Type a name to find one.")
        elif communes:
            self.message = N_("Best matches first.")
        else:
            self.message = N_("No commune or ward has that name. Try fewer letters.")
        self.ids.results.show_rows([commune_row(commune) for commune in communes])

    def do_choose(self, key: str) -> None:
        """Open a unit's details."""
        self.kiosk.do_go("commune", code=int(key))
