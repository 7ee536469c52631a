"""Carry a point hub's queue from a failed trial back into its restored database.

On a box that is also its point's hub, the hub runs the release in trial with the kiosk
(docs/updates.md); a rollback restores the hub's database copy taken before the switch,
as for the kiosk. The point's queue went on during the trial (tickets from every kiosk of
the point, calls, ratings): this copies it into the restored file, so the TV and the
counters find every ticket again:

- ``tickets``: each ticket whose ``submission_uuid`` the restored file lacks, with the
  columns both schemas have (the restored file numbers it: ``id`` is its own), and for a
  ticket both have, the trial's row when the trial moved it later (called, served...);
- ``ticket_events``: each event whose ``uuid`` is missing, pointed at the restored ticket,
  and ``forwarded_at`` of events the city acknowledged during the trial (not sent twice);
- ``ratings``: each rating of a ticket the restored file has none for;
- ``counters``: each counter's state, officer and priority turn from the trial.

Settings, services, officers and kiosks changed during the trial are not carried (the
trial file is kept beside the database: nothing is destroyed).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kiosk.carry_over import carry_between, columns


@dataclass(frozen=True)
class HubCarryReport:
    """What was carried over, and the trial-only ticket columns left in the trial file."""

    tickets: int
    tickets_moved: int
    events: int
    ratings: int
    counters: int
    columns_left_behind: tuple[str, ...]


def carry_hub_queue(restored: Path, trial: Path) -> HubCarryReport:
    """Copy the queue the trial wrote from the hub database ``trial`` into ``restored``."""
    return carry_between(restored, trial, _carry)


def _shared(conn: sqlite3.Connection, table: str, *leave: str) -> list[str]:
    theirs = columns(conn, "trial", table)
    return [name for name in columns(conn, "main", table) if name in theirs
            and name not in leave]


#: The restored ticket id of the trial's ticket ``e.ticket_id`` / ``r.ticket_id``.
_RESTORED_ID = ("(SELECT m.id FROM main.tickets AS m JOIN trial.tickets AS t "
                "ON t.submission_uuid = m.submission_uuid WHERE t.id = {alias}.ticket_id)")


def _carry(conn: sqlite3.Connection) -> HubCarryReport:
    shared = _shared(conn, "tickets", "id")
    left_behind = tuple(name for name in columns(conn, "trial", "tickets")
                        if name not in columns(conn, "main", "tickets"))
    names = ", ".join(shared)
    # Column names below come from the two schemas, never from data.
    moved = conn.execute(
        f"UPDATE main.tickets SET ({names}) = "  # noqa: S608
        f"(SELECT {names} FROM trial.tickets AS t "
        "WHERE t.submission_uuid = main.tickets.submission_uuid) "
        "WHERE EXISTS (SELECT 1 FROM trial.tickets AS t "
        "WHERE t.submission_uuid = main.tickets.submission_uuid "
        "AND t.updated_at > main.tickets.updated_at)").rowcount
    # OR IGNORE: a number the restored file gave another ticket that day keeps its own
    # (the queue never shows one number twice; the trial file keeps the other).
    tickets = conn.execute(
        f"INSERT OR IGNORE INTO main.tickets ({names}) SELECT {names} "  # noqa: S608
        "FROM trial.tickets WHERE submission_uuid NOT IN "
        "(SELECT submission_uuid FROM main.tickets) ORDER BY id").rowcount
    event_columns = _shared(conn, "ticket_events", "seq", "ticket_id")
    event_names = ", ".join(event_columns)
    events = conn.execute(
        f"INSERT INTO main.ticket_events (ticket_id, {event_names}) "  # noqa: S608
        f"SELECT {_RESTORED_ID.format(alias='e')}, "
        f"{', '.join(f'e.{name}' for name in event_columns)} FROM trial.ticket_events AS e "
        f"WHERE e.uuid NOT IN (SELECT uuid FROM main.ticket_events) "
        f"AND {_RESTORED_ID.format(alias='e')} IS NOT NULL ORDER BY e.seq").rowcount
    conn.execute(
        "UPDATE main.ticket_events SET forwarded_at = (SELECT t.forwarded_at "
        "FROM trial.ticket_events AS t WHERE t.uuid = main.ticket_events.uuid) "
        "WHERE forwarded_at IS NULL AND EXISTS (SELECT 1 FROM trial.ticket_events AS t "
        "WHERE t.uuid = main.ticket_events.uuid AND t.forwarded_at IS NOT NULL)")
    ratings = 0
    if columns(conn, "main", "ratings") and columns(conn, "trial", "ratings"):
        rating_columns = _shared(conn, "ratings", "ticket_id")
        ratings = conn.execute(
            f"INSERT OR IGNORE INTO main.ratings (ticket_id, {', '.join(rating_columns)}) "  # noqa: S608
            f"SELECT {_RESTORED_ID.format(alias='r')}, "
            f"{', '.join(f'r.{name}' for name in rating_columns)} FROM trial.ratings AS r "
            f"WHERE {_RESTORED_ID.format(alias='r')} IS NOT NULL").rowcount
    counter_columns = [name for name in ("state", "officer", "regular_since_priority")
                       if name in _shared(conn, "counters")]
    counter_names = ", ".join(counter_columns)
    counters = conn.execute(
        f"UPDATE main.counters SET ({counter_names}) = (SELECT {counter_names} "  # noqa: S608
        "FROM trial.counters AS t WHERE t.number = main.counters.number) "
        "WHERE number IN (SELECT number FROM trial.counters)").rowcount
    return HubCarryReport(tickets, moved, events, ratings, counters, left_behind)
