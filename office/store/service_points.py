"""Service points' counters and officers, as the back office publishes them for the hubs."""

from __future__ import annotations

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import StorePart
from office.store.credentials import Principal
from sync import hub_wire

#: Advisory lock class (PostgreSQL) serializing set-up publications (versions stay unique).
_SETUP_LOCK = 0x6D6F7406


class ServicePoints(StorePart):
    """One set-up per unit; each publication replaces it under the next version."""

    def publish(self, unit_code: int, setup: hub_wire.PointSetup,
                principal: Principal) -> hub_wire.PointSetupState:
        """Serve ``setup`` for ``unit_code`` under a new version; returns it as served."""
        table = schema.service_point_setups
        stamp = self._stamp()
        with write_transaction(self.engine) as connection:
            self._serialize(connection, _SETUP_LOCK)
            current = connection.execute(
                sa.select(table.c.version).where(table.c.unit_code == unit_code)
            ).scalar_one_or_none()
            version = (current or 0) + 1
            values = {"version": version, "published_at": stamp,
                      "client_id": principal.client_id, "body": setup.model_dump_json()}
            if current is None:
                connection.execute(table.insert().values(unit_code=unit_code, **values))
            else:
                connection.execute(table.update().where(table.c.unit_code == unit_code)
                                   .values(**values))
        return hub_wire.PointSetupState(unit_code=unit_code, version=version,
                                        published_at=stamp, setup=setup)

    def setup(self, unit_code: int) -> hub_wire.PointSetupState | None:
        """The set-up published for ``unit_code``, or None."""
        table = schema.service_point_setups
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table).where(table.c.unit_code == unit_code)).one_or_none()
        if row is None:
            return None
        return hub_wire.PointSetupState(
            unit_code=unit_code, version=row.version, published_at=row.published_at,
            setup=hub_wire.PointSetup.model_validate_json(row.body))
