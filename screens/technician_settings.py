"""The technician's settings: the keys set on site, each with its value and meaning.

The list is :data:`kiosk.technician.EDITABLE_KEYS`, shown through :data:`kiosk.config.
SETTINGS` (a secret masked); a setting written in this run shows its new value and that
it applies after a restart. Touching one opens the editor.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.technician import editable_settings
from screens.base import N_, KioskScreen
from screens.i18n import _
from screens.widgets import Row


class TechnicianSettingsScreen(KioskScreen):
    """Every editable setting (see the module docstring)."""

    title = N_("Settings")
    intro_text = StringProperty("")

    def on_kv_post(self, base_widget: object) -> None:
        """Touching a row edits that setting."""
        self.ids.results.when_chosen = self.do_edit
        super().on_kv_post(base_widget)

    def on_pre_enter(self, *_args: object) -> None:
        """Shown, or back from the editor: the values as they are now."""
        self._render()

    def show(self, **params: Any) -> None:
        """The list from the top."""
        del params
        self.ids.results.scroll_y = 1

    def _render(self) -> None:
        app = self.kiosk
        self.intro_text = _(
            "Touch a setting to change it. Values are checked, written to {path}, and "
            "apply after the app restarts."
        ).format(path=app.kiosk_config.technician_path)
        rows = []
        for view in editable_settings(app.kiosk_config, app.pending_settings):
            value = view.shown if view.shown else _("(empty)")
            if view.pending:
                value = _("{value} (after a restart)").format(value=value)
            rows.append(Row(key=view.key, title=f"{view.key} = {value}", detail=view.meaning))
        scroll = self.ids.results.scroll_y
        self.ids.results.show_rows(rows)
        self.ids.results.scroll_y = scroll

    def do_edit(self, key: str) -> None:
        """Open the editor for ``key``."""
        self.kiosk.do_go("technician_setting", key=key)

    def do_reset(self) -> None:
        """Nothing typed here; the list is rebuilt when shown."""
        self.ids.results.clear()
