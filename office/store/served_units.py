"""The units the server knows: Hà Nội's 126 that the kiosks ship with, and what the operator
loaded (``kiosk backend load-units``; all 3,321 communes of Vietnam, or one province's),
kept in each worker's memory. Every check of a unit code (the API, the commands, the back
office's pages) asks this one list."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from kiosk.directory import DIRECTORY_FILE
from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart, utc_now
from office.units_file import Unit, province_names

#: Seconds a worker trusts its memory of the loaded units (another worker's load shows
#: within this time; the worker that loaded sees it at once).
UNITS_REFRESH_SECONDS = 30.0


@functools.cache
def hanoi_units() -> dict[int, str]:
    """Hà Nội's units, code -> name ("Phường Ba Đình"), in the kiosks' directory order."""
    document = json.loads(
        resources.files("kiosk.data").joinpath(DIRECTORY_FILE).read_text(encoding="utf-8"))
    return {int(unit["code"]): str(unit["name"]) for unit in document["units"]}


class ServedUnits(StorePart):
    """Loading units and answering whether a unit code is one of them, and its name."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(engine, clock=clock)
        self._monotonic = monotonic
        self._codes: frozenset[int] = frozenset()
        self._names: Mapping[int, str] = hanoi_units()
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
        self._refresh()
        return self._codes

    def names(self) -> Mapping[int, str]:
        """Every known unit, code -> name: Hà Nội's 126 in the kiosks' directory order (with
        the kiosks' own names), then the loaded ones by province and code, each named with
        its province ("Phường Cái Khế (Cần Thơ)": 576 of the 3,321 share a name)."""
        self._refresh()
        return self._names

    def knows(self, unit_code: int) -> bool:
        """Whether ``unit_code`` is one of Hà Nội's units or a loaded one."""
        return unit_code in self.names()

    def _refresh(self) -> None:
        if self._monotonic() < self._fresh_until:
            return
        with self._lock:
            if self._monotonic() >= self._fresh_until:
                table = schema.served_units
                with read_snapshot(self.engine) as connection:
                    rows = connection.execute(
                        sa.select(table.c.unit_code, table.c.name, table.c.province_code)
                        .order_by(table.c.province_code, table.c.unit_code)).all()
                names = dict(hanoi_units())
                provinces = province_names() if rows else {}
                for code, name, province in rows:
                    where = provinces.get(str(province))
                    names.setdefault(int(code), f"{name} ({where})" if where else str(name))
                self._codes = frozenset(int(code) for code, _, _ in rows)
                self._names = names
                self._fresh_until = self._monotonic() + UNITS_REFRESH_SECONDS
