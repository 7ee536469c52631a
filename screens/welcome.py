"""The welcome screen: the seven choices, the ID-card prompt, the hotline."""

from __future__ import annotations

from kiosk.spoken_screens import MenuView
from screens.base import N_, KioskScreen
from screens.i18n import _
from screens.listening import visible_choices


class WelcomeScreen(KioskScreen):
    """What a citizen sees first (and the menu to come back to)."""

    title = N_("Welcome")

    def spoken_view(self) -> MenuView:
        """The greeting, the question and the choices, for the Listen button."""
        return MenuView(_("Welcome"), _("What would you like to do? Touch one of the choices."),
                        visible_choices(self))
