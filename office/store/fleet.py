"""The fleet: each kiosk's and hub's last two heartbeats, every kiosk that has a token, and
the hubs that deliver queue events or beat as hubs (their health: office.store.fleet_health)."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart
from office.store.credentials import Role
from office.store.fleet_health import DeviceHealth, DeviceKind, DeviceRecord, assess
from sync import wire


class Heartbeats(StorePart):
    """Keeping the latest heartbeat of each kiosk and hub, and the fleet view built from them."""

    def record_heartbeat(self, kiosk_id: str, heartbeat: wire.Heartbeat) -> wire.HeartbeatAck:
        """Keep the latest heartbeat of ``kiosk_id`` (a kiosk, or a hub: its kiosk token)."""
        stamp = self._stamp()
        values = {"kiosk_id": kiosk_id, "received_at": stamp,
                  "body": heartbeat.model_dump_json()}
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.heartbeats).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["kiosk_id"],
            # The row's values before the update become the previous heartbeat.
            set_={"received_at": stamp, "body": values["body"],
                  "previous_received_at": schema.heartbeats.c.received_at,
                  "previous_body": schema.heartbeats.c.body},
        )
        with write_transaction(self.engine) as connection:
            connection.execute(statement)
        return wire.HeartbeatAck(server_time=stamp)

    def fleet(self) -> wire.Fleet:
        """Every kiosk (and hub) that has a token, and its last heartbeat."""
        # A hub holds a kiosk token too (it needs one to deliver); one that sent no
        # heartbeat is listed without (its last_seen_at is a delivery, not a heartbeat).
        return wire.Fleet(kiosks=sorted((
            wire.FleetEntry(kiosk_id=record.device_id, enrolled=record.enrolled,
                            last_heartbeat_at=None if record.heartbeat is None
                            else record.last_seen_at, heartbeat=record.heartbeat)
            for record in self.devices()), key=lambda entry: entry.kiosk_id))

    def health(self, scope: set[int] | None = None) -> list[DeviceHealth]:
        """Every device of :meth:`devices` assessed at the city's clock now (its alerts)."""
        now = self.clock()
        return [assess(record, now) for record in self.devices(scope)]

    def devices(self, scope: set[int] | None = None) -> list[DeviceRecord]:
        """Every kiosk that has a token (revoked ones too) with its last two heartbeats,
        then every hub (it delivered queue events, or its heartbeat says it is one) with its
        last two heartbeats, or its last delivery when it sent none; ``scope``: only those
        filed under these units (None: all)."""
        credentials, heartbeats, events = (schema.credentials, schema.heartbeats,
                                           schema.queue_events)
        with read_snapshot(self.engine) as connection:
            enrolled: dict[str, bool] = {}
            hub_ids: set[str] = set()
            for client_id, revoked_at, role in connection.execute(
                sa.select(credentials.c.client_id, credentials.c.revoked_at,
                          credentials.c.role)
                .where(credentials.c.role.in_([Role.KIOSK.value, Role.HUB.value]))
            ):
                enrolled[client_id] = enrolled.get(client_id, False) or revoked_at is None
                if role == Role.HUB.value:
                    hub_ids.add(client_id)
            beats = {row[0]: row[1:] for row in connection.execute(
                sa.select(heartbeats.c.kiosk_id, heartbeats.c.received_at, heartbeats.c.body,
                          heartbeats.c.previous_body))}
            units = dict(connection.execute(
                sa.select(schema.kiosk_units.c.kiosk_id, schema.kiosk_units.c.unit_code)).all())
            hubs = {row[0]: (int(row[1]), str(row[2])) for row in connection.execute(
                sa.select(events.c.hub_id, sa.func.max(events.c.unit_code),
                          sa.func.max(events.c.received_at)).group_by(events.c.hub_id))}
        parsed = {device: (received, _heartbeat(body),
                           None if previous is None else _heartbeat(previous))
                  for device, (received, body, previous) in beats.items()}
        # A hub: its token is a hub's, it delivered queue events (older hubs held a kiosk
        # token), or its heartbeat says so.
        hub_ids |= set(hubs) | {device for device, (_, beat, _) in parsed.items()
                                if beat is not None and beat.hub is not None}
        records = []
        for device_id in set(enrolled) | hub_ids:
            kind = DeviceKind.HUB if device_id in hub_ids else DeviceKind.KIOSK
            found = parsed.get(device_id)
            delivered = hubs.get(device_id)
            # A hub's unit is the one its events name (else where its token is filed).
            unit = units.get(device_id) if delivered is None else delivered[0]
            if found is None:
                records.append(DeviceRecord(
                    device_id, kind, enrolled.get(device_id, False), unit,
                    last_seen_at=None if delivered is None else delivered[1]))
            else:
                records.append(DeviceRecord(
                    device_id, kind, enrolled.get(device_id, False), unit,
                    last_seen_at=found[0], heartbeat=found[1], previous_heartbeat=found[2]))
        # Kiosks first, then hubs, each by id (the order the page and the CLI list).
        records.sort(key=lambda record: (record.kind is DeviceKind.HUB, record.device_id))
        if scope is None:
            return records
        return [record for record in records if record.unit_code in scope]


def _heartbeat(body: str) -> wire.Heartbeat | None:
    try:
        return wire.Heartbeat.model_validate_json(body)
    except ValidationError:  # pragma: no cover - written by this backend
        return None
