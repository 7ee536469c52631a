"""A fleet with one device per alert, for the fleet tests (store, page, browser).

At ``NOW`` (the city's clock), in Ba Đình (4) unless said:
- K-OK: beat 1 min ago, backlog 2 -> 0, paper ok, clock right: no alert;
- K-OFF: last beat 20 min ago: offline;
- K-EDGE: last beat exactly 15 min ago: not yet offline;
- K-PAPER: paper out; K-LOW (Hoàn Kiếm, 70): paper near end;
- K-JAM: printer cover open: printer fault;
- K-GROW: backlog 1 -> 4: growing (+3);
- K-CLOCK: its clock 5 min ahead: clock off;
- K-NEW: enrolled, never beat: never seen;
- K-GONE: revoked, last beat 2 days ago: no alert;
- hub H-BD: delivered queue events 40 min ago: listed as a hub, no alert.
"""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.clock import HANOI
from office.queue_events import QueueEvents
from office.store import Role, Store
from sync import hub_wire, wire
from tests.sync.back_office import BA_DINH, HOAN_KIEM
from tests.sync.conftest import KEYS, Backend

#: The city's clock in the tests: this minute (the other data in a test is stamped now).
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def beat(pending: int = 0, failed: int = 0, *, paper: str | None = "ok",
         printer: str | None = "ready", clock_ahead: int = 0,
         version: str = "0.9.0") -> dict[str, object]:
    """A heartbeat's fields but the device's clock (``clock_ahead`` minutes ahead)."""
    return {"software_version": version, "outbox_pending": pending, "outbox_failed": failed,
            "printer_state": printer, "printer_paper": paper, "clock_ahead": clock_ahead}


def seed_fleet(backend: Backend) -> tuple[Store, Clock]:
    """The fleet above; returns a store on the same database whose clock is at NOW."""
    clock = Clock(NOW)
    store = Store(backend.store.engine, KEYS, clock=clock)

    def ago(minutes: int) -> dt.datetime:
        return NOW - dt.timedelta(minutes=minutes)

    def send(kiosk_id: str, minutes: int, fields: dict[str, object]) -> None:
        clock.now = ago(minutes)
        device = clock.now + dt.timedelta(minutes=int(str(fields.pop("clock_ahead"))))
        store.record_heartbeat(kiosk_id, wire.Heartbeat.model_validate(
            {**fields, "device_time": device.astimezone(HANOI).isoformat()}))

    for kiosk_id in ("K-OK", "K-OFF", "K-EDGE", "K-PAPER", "K-LOW", "K-JAM", "K-GROW",
                     "K-CLOCK", "K-NEW", "K-GONE", "H-BD"):
        store.add_credential(kiosk_id, Role.KIOSK)
        store.units.assign(kiosk_id, HOAN_KIEM if kiosk_id == "K-LOW" else BA_DINH)
    store.revoke("K-GONE")
    send("K-OK", 6, beat(2))
    send("K-OK", 1, beat(0))
    send("K-OFF", 20, beat())
    send("K-EDGE", 15, beat())
    send("K-PAPER", 2, beat(paper="out", printer="paper_out"))
    send("K-LOW", 2, beat(paper="near_end", printer="paper_near_end"))
    send("K-JAM", 2, beat(paper=None, printer="cover_open"))
    send("K-GROW", 7, beat(1))
    send("K-GROW", 2, beat(3, 1))
    send("K-CLOCK", 3, beat(clock_ahead=5))
    send("K-GONE", 2 * 24 * 60, beat())
    clock.now = ago(40)
    QueueEvents(store.engine, clock=clock).record("H-BD", hub_wire.QueueEventBatch(
        unit_code=BA_DINH, events=[hub_wire.QueueEventItem(
            uuid=uuid.uuid4(), action="issue", state="waiting", ticket_number="A1-001",
            ticket_uuid=uuid.uuid4(), service="A",
            service_day=ago(40).astimezone(HANOI).date().isoformat(), at=ago(40))]))
    clock.now = NOW
    return store, clock
