"""The units the server accepts in the directory and the queues beyond Hà Nội's 126: what
the operator loaded (``kiosk backend load-units``), kept in each worker's memory."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart, utc_now
from office.units_file import Unit

#: Seconds a worker trusts its memory of the loaded units (another worker's load shows
#: within this time; the worker that loaded sees it at once).
UNITS_REFRESH_SECONDS = 30.0


class ServedUnits(StorePart):
    """Loading units and answering whether a unit code is one of them."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(engine, clock=clock)
        self._monotonic = monotonic
        self._codes: frozenset[int] = frozenset()
        self._fresh_until = float("-inf")
        self._lock = threading.Lock()

    def load(self, units: Iterable[Unit]) -> int:
        """Add or update ``units`` (a unit loaded before and not in ``units`` stays: kiosks
        may still name it). Returns how many were written."""
        stamp = self._stamp()
        rows = [{"unit_code": unit.unit_code, "province_code": unit.province_code,
                 "name": unit.name, "type": unit.type, "loaded_at": stamp} for unit in units]
        if not rows:
            return 0
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.served_units)
        statement = statement.on_conflict_do_update(
            index_elements=["unit_code"],
            set_={column: statement.excluded[column]
                  for column in ("province_code", "name", "type", "loaded_at")})
        with write_transaction(self.engine) as connection:
            connection.execute(statement, rows)
        self._fresh_until = float("-inf")
        return len(rows)

    def codes(self) -> frozenset[int]:
        """Every loaded unit code (read again after :data:`UNITS_REFRESH_SECONDS`)."""
        if self._monotonic() < self._fresh_until:
            return self._codes
        with self._lock:
            if self._monotonic() >= self._fresh_until:
                with read_snapshot(self.engine) as connection:
                    self._codes = frozenset(int(code) for code in connection.execute(
                        sa.select(schema.served_units.c.unit_code)).scalars())
                self._fresh_until = self._monotonic() + UNITS_REFRESH_SECONDS
        return self._codes
