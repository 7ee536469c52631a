"""Whether a citizen is at the kiosk, as the UI tells systemd and the updater reads it.

The UI sends its session state as its systemd status line (``STATUS=session: welcome``,
shown by ``systemctl status motcua-kiosk-ui``); the root updater reads it back
(``systemctl show --property StatusText``) and stops the UI for an update only when nobody
is using the kiosk, so no citizen loses a half-filled form to an update.
"""

from __future__ import annotations

from kiosk.session import SessionState

PREFIX = "session: "


def status_line(state: SessionState) -> str:
    """The status line the UI sends for ``state``."""
    return f"{PREFIX}{state.value}"


def citizen_present(status_text: str) -> bool:
    """Whether the UI's status line says a citizen is using the kiosk.

    Any other line (the UI starting, crashed, an older release that does not report) means
    nobody can be in the middle of a session there.
    """
    if not status_text.startswith(PREFIX):
        return False
    return status_text.removeprefix(PREFIX).strip() != SessionState.WELCOME.value
