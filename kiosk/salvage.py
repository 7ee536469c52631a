"""Reading the submissions out of a kiosk database that may be damaged, never writing to it.

Before a technician moves a damaged database aside (or recovers it), the submissions it
holds, above all those not yet sent to the city, are copied out with
``kiosk submissions export``. This module reads them as far as the file allows:

- the file is opened read-only (``mode=ro``, which still sees the write-ahead log), or,
  when even that needs a write it cannot do (a read-only directory without the ``-shm``
  file), as ``immutable`` (the last commits still in the log are then not seen: said);
- no migration runs and no table is assumed beyond ``submissions`` and ``outbox``: every
  column a row has is exported, so a file from an older or newer release reads too;
- a damaged page loses only the rows stored on it: after the first error the remaining
  rows are read one by one, and each row that cannot be read is counted, not fatal.
"""

from __future__ import annotations

import base64
import enum
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: JSON value of one exported column.
JsonValue = str | int | float | dict[str, str] | None


class SalvageError(Exception):
    """The file cannot be opened at all (missing, or not readable)."""


class OpenMode(enum.Enum):
    """How the file was opened; both are read-only."""

    READ_ONLY = "mode=ro"
    IMMUTABLE = "immutable=1"


@dataclass
class SalvageReport:
    """What an export could not read, and the counts of what it did."""

    mode: OpenMode
    problems: list[str] = field(default_factory=list)
    exported: int = 0
    states: dict[str, int] = field(default_factory=dict)
    unreadable_rows: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every row was read and nothing was left out."""
        return not self.problems and not self.unreadable_rows


def _connect(path: Path, mode: OpenMode) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?{mode.value}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def open_read_only(path: Path) -> tuple[sqlite3.Connection, OpenMode]:
    """A connection that cannot change ``path``, and how it was opened.

    :class:`SalvageError` when the file is missing or cannot be opened even immutable.
    """
    if not path.is_file():
        raise SalvageError(f"there is no database file at {path}")
    try:
        conn = _connect(path, OpenMode.READ_ONLY)
    except sqlite3.Error:
        pass
    else:
        try:
            # The first read opens the log: where a read-only directory refuses mode=ro.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
        except sqlite3.DatabaseError:
            # Damaged (or not a database): the export's own queries report it.
            return conn, OpenMode.READ_ONLY
        else:
            return conn, OpenMode.READ_ONLY
    try:
        return _connect(path, OpenMode.IMMUTABLE), OpenMode.IMMUTABLE
    except sqlite3.Error as error:
        raise SalvageError(f"cannot open {path} read-only: {error}") from error


def _json_value(value: Any) -> JsonValue:
    if isinstance(value, bytes):
        # Sealed personal data: kept exactly, as base64.
        return {"base64": base64.b64encode(value).decode("ascii")}
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _row(row: sqlite3.Row) -> dict[str, JsonValue]:
    return {key: _json_value(row[key]) for key in row.keys()}  # noqa: SIM118 - Row has no iter of keys


def _outbox(conn: sqlite3.Connection, report: SalvageReport) -> dict[str, dict[str, JsonValue]]:
    """The outbox rows by submission; what cannot be read is reported, the rest kept."""
    rows: dict[str, dict[str, JsonValue]] = {}
    try:
        for row in conn.execute("SELECT * FROM outbox"):
            state = _row(row)
            uuid = state.pop("submission_uuid")
            rows[str(uuid)] = state
    except sqlite3.DatabaseError as error:
        report.problems.append(
            f"the outbox could not be read past {len(rows)} row(s): {error}; a "
            "submission whose outbox row was not read has outbox null (state unknown: "
            "treat it as unsent)"
        )
    return rows


def _highest_seq(conn: sqlite3.Connection) -> int | None:
    """The largest submission number, from the table or from AUTOINCREMENT's record."""
    for query in ("SELECT max(seq) FROM submissions",
                  "SELECT seq FROM sqlite_sequence WHERE name = 'submissions'"):
        try:
            row = conn.execute(query).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row is not None and row[0] is not None:
            return int(row[0])
    return None


def _submissions(conn: sqlite3.Connection, report: SalvageReport) -> Iterator[sqlite3.Row]:
    """Every readable submission row in order; rows on damaged pages are skipped."""
    last = 0
    try:
        for row in conn.execute("SELECT * FROM submissions ORDER BY seq"):
            last = int(row["seq"])
            yield row
        return
    except sqlite3.DatabaseError as error:
        report.problems.append(f"the submissions table is damaged after number {last}: {error}")
    highest = _highest_seq(conn)
    if highest is None:
        report.problems.append("the number of the last submission cannot be read either")
        return
    # Row by row past the damage: a bad page loses only the rows stored on it.
    for seq in range(last + 1, highest + 1):
        try:
            row = conn.execute("SELECT * FROM submissions WHERE seq = ?", [seq]).fetchone()
        except sqlite3.DatabaseError:
            report.unreadable_rows.append(seq)
            continue
        if row is not None:
            yield row


def export_submissions(
    conn: sqlite3.Connection, report: SalvageReport
) -> Iterator[dict[str, JsonValue | dict[str, JsonValue]]]:
    """Each readable submission with its outbox row (``outbox`` None when it has none).

    Counts and problems accumulate in ``report`` as rows are read.
    """
    outbox = _outbox(conn, report)
    for row in _submissions(conn, report):
        submission: dict[str, JsonValue | dict[str, JsonValue]] = dict(_row(row))
        state = outbox.get(str(row["uuid"]))
        submission["outbox"] = state
        key = "unknown" if state is None else str(state.get("state"))
        report.states[key] = report.states.get(key, 0) + 1
        report.exported += 1
        yield submission
