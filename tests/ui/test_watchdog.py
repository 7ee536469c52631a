"""The app tells systemd it is up and pings the watchdog from its main loop; a frozen UI
stops pinging, which is what lets systemd's WatchdogSec restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_APP = """
import sys
from pathlib import Path
from motcua.tour.driver import prepare_headless_environment
prepare_headless_environment(Path(sys.argv[1]) / "kivy")
from kiosk.config import load_config
from motcua.runner import run_app
run_app(load_config(demo=True), windowed=True)
"""


def receive(server: socket.socket, deadline: float) -> bytes | None:
    server.settimeout(max(deadline - time.monotonic(), 0.01))
    try:
        return server.recv(4096)
    except TimeoutError:
        return None


def test_the_app_is_ready_pings_the_watchdog_and_stops_when_frozen(tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        env = {
            **os.environ,
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "NOTIFY_SOCKET": address,
            "WATCHDOG_USEC": "400000",  # pings every 0.2 s
        }
        # GIVEN the app started under a (fake) systemd
        app = subprocess.Popen(
            [sys.executable, "-c", START_APP, str(tmp_path)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            # THEN it says READY once its first frame is drawn
            ready = receive(server, time.monotonic() + 90)
            assert ready is not None and ready.startswith(b"READY=1"), ready
            # AND pings the watchdog from its main loop, and says nobody is at the kiosk
            # (its session state as the status line, read by the updater)
            # (the status comes from the idle check, once a second: after a few pings)
            heard: list[bytes | None] = []
            deadline = time.monotonic() + 30
            while (heard.count(b"WATCHDOG=1") < 3 or b"STATUS=session: welcome" not in heard) \
                    and None not in heard:
                heard.append(receive(server, deadline))
            assert set(heard) == {b"WATCHDOG=1", b"STATUS=session: welcome"}, heard
            # the status is sent on change only: the next idle checks send no more
            later = []
            until = time.monotonic() + 2.5
            while (message := receive(server, until)) is not None:
                later.append(message)
            assert set(later) == {b"WATCHDOG=1"}, later
            # WHEN the UI freezes THEN the pings stop (systemd would restart it)
            app.send_signal(signal.SIGSTOP)
            while receive(server, time.monotonic() + 0.3) is not None:
                pass  # pings already on their way before the freeze
            assert receive(server, time.monotonic() + 1.5) is None
        finally:
            app.kill()
            app.wait(timeout=30)
