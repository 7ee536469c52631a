"""The recent log lines, newest first: what the kiosk said while the technician was away.

The app keeps the last lines in memory (:class:`kiosk.logs.RecentLogs`, long numbers
masked as in the journal); the whole log is in the journal (``journalctl -u
motcua-kiosk-ui``).
"""

from __future__ import annotations

from kivy.properties import StringProperty

from screens.base import N_, KioskScreen
from screens.i18n import ngettext


class TechnicianLogsScreen(KioskScreen):
    """The last log lines (see the module docstring)."""

    title = N_("Recent log lines")
    count_text = StringProperty("")

    def on_kv_post(self, base_widget: object) -> None:
        """Follow the language."""
        super().on_kv_post(base_widget)
        self._count = 0

    def on_pre_enter(self, *_args: object) -> None:
        """Shown: the lines as they are now."""
        self.do_refresh()

    def do_refresh(self) -> None:
        """Read the kept lines again (in memory: no I/O)."""
        lines = self.kiosk.recent_logs.lines()
        self._count = len(lines)
        self.ids.lines.show_lines(lines)
        self._render()

    def _render(self) -> None:
        self.count_text = ngettext(
            "The last {count} line, newest first. The whole log: journalctl -u "
            "motcua-kiosk-ui",
            "The last {count} lines, newest first. The whole log: journalctl -u "
            "motcua-kiosk-ui",
            self._count,
        ).format(count=self._count)

    def do_reset(self) -> None:
        """Forget the lines shown."""
        self.ids.lines.clear()
        self._count = 0
        self._render()
