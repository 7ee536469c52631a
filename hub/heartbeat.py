"""The hub's heartbeat to the city: the same message a kiosk sends, with what a hub adds.

The city's fleet page judges a hub by the rules it uses for kiosks
(:mod:`office.store.fleet_health`): silent for 15 minutes is offline, a growing backlog
is an alert. So the hub posts the kiosks' :class:`sync.wire.Heartbeat` to
``POST /v1/hub/heartbeat`` (with its hub token) every :data:`HEARTBEAT_SECONDS`: its
software version and clock, its forward backlog (queue events the city has not
acknowledged) as ``outbox_pending``, and in ``hub`` the consoles and display pages connected
and the kiosks heard from in the last 15 minutes. A lost beat is simply followed by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import requests
from pydantic import ValidationError

from hub.queue import HubQueue
from kiosk import __version__, clock
from sync import wire

log = logging.getLogger(__name__)
#: Seconds between beats (a kiosk's default is a few minutes; offline is 15).
HEARTBEAT_SECONDS = 120.0
#: A kiosk heard from within this long counts as seen.
KIOSK_SEEN_WITHIN = dt.timedelta(minutes=15)


class KioskSightings:
    """When each kiosk last called the hub (its ticket API), kept in memory.

    Thread-safe: the web server's threads record, the forwarder's thread counts.
    """

    def __init__(self, now: Callable[[], dt.datetime] = clock.now) -> None:
        self.now = now
        self._lock = threading.Lock()
        self._last: dict[str, dt.datetime] = {}

    def saw(self, kiosk_id: str) -> None:
        """``kiosk_id`` called just now."""
        moment = self.now()
        with self._lock:
            self._last[kiosk_id] = moment

    def recent(self, within: dt.timedelta = KIOSK_SEEN_WITHIN) -> int:
        """How many kiosks called within ``within`` of now."""
        since = self.now() - within
        with self._lock:
            return sum(1 for moment in self._last.values() if moment >= since)


class Presence(Protocol):
    """Who is connected to the hub now (hub.web.HubWeb is one)."""

    def presence(self) -> wire.HubPresence:
        """The consoles, displays and recent kiosks."""
        ...


def hub_heartbeat(queue: HubQueue, presence: Presence) -> wire.Heartbeat:
    """The hub's health as it would be sent now."""
    return wire.Heartbeat(
        software_version=__version__, outbox_pending=queue.unforwarded_count(),
        outbox_failed=0,
        device_time=queue.now().astimezone(clock.HANOI).isoformat(timespec="seconds"),
        hub=presence.presence())


class HeartbeatError(Exception):
    """The city did not take the heartbeat (the next one is sent in time)."""


class HeartbeatLink:
    """Posts heartbeats to the city backend."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0,
                 session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + wire.Endpoint.HUB_HEARTBEAT.value
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"motcua-hub/{__version__}"})

    def send(self, beat: wire.Heartbeat) -> wire.HeartbeatAck:
        """The city's acknowledgement (HeartbeatError when there is none)."""
        try:
            response = self.session.post(self.url, data=beat.model_dump_json(),
                                         headers={"Content-Type": "application/json"},
                                         timeout=self.timeout)
            _ = response.content
        except requests.RequestException as error:
            raise HeartbeatError(type(error).__name__) from None
        if response.status_code != 200:
            raise HeartbeatError(f"{response.status_code} {response.text[:200]}")
        try:
            return wire.HeartbeatAck.model_validate_json(response.content)
        except ValidationError:
            raise HeartbeatError("unreadable answer") from None

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


class HeartbeatSender:
    """Sends a heartbeat when the last one is :data:`HEARTBEAT_SECONDS` old (or none yet)."""

    def __init__(self, queue: HubQueue, presence: Presence, city: HeartbeatLink, *,
                 interval: float = HEARTBEAT_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.queue = queue
        self.presence = presence
        self.city = city
        self.interval = interval
        self.monotonic = monotonic
        self._sent_at: float | None = None

    def run_once(self) -> bool:
        """Beat if due; whether the city took a beat."""
        if self._sent_at is not None and self.monotonic() - self._sent_at < self.interval:
            return False
        try:
            self.city.send(hub_heartbeat(self.queue, self.presence))
        except HeartbeatError as error:
            log.warning("the heartbeat to the city failed (%s)", error)
            return False
        self._sent_at = self.monotonic()
        return True
