"""Kiosks that report their updates, for the fleet's update tests (store, page, CLI, browser).

At ``NOW``, each beat 1 min ago in Ba Đình (4), printer fine, clock right:
- U-OK: channel stable, confirmed 2.4.0: no alert;
- U-PILOT: channel pilot, trial of 2.5.0 running: no alert;
- U-BACK: channel pilot, 2.5.0 rolled back: warning "update rolled back";
- U-REFUSED: channel stable, confirmed 2.4.0, then 2.5.0 refused: "update not applied";
- U-FRESH: channel stable, the updater never ran: no alert;
- U-OLD: older software that does not report its updates: no alert, nothing shown.
"""

from __future__ import annotations

import datetime as dt

from kiosk.clock import HANOI
from office.store import Role, Store
from sync import wire
from tests.sync.back_office import BA_DINH
from tests.sync.conftest import KEYS, Backend
from tests.sync.fleet_data import NOW, Clock

ROLLED_BACK_REASON = ("rolled back to 2.4.0: new doctor fault(s): printer (1 submission(s) "
                      "from the trial kept)")
REFUSED_REASON = "refused: the manifest's signature does not match any trusted release key"

#: Each kiosk's update report as its heartbeat carries it (None: not sent).
UPDATES: dict[str, dict[str, object] | None] = {
    "U-OK": {"channel": "stable", "state": "confirmed", "target_version": "2.4.0"},
    "U-PILOT": {"channel": "pilot", "state": "trial", "target_version": "2.5.0"},
    "U-BACK": {"channel": "pilot", "state": "rolled_back", "target_version": "2.5.0",
               "problem": "rolled_back", "reason": ROLLED_BACK_REASON},
    "U-REFUSED": {"channel": "stable", "state": "confirmed", "target_version": "2.4.0",
                  "problem": "refused", "reason": REFUSED_REASON},
    "U-FRESH": {"channel": "stable"},
    "U-OLD": None,
}


def seed_updates(backend: Backend) -> Store:
    """The kiosks above; returns a store on the same database whose clock is at NOW."""
    clock = Clock(NOW - dt.timedelta(minutes=1))
    store = Store(backend.store.engine, KEYS, clock=clock)
    for kiosk_id, update in UPDATES.items():
        store.add_credential(kiosk_id, Role.KIOSK)
        store.units.assign(kiosk_id, BA_DINH)
        fields: dict[str, object] = {
            "software_version": "2.3.1" if kiosk_id == "U-OLD" else "2.4.0",
            "outbox_pending": 0, "outbox_failed": 0, "printer_state": "ready",
            "printer_paper": "ok", "device_time": clock.now.astimezone(HANOI).isoformat()}
        if update is not None:
            fields["update"] = update
        store.record_heartbeat(kiosk_id, wire.Heartbeat.model_validate(fields))
    clock.now = NOW
    return store
