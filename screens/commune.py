"""One commune or ward: its service point's details (when published) and a map QR code."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.desk import ServiceDesk
from kiosk.directory import Commune, UnitType, area_text
from kiosk.language import check_language
from screens.base import N_, KioskScreen
from screens.i18n import _, translator

UNIT_TYPES: dict[UnitType, str] = {UnitType.PHUONG: N_("Ward"), UnitType.XA: N_("Commune")}
DETAILS: tuple[tuple[str, str], ...] = (
    ("address", N_("Address")),
    ("hotline", N_("Hotline")),
    ("opening_hours", N_("Opening hours")),
    ("head", N_("Head of the service point")),
    ("phone", N_("Phone")),
)


class CommuneScreen(KioskScreen):
    """Details of one unit of the directory."""

    title = N_("Commune directory")
    commune = ObjectProperty(None, allownone=True)
    facts = StringProperty("")
    details = StringProperty("")
    map_url = StringProperty("")

    def show(self, **params: Any) -> None:
        """Load unit ``code``."""
        code: int = params["code"]
        self.commune = None
        self._render()

        def load(desk: ServiceDesk) -> Commune | None:
            return desk.commune(code)

        self.kiosk.ask_desk(load, self._loaded)

    def _loaded(self, commune: Commune | None) -> None:
        self.commune = commune
        self._render()

    def _render(self) -> None:
        commune: Commune | None = self.commune
        if commune is None:
            self.facts = self.details = self.map_url = ""
            return
        facts = [_("{type} of Hanoi").format(type=_(UNIT_TYPES[commune.type]))]
        if commune.area_km2 is not None:
            area = area_text(commune.area_km2, check_language(translator.language))
            facts.append(_("Area: {area} km²").format(area=area))
        self.facts = "\n".join(facts)
        unpublished = _("not yet published")
        lines = [f"{_(label)}: {getattr(commune, key) or unpublished}" for key, label in DETAILS]
        self.details = "\n".join(lines)
        self.map_url = commune.map_url

    def do_reset(self) -> None:
        """Nothing personal; forget the unit anyway."""
        self.commune = None
        self._render()
