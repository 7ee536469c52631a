"""Each device's health and alerts from its last two heartbeats, on SQLite and PostgreSQL
(tests/sync/fleet_data.py describes the fleet)."""

from __future__ import annotations

import datetime as dt

import pytest

from office.store.fleet_health import (
    Alert,
    DeviceKind,
    DeviceRecord,
    Severity,
    assess,
)
from sync import wire
from tests.sync.back_office import BA_DINH, HOAN_KIEM
from tests.sync.conftest import Backend
from tests.sync.fleet_data import NOW, beat, seed_fleet


def test_every_device_with_its_alerts(backend: Backend) -> None:
    store, _clock = seed_fleet(backend)
    health = {item.record.device_id: item for item in store.heartbeats.health()}
    assert {device: tuple(alert.value for alert in item.alerts)
            for device, item in health.items()} == {
        "K-CLOCK": ("clock_off",),
        "K-EDGE": (),
        "K-GONE": (),
        "K-GROW": ("backlog_growing",),
        "K-JAM": ("printer_fault",),
        "K-LOW": ("paper_near_end",),
        "K-NEW": ("never_seen",),
        "K-OFF": ("offline",),
        "K-OK": (),
        "K-PAPER": ("paper_out",),
        "H-BD": (),
    }
    assert [item.record.device_id for item in health.values()][-1] == "H-BD"
    assert health["H-BD"].record.kind is DeviceKind.HUB
    assert health["H-BD"].silent_for == dt.timedelta(minutes=40)
    assert (health["K-OK"].backlog, health["K-OK"].backlog_change) == (0, -2)
    assert (health["K-GROW"].backlog, health["K-GROW"].backlog_change) == (4, 3)
    assert health["K-OFF"].silent_for == dt.timedelta(minutes=20)
    assert health["K-CLOCK"].clock_offset == dt.timedelta(minutes=5)
    assert health["K-OK"].clock_offset == dt.timedelta(0)
    assert health["K-GONE"].record.enrolled is False
    assert health["K-PAPER"].severity is Severity.CRITICAL
    assert health["K-LOW"].severity is Severity.WARNING
    assert health["K-OK"].severity is None


def test_a_commune_scope_lists_its_own_devices(backend: Backend) -> None:
    store, _clock = seed_fleet(backend)
    assert [item.record.device_id for item in store.heartbeats.health({HOAN_KIEM})] == [
        "K-LOW"]
    assert len(store.heartbeats.health({BA_DINH})) == 10


def test_offline_begins_after_fifteen_minutes(backend: Backend) -> None:
    store, clock = seed_fleet(backend)
    clock.now = NOW + dt.timedelta(seconds=1)
    health = {item.record.device_id: item.alerts for item in store.heartbeats.health()}
    assert health["K-EDGE"] == (Alert.OFFLINE,)
    assert health["K-OK"] == ()


def test_the_api_fleet_is_unchanged_and_lists_the_hub_without_a_heartbeat(
        backend: Backend) -> None:
    store, _clock = seed_fleet(backend)
    entries = {entry.kiosk_id: entry for entry in store.fleet().kiosks}
    assert list(entries) == sorted(entries) and len(entries) == 11
    assert entries["H-BD"].heartbeat is None and entries["H-BD"].last_heartbeat_at is None
    assert entries["K-GROW"].heartbeat is not None
    assert entries["K-GROW"].heartbeat.outbox_pending == 3


@pytest.mark.parametrize(("fields", "alerts"), [
    ({"paper": "out", "printer": "ready"}, (Alert.PAPER_OUT,)),
    ({"paper": None, "printer": "paper_out"}, (Alert.PAPER_OUT,)),
    ({"paper": "near_end", "printer": "unreachable"}, (Alert.PRINTER_FAULT,)),
    ({"paper": None, "printer": None}, ()),
    ({"clock_ahead": -3}, (Alert.CLOCK_OFF,)),
    ({"clock_ahead": 2}, ()),
])
def test_printer_and_clock_alerts(fields: dict[str, object], alerts: tuple[Alert, ...]
                                  ) -> None:
    values = beat(**fields)  # type: ignore[arg-type]
    ahead = dt.timedelta(minutes=int(str(values.pop("clock_ahead"))))
    heartbeat = wire.Heartbeat.model_validate(
        {**values, "device_time": (NOW + ahead).isoformat()})
    record = DeviceRecord("K", DeviceKind.KIOSK, True, 4, NOW.isoformat(), heartbeat)
    assert assess(record, NOW).alerts == alerts


def test_a_device_clock_without_a_zone_is_unknown_not_an_alert() -> None:
    heartbeat = wire.Heartbeat.model_validate({**{k: v for k, v in beat().items()
                                                  if k != "clock_ahead"},
                                               "device_time": "2026-12-07T10:00:00"})
    record = DeviceRecord("K", DeviceKind.KIOSK, True, 4, NOW.isoformat(), heartbeat)
    health = assess(record, NOW)
    assert health.clock_offset is None and health.alerts == ()
