"""The hub's heartbeat: version, clock, forward backlog and who is connected reach the
city, which judges the hub as it judges kiosks (offline, backlog growing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app as create_hub_app
from hub.heartbeat import (
    HeartbeatError,
    HeartbeatLink,
    HeartbeatSender,
    KioskSightings,
    hub_heartbeat,
)
from hub.queue import HubQueue
from kiosk import __version__
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Role, Store
from office.store.fleet_health import Alert, DeviceKind
from sync import hub_wire, wire
from tests.conftest import Result
from tests.hub.conftest import MovingClock, hub_token, issue
from tests.servers import ServerThread
from tests.sync.conftest import Backend


class Connected:
    """Who is connected, as a test says."""

    def __init__(self, consoles: int = 2, displays: int = 1, kiosks: int = 3) -> None:
        self.value = wire.HubPresence(consoles=consoles, displays=displays, kiosks_seen=kiosks)

    def presence(self) -> wire.HubPresence:
        return self.value


class RecordingLink:
    """A city that records beats, and fails while told to."""

    def __init__(self) -> None:
        self.sent: list[wire.Heartbeat] = []
        self.failing = False

    def send(self, beat: wire.Heartbeat) -> wire.HeartbeatAck:
        if self.failing:
            raise HeartbeatError("ConnectionError")
        self.sent.append(beat)
        return wire.HeartbeatAck(server_time="2026-12-07T01:00:00+00:00")


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_beat_says_version_clock_backlog_and_who_is_connected(queue: HubQueue) -> None:
    issue(queue, "A1-001")
    issue(queue, "A1-002")
    beat = hub_heartbeat(queue, Connected(consoles=2, displays=1, kiosks=3))
    assert beat.software_version == __version__
    assert (beat.outbox_pending, beat.outbox_failed) == (2, 0)  # two "issue" events
    assert beat.device_time == "2026-12-07T08:00:00+07:00"
    assert beat.hub == wire.HubPresence(consoles=2, displays=1, kiosks_seen=3)
    assert beat.printer_state is None
    # once the city holds the events, the backlog is empty
    queue.mark_forwarded([event.uuid for event in queue.unforwarded(10)])
    assert hub_heartbeat(queue, Connected()).outbox_pending == 0


def test_kiosks_seen_are_those_heard_from_in_the_last_fifteen_minutes(
        hub_clock: MovingClock) -> None:
    sightings = KioskSightings(hub_clock)
    sightings.saw("K1")
    sightings.saw("K2")
    hub_clock.advance(minutes=10)
    sightings.saw("K2")
    sightings.saw("K3")
    assert sightings.recent() == 3
    hub_clock.advance(minutes=5)  # K1 exactly 15 min ago: still seen
    assert sightings.recent() == 3
    hub_clock.advance(seconds=1)
    assert sightings.recent() == 2


def test_the_sender_beats_every_interval_and_again_after_a_failure(queue: HubQueue) -> None:
    link, ticks = RecordingLink(), Ticks()
    sender = HeartbeatSender(queue, Connected(), link, interval=120, monotonic=ticks)
    assert sender.run_once() is True
    ticks.now += 119
    assert sender.run_once() is False
    ticks.now += 1
    link.failing = True
    assert sender.run_once() is False
    link.failing = False
    assert sender.run_once() is True  # the next round, not a full interval later
    assert len(link.sent) == 2


def test_the_city_lists_the_hub_with_its_heartbeat_and_alerts(
        queue: HubQueue, city: Backend, city_server: ServerThread) -> None:
    link = HeartbeatLink(city_server.url, hub_token(city, "HUB-4", 4))
    try:
        issue(queue, "A1-001")
        link.send(hub_heartbeat(queue, Connected(consoles=2, displays=1, kiosks=3)))
        issue(queue, "A1-002")
        link.send(hub_heartbeat(queue, Connected(consoles=1, displays=1, kiosks=3)))
    finally:
        link.close()
    (health,) = [item for item in city.store.heartbeats.health()
                 if item.record.device_id == "HUB-4"]
    assert health.record.kind is DeviceKind.HUB and health.record.unit_code == 4
    assert health.record.heartbeat is not None
    assert health.record.heartbeat.hub == wire.HubPresence(
        consoles=1, displays=1, kiosks_seen=3)
    assert (health.backlog, health.backlog_change) == (2, 1)
    # the test hub's clock stands at 8:00 on 7 Dec 2026, not the city's now: off too
    assert health.alerts == (Alert.BACKLOG_GROWING, Alert.CLOCK_OFF)
    assert health.clock_offset is not None
    # the API's fleet shows it with its heartbeat
    (entry,) = [e for e in city.store.fleet().kiosks if e.kiosk_id == "HUB-4"]
    assert entry.heartbeat is not None and entry.last_heartbeat_at is not None


def test_only_a_hub_token_may_send_a_hub_heartbeat(
        queue: HubQueue, city: Backend, city_server: ServerThread) -> None:
    kiosk_token = city.token("K1", Role.KIOSK)
    link = HeartbeatLink(city_server.url, kiosk_token)
    try:
        with pytest.raises(HeartbeatError, match=r"^403 "):
            link.send(hub_heartbeat(queue, Connected()))
    finally:
        link.close()


def test_kiosk_backend_fleet_prints_the_hubs_heartbeat(
        kiosk: Callable[..., Result], tmp_path: Path, queue: HubQueue) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    assert kiosk("backend", "add-hub", "HUB-BD", "--unit", "4", *home).status == 0
    store = Store(open_engine(str(tmp_path / "backend" / "backend.sqlite3")),
                  SealingKeys.generate())
    issue(queue, "A1-001")
    store.record_heartbeat("HUB-BD", hub_heartbeat(queue, Connected(2, 1, 3)))
    listed = kiosk("backend", "fleet", *home)
    assert listed.status == 0, listed.err
    (line,) = [line for line in listed.out.splitlines() if line.startswith("HUB-BD")]
    assert line.startswith("HUB-BD           hub       last heard 20")
    assert line.endswith(
        f": events not delivered 1, version {__version__}, consoles 2, displays 1, "
        "kiosks seen (15 min) 3 [clock_off]")


def test_the_hub_app_counts_the_kiosks_that_call_it(
        queue: HubQueue, hub_clock: MovingClock) -> None:
    first, second = queue.add_kiosk("K1"), queue.add_kiosk("K2")
    app = create_hub_app(queue, secret="test")
    client = TestClient(app)
    web = app.state.web
    assert web.presence() == wire.HubPresence(consoles=0, displays=0, kiosks_seen=0)
    for token in (first, second, first):
        asked = client.get(hub_wire.HubEndpoint.QUEUE.value,
                           headers={"Authorization": f"Bearer {token}"})
        assert asked.status_code == 200
    # a wrong token is no kiosk
    assert client.get(hub_wire.HubEndpoint.QUEUE.value,
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    assert web.presence().kiosks_seen == 2
    hub_clock.advance(minutes=16)
    assert web.presence().kiosks_seen == 0
