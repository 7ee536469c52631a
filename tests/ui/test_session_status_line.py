"""The UI tells systemd whether a citizen is here (the updater waits for nobody)."""

from __future__ import annotations

import socket
from pathlib import Path

from kiosk.sd_notify import Notifier
from kiosk.session import Session
from screens.idle_prompt import IdleWatch


def test_the_idle_watch_sends_the_session_state_to_systemd_when_it_changes(
        tmp_path: Path) -> None:
    # GIVEN systemd's notify socket and the UI's idle watch on a fresh session
    address = str(tmp_path / "notify")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(0)
    now = [100.0]
    session = Session(idle_seconds=60, warning_seconds=10, clock=lambda: now[0])
    watch = IdleWatch(session, Notifier({"NOTIFY_SOCKET": address}))

    def sent() -> list[str]:
        lines = []
        while True:
            try:
                lines.append(listener.recv(4096).decode())
            except BlockingIOError:
                return lines

    try:
        # WHEN the watch polls: nobody, then a touch, then nothing new, then the wipe
        watch.check()
        first = sent()
        watch.on_touch()
        watch.check()
        touched = sent()
        watch.check()
        unchanged = sent()
        session.start_over()
        watch.check()
        wiped = sent()
    finally:
        listener.close()
    # THEN systemd hears each change once
    assert (first, touched, unchanged, wiped) == (
        ["STATUS=session: welcome"], ["STATUS=session: browsing"], [],
        ["STATUS=session: welcome"])
