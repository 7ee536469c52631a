"""Carry the submissions made during a failed trial back into the restored database.

When a new release fails its trial, the database copy taken before it migrated is
restored (the old release cannot open the migrated file). Citizens may have submitted in
the minutes of the trial: those rows live only in the migrated file. This module copies
them into the restored database, so a rollback never loses a submission:

- ``submissions``: every row whose ``uuid`` the restored file lacks, with the columns both
  schemas have (a new column the old release does not know is left behind, and the trial
  file is kept beside the database, so nothing is destroyed);
- ``outbox``: the trial's state of every submission (a submission sent during the trial
  stays ``sent``, so it is not sent twice; one still pending stays pending);
- ``queue_counters``: the larger of the two last numbers, so a ticket number handed out
  during the trial is never handed out again today.

Print jobs, pulled statuses and sync cursors are not carried: the print queue expires
within minutes anyway, and the agent pulls statuses again from its (older) cursor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class CarryReport:
    """What was carried over, and the trial-only columns left in the trial file."""

    submissions: int
    outbox_rows: int
    counters: int
    columns_left_behind: tuple[str, ...]


def carry_submissions(restored: Path, trial: Path) -> CarryReport:
    """Copy what the trial wrote from the database file ``trial`` into ``restored``."""
    return carry_between(restored, trial, _carry)


def carry_between(restored: Path, trial: Path, carry: Callable[[sqlite3.Connection], R]) -> R:
    """Run ``carry`` on ``restored`` with ``trial`` attached read-only as ``trial``, in one
    immediate transaction: all of it is carried, or nothing (the kiosk's and the hub's)."""
    conn = sqlite3.connect(restored, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS trial", [f"file:{trial}?mode=ro"])
        conn.execute("BEGIN IMMEDIATE")
        try:
            report = carry(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return report
    finally:
        conn.close()


def columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    """The columns of ``schema``'s ``table`` (none when it has no such table)."""
    rows = conn.execute(f"PRAGMA {schema}.table_info({table})").fetchall()
    return [str(row[1]) for row in rows]


def _carry(conn: sqlite3.Connection) -> CarryReport:
    main_columns = columns(conn, "main", "submissions")
    trial_columns = columns(conn, "trial", "submissions")
    # seq is the restored file's own order: new rows take the next numbers there.
    shared = [name for name in main_columns if name in trial_columns and name != "seq"]
    left_behind = tuple(name for name in trial_columns if name not in main_columns)
    names = ", ".join(shared)
    submissions = conn.execute(
        f"INSERT INTO main.submissions ({names}) SELECT {names} FROM trial.submissions "  # noqa: S608 - column names come from the schemas
        "WHERE uuid NOT IN (SELECT uuid FROM main.submissions) ORDER BY seq"
    ).rowcount
    outbox_columns = [name for name in columns(conn, "main", "outbox")
                      if name in columns(conn, "trial", "outbox")]
    outbox_names = ", ".join(outbox_columns)
    outbox = conn.execute(
        f"INSERT OR REPLACE INTO main.outbox ({outbox_names}) "  # noqa: S608 - as above
        f"SELECT {outbox_names} FROM trial.outbox"
    ).rowcount
    counters = conn.execute(
        "INSERT INTO main.queue_counters (service_day, service, series, last_number) "
        "SELECT service_day, service, series, last_number FROM trial.queue_counters WHERE true "
        "ON CONFLICT (service_day, service, series) DO UPDATE SET "
        "last_number = max(last_number, excluded.last_number)"
    ).rowcount
    return CarryReport(submissions, outbox, counters, left_behind)
