"""``kiosk backend fleet``: every enrolled kiosk and hub, its last heartbeat and alerts."""

from __future__ import annotations

import argparse

from kiosk.command import Context, print_json
from office.cli.home import Action, open_store


def register(action: Action) -> None:
    """Add ``fleet``."""
    fleet = action("fleet", "every enrolled kiosk and its last heartbeat")
    fleet.add_argument("--json", action="store_true", help="print JSON")
    fleet.set_defaults(handler=_fleet)


def _fleet(args: argparse.Namespace, context: Context) -> int:
    from office.fleet_cli import update_detail  # noqa: PLC0415

    store = open_store(args, context)
    if args.json:
        print_json(store.fleet().model_dump(mode="json"))
        return 0
    # The same health and alerts as the back office's fleet page (office.store.fleet_health).
    for health in store.heartbeats.health():
        record, beat = health.record, health.record.heartbeat
        state = "revoked" if not record.enrolled else record.kind.value
        if record.kind.value == "hub" and beat is None:
            detail = "no heartbeats; last queue events delivered"
        elif beat is not None and beat.hub is not None:
            detail = (f"events not delivered {beat.outbox_pending}, version "
                      f"{beat.software_version}, consoles {beat.hub.consoles}, displays "
                      f"{beat.hub.displays}, kiosks seen (15 min) {beat.hub.kiosks_seen}")
        elif beat is None:
            detail = "no heartbeat yet"
        else:
            detail = (f"pending {beat.outbox_pending}, failed {beat.outbox_failed}, "
                      f"version {beat.software_version}, catalog {_or_none(beat.catalog_version)}, "
                      f"overlay {_or_none(beat.overlay_version)}"
                      f"{update_detail(beat.update)}")
        alerts = ", ".join(alert.value for alert in health.alerts)
        print(f"{record.device_id:<16} {state:<9} last heard {record.last_seen_at or 'never'}: "
              f"{detail}" + (f" [{alerts}]" if alerts else ""))
    return 0


def _or_none(version: int | None) -> str:
    return "none" if version is None else str(version)
