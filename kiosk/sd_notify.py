"""The systemd notify protocol: READY, WATCHDOG pings and STATUS lines.

Plain datagrams to the socket named by ``$NOTIFY_SOCKET`` (a path, or an abstract socket
written with a leading ``@``), as sd_notify(3) describes; no library needed. Outside
systemd (no ``$NOTIFY_SOCKET``) every call does nothing, so the same code runs from a
terminal. A failed send is reported to the caller, never raised: a kiosk must not stop
serving citizens because its supervisor went away.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state changes to systemd for one process."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        name = env.get("NOTIFY_SOCKET", "")
        # "@name" is Linux's abstract namespace: the address starts with a NUL byte.
        self._address = "\0" + name[1:] if name.startswith("@") else name
        usec = env.get("WATCHDOG_USEC", "")
        self.watchdog_seconds: float | None = int(usec) / 1_000_000 if usec.isdigit() else None

    @property
    def enabled(self) -> bool:
        """Whether a supervisor listens."""
        return bool(self._address)

    def notify(self, **fields: str) -> bool:
        """Send ``KEY=value`` lines (e.g. READY="1"); True if sent or nobody listens."""
        if not self._address:
            return True
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self._address)
                sock.sendall(message.encode("utf-8"))
        except OSError:
            return False
        return True

    def ready(self, status: str = "") -> bool:
        """The service has started and serves."""
        return self.notify(ready="1", status=status) if status else self.notify(ready="1")

    def watchdog(self) -> bool:
        """Still alive: reset systemd's watchdog timer."""
        return self.notify(watchdog="1")

    def status(self, text: str) -> bool:
        """A one-line status shown by ``systemctl status``."""
        return self.notify(status=text)

    def stopping(self) -> bool:
        """The service is shutting down on purpose."""
        return self.notify(stopping="1")

    def ping_interval(self) -> float | None:
        """How often to call :meth:`watchdog`: half the watchdog period, as systemd advises."""
        return None if self.watchdog_seconds is None else self.watchdog_seconds / 2


def restart_if_supervised(stop: Callable[[], object], notifier: Notifier | None = None) -> bool:
    """Call ``stop`` so that systemd starts the app again; False when nothing would.

    Under systemd (``Restart=always``) a clean exit is followed by a new start within
    seconds. Run by hand (demo, a window) nothing would start it again, so it is not
    stopped: the technician is told to restart it.
    """
    notifier = Notifier() if notifier is None else notifier
    if not notifier.enabled:
        log.info("restart asked, but no supervisor would start the app again: kept running")
        return False
    log.warning("restarting the kiosk app at a technician's request")
    notifier.status("restarting at a technician's request")
    stop()
    return True
