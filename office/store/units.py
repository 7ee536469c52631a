"""Which commune or ward each kiosk serves: the unit its submissions are filed under.

A commune officer sees only their unit's submissions, so the unit comes from the city's
own record of where each kiosk stands (``kiosk backend add-kiosk --unit`` or
``set-kiosk-unit``), never from what a kiosk says about itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart


class KioskUnits(StorePart):
    """Setting and reading each kiosk's unit."""

    def assign(self, kiosk_id: str, unit_code: int) -> int:
        """File ``kiosk_id`` under ``unit_code`` from now on; its submissions stored while it
        had no unit are filed there too. Returns how many of those were filed."""
        stamp = self._stamp()
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.kiosk_units).values(
            kiosk_id=kiosk_id, unit_code=unit_code, updated_at=stamp)
        statement = statement.on_conflict_do_update(
            index_elements=["kiosk_id"], set_={"unit_code": unit_code, "updated_at": stamp})
        submissions = schema.submissions
        with write_transaction(self.engine) as connection:
            connection.execute(statement)
            filed = connection.execute(
                submissions.update()
                .where(submissions.c.kiosk_id == kiosk_id, submissions.c.unit_code.is_(None))
                .values(unit_code=unit_code)
            ).rowcount
        return int(filed)

    def unit_of(self, kiosk_id: str) -> int | None:
        """The unit ``kiosk_id`` is filed under, or None."""
        with read_snapshot(self.engine) as connection:
            found = connection.execute(
                sa.select(schema.kiosk_units.c.unit_code)
                .where(schema.kiosk_units.c.kiosk_id == kiosk_id)
            ).scalar_one_or_none()
        return None if found is None else int(found)

    def all(self) -> dict[str, int]:
        """Every kiosk with a unit: kiosk id -> unit code."""
        with read_snapshot(self.engine) as connection:
            return {row[0]: int(row[1]) for row in connection.execute(
                sa.select(schema.kiosk_units.c.kiosk_id, schema.kiosk_units.c.unit_code))}
