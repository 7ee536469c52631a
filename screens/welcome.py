"""The welcome screen: the seven choices, the ID-card prompt, the hotline."""

from __future__ import annotations

from screens.base import N_, KioskScreen


class WelcomeScreen(KioskScreen):
    """What a citizen sees first (and the menu to come back to)."""

    title = N_("Welcome")
