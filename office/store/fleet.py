"""The fleet: each kiosk's latest heartbeat, and every kiosk that has a token."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart
from office.store.credentials import Role
from sync import wire


class Heartbeats(StorePart):
    """Keeping the latest heartbeat of each kiosk, and the fleet view built from them."""

    def record_heartbeat(self, kiosk_id: str, heartbeat: wire.Heartbeat) -> wire.HeartbeatAck:
        """Keep the latest heartbeat of ``kiosk_id``."""
        stamp = self._stamp()
        values = {"kiosk_id": kiosk_id, "received_at": stamp,
                  "body": heartbeat.model_dump_json()}
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.heartbeats).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["kiosk_id"],
            set_={"received_at": stamp, "body": values["body"]},
        )
        with write_transaction(self.engine) as connection:
            connection.execute(statement)
        return wire.HeartbeatAck(server_time=stamp)

    def fleet(self) -> wire.Fleet:
        """Every kiosk that has a token, and its last heartbeat."""
        credentials, heartbeats = schema.credentials, schema.heartbeats
        with read_snapshot(self.engine) as connection:
            enrolled: dict[str, bool] = {}
            for client_id, revoked_at in connection.execute(
                sa.select(credentials.c.client_id, credentials.c.revoked_at)
                .where(credentials.c.role == Role.KIOSK.value)
            ):
                enrolled[client_id] = enrolled.get(client_id, False) or revoked_at is None
            beats = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    sa.select(heartbeats.c.kiosk_id, heartbeats.c.received_at,
                              heartbeats.c.body))
            }
        entries = []
        for kiosk_id in sorted(enrolled):
            beat = beats.get(kiosk_id)
            entries.append(wire.FleetEntry(
                kiosk_id=kiosk_id, enrolled=enrolled[kiosk_id],
                last_heartbeat_at=None if beat is None else beat[0],
                heartbeat=None if beat is None else _heartbeat(beat[1]),
            ))
        return wire.Fleet(kiosks=entries)


def _heartbeat(body: str) -> wire.Heartbeat | None:
    try:
        return wire.Heartbeat.model_validate_json(body)
    except ValidationError:  # pragma: no cover - written by this backend
        return None
