"""Hubs in the fleet: judged by their heartbeats as kiosks are (offline after 15 minutes,
backlog growing), their connections shown on the page and by `kiosk backend fleet`."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from office.app import create_app
from office.store import Role, Store
from office.store.fleet_health import Alert, DeviceKind
from office.store.users import UserRole
from sync import wire
from tests.sync.back_office import BA_DINH, PASSWORD, signed_in
from tests.sync.conftest import Backend
from tests.sync.fleet_data import NOW, Clock, seed_fleet


def hub_beat(clock: Clock, pending: int, consoles: int = 2) -> wire.Heartbeat:
    return wire.Heartbeat(
        software_version="0.9.1", outbox_pending=pending, outbox_failed=0,
        device_time=clock.now.isoformat(),
        hub=wire.HubPresence(consoles=consoles, displays=1, kiosks_seen=3))


def seed_hubs(backend: Backend) -> tuple[Store, Clock]:
    """The fleet of fleet_data, and three hubs of Ba Đình with hub tokens:
    H-GROW beat 6 and 1 min ago, backlog 2 -> 5; H-QUIET beat 20 min ago; H-NEW never beat."""
    store, clock = seed_fleet(backend)
    for hub_id in ("H-GROW", "H-QUIET", "H-NEW"):
        store.add_credential(hub_id, Role.HUB)
        store.units.assign(hub_id, BA_DINH)
    for hub_id, minutes, pending in (("H-GROW", 6, 2), ("H-GROW", 1, 5), ("H-QUIET", 20, 0)):
        clock.now = NOW - dt.timedelta(minutes=minutes)
        store.record_heartbeat(hub_id, hub_beat(clock, pending))
    clock.now = NOW
    return store, clock


def test_hubs_are_judged_by_their_heartbeats(backend: Backend) -> None:
    store, _clock = seed_hubs(backend)
    health = {item.record.device_id: item for item in store.heartbeats.health()}
    hubs = {device: item for device, item in health.items()
            if item.record.kind is DeviceKind.HUB}
    assert list(hubs) == ["H-BD", "H-GROW", "H-NEW", "H-QUIET"]
    assert {device: item.alerts for device, item in hubs.items()} == {
        "H-BD": (),  # events only, no heartbeat: its silence says nothing
        "H-GROW": (Alert.BACKLOG_GROWING,),
        "H-NEW": (),
        "H-QUIET": (Alert.OFFLINE,),
    }
    assert (hubs["H-GROW"].backlog, hubs["H-GROW"].backlog_change) == (5, 3)
    assert hubs["H-QUIET"].silent_for == dt.timedelta(minutes=20)
    assert all(item.record.enrolled for item in hubs.values() if item.record.device_id != "H-BD")
    # the kiosks' alerts are unchanged
    assert health["K-GROW"].alerts == (Alert.BACKLOG_GROWING,)


def test_the_fleet_page_shows_a_hubs_connections_and_alerts(backend: Backend) -> None:
    store, _clock = seed_hubs(backend)
    store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    client = TestClient(create_app(store, rate_limit="10000/second", session_secret="test"),
                        base_url="http://127.0.0.1")
    signed_in(client, "admin")
    page = client.get("/bo/fleet").text
    rows = {row.split('<th scope="row">')[1].split("<")[0]: row
            for row in page.split("<tbody>")[1].split("</tr>") if '<th scope="row">' in row}
    grow = rows["H-GROW"]
    assert "Máy chủ điểm phục vụ" in grow
    assert "2 bàn gọi số · 1 màn hình · 3 kiosk (15 phút)" in grow
    assert "5 <small>(+3)</small>" in grow and "0.9.1" in grow
    assert '<span class="badge critical">Dữ liệu chờ gửi tăng</span>' in grow
    assert '<span class="badge critical">Mất kết nối quá 15 phút</span>' in rows["H-QUIET"]
    assert "sự kiện xếp hàng*" in rows["H-BD"] and "sự kiện xếp hàng*" not in grow
    only_offline = client.get("/bo/fleet?alert=offline").text
    assert "H-QUIET" in only_offline and "H-GROW" not in only_offline
