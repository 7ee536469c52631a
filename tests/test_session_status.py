"""The UI's session state as a systemd status line, and the updater's reading of it."""

from __future__ import annotations

import pytest

from kiosk.session import SessionState
from kiosk.session_status import citizen_present, status_line


@pytest.mark.parametrize(("state", "present"), [
    (SessionState.WELCOME, False), (SessionState.BROWSING, True),
    (SessionState.IDENTIFIED, True), (SessionState.IDLE_WARNING, True),
])
def test_only_the_welcome_state_lets_an_update_stop_the_ui(state: SessionState,
                                                            present: bool) -> None:
    assert citizen_present(status_line(state)) is present


def test_the_line_reads_plainly_in_systemctl_status() -> None:
    assert status_line(SessionState.IDENTIFIED) == "session: identified"


@pytest.mark.parametrize("other", ["", "first frame drawn", "syncing", "session:"])
def test_a_ui_that_says_nothing_about_a_session_has_nobody_to_interrupt(other: str) -> None:
    assert citizen_present(other) is False
