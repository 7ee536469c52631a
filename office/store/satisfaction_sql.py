"""The satisfaction figures' statements: the database groups and counts the ratings and
waits of a range, on SQLite and PostgreSQL alike, and returns one row per group (and per
middle wait, for the medians) instead of every rating and event.

Two statements, read in one snapshot by :class:`office.store.satisfaction.Satisfaction`:

- :func:`ratings_statement`: the kiosks' ratings (their level, day and counter read from
  the JSON body; only ratings, through the partial index ``submissions_ratings``) and the
  hubs' ``rate`` events (plain columns, through ``queue_events_rates``), counted per level
  by unit and day, and by service, counter and officer.
- :func:`waits_statement`: each ticket's wait, from its first ``issue`` to the first
  ``call`` after it (the ``queue_events_ticket`` index finds both), then per grouping the
  count, the sum in microseconds, how many waits are not a whole number of 1/64 s (see
  :func:`office.store.satisfaction.mean_minutes`) and the middle one or two waits.

Which rows count is exactly what the Python computation before this one took: rows the
city received from 2 days before the range on (:data:`RECEIVED_SLACK` in the caller), the
units of the scope, a kiosk rating's service day or else the Hà Nội date it arrived, a
ticket's first issue (in the order the city stored the events) and the first call stored
after it, a wait below zero counted as zero.
"""

from __future__ import annotations

from enum import Enum

import sqlalchemy as sa

#: A wait in microseconds is a whole number of 1/64 s exactly when it divides by this
#: (10**6 / 64): then its seconds are an exact binary fraction.
EXACT_MICROSECONDS = 15625


class Grouping(Enum):
    """The groupings of the waits' statement (each row names its own)."""

    TOTAL = "total"
    UNIT = "unit"
    DAY = "day"
    SERVICE = "service"
    COUNTER = "counter"
    OFFICER = "officer"


#: Each grouping's key column in the ``waits`` rows (None: one group, the total).
WAIT_KEYS: dict[Grouping, str | None] = {
    Grouping.TOTAL: None, Grouping.UNIT: "unit_code", Grouping.DAY: "day",
    Grouping.SERVICE: "service", Grouping.COUNTER: "counter", Grouping.OFFICER: "officer"}


_KEY_TYPES = {"unit_code": "INTEGER", "day": "VARCHAR(10)", "service": "VARCHAR(1)",
              "counter": "INTEGER", "officer": "VARCHAR(40)"}


def _scope(alias: str, scope: set[int] | None) -> str:
    return "" if scope is None else f" AND {alias}.unit_code IN :scope"


def _bind(statement: sa.TextClause, scope: set[int] | None) -> sa.TextClause:
    if scope is None:
        return statement
    return statement.bindparams(sa.bindparam("scope", value=sorted(scope), expanding=True))


def _kiosk_ratings(dialect: str, scope: set[int] | None) -> str:
    """The kiosks' ratings of the range: unit, day, level and the counter as written."""
    if dialect == "postgresql":
        source = "submissions s CROSS JOIN LATERAL (SELECT CAST(s.body AS jsonb) AS doc) j"
        service_day = "j.doc ->> 'service_day'"
        level = "j.doc -> 'details' ->> 'level'"
        counter = "j.doc -> 'details' ->> 'counter'"
        # The Hà Nội date (UTC+7, no daylight saving) of the UTC moment it arrived
        received_day = ("to_char(CAST(s.received_at AS timestamptz) AT TIME ZONE 'UTC' "
                        "+ interval '7 hours', 'YYYY-MM-DD')")
    else:
        source = "submissions s"
        service_day = "json_extract(s.body, '$.service_day')"
        level = "json_extract(s.body, '$.details.level')"
        counter = "json_extract(s.body, '$.details.counter')"
        received_day = "date(s.received_at, '+7 hours')"
    # ``kind = 'rating'`` written out: the partial index's own term, which SQLite's planner
    # must find as it is (a bound parameter would not match it).
    return f"""
        SELECT unit_code, day, level, counter FROM (
            SELECT s.unit_code AS unit_code,
                   COALESCE({service_day}, {received_day}) AS day,
                   {level} AS level, {counter} AS counter
            FROM {source}
            WHERE s.kind = 'rating' AND s.unit_code IS NOT NULL
              AND s.received_at >= :received_from{_scope("s", scope)}
        ) rated
        WHERE day BETWEEN :date_from AND :date_to"""  # noqa: S608 - our fragments only


def ratings_statement(dialect: str, scope: set[int] | None) -> sa.TextClause:
    """Rows ``(part, unit_code, day, service, counter, kiosk_counter, officer, level,
    ratings)``: part ``unit_day`` counts per unit, day and level (the other keys NULL);
    part ``who`` per service, hub counter number, kiosk counter text, officer and level.
    Kiosk and hub ratings are counted apart (a key may come twice: the counts add up)."""
    hub = f"""
        FROM queue_events q
        WHERE q.action = 'rate' AND q.service_day BETWEEN :date_from AND :date_to
          AND q.rating IS NOT NULL AND q.received_at >= :received_from{_scope("q", scope)}"""
    sql = f"""
    SELECT 'unit_day' AS part, unit_code, day, CAST(NULL AS VARCHAR(1)) AS service,
           CAST(NULL AS INTEGER) AS counter, CAST(NULL AS TEXT) AS kiosk_counter,
           CAST(NULL AS VARCHAR(40)) AS officer, level, COUNT(*) AS ratings
    FROM ({_kiosk_ratings(dialect, scope)}) kiosk GROUP BY unit_code, day, level
    UNION ALL
    SELECT 'who', NULL, NULL, NULL, NULL, counter, NULL, level, COUNT(*)
    FROM ({_kiosk_ratings(dialect, scope)}) kiosk GROUP BY counter, level
    UNION ALL
    SELECT 'unit_day', q.unit_code, q.service_day, NULL, NULL, NULL, NULL, q.rating, COUNT(*)
    {hub} GROUP BY q.service_day, q.unit_code, q.rating
    UNION ALL
    SELECT 'who', NULL, NULL, q.service, q.counter, NULL, q.officer, q.rating, COUNT(*)
    {hub} GROUP BY q.service, q.counter, q.officer, q.rating"""  # noqa: S608
    return _bind(sa.text(sql), scope)


def _waits(scope: set[int] | None) -> str:
    """Each counted ticket's wait: its unit, day and service when issued, the counter and
    officer of the call, and the microseconds between (below zero: zero)."""
    return f"""
    issues AS (
        SELECT i.ticket_uuid, i.cursor, i.unit_code, i.service, i.service_day, i.at_us
        FROM queue_events i
        WHERE i.action = 'issue' AND i.service_day BETWEEN :date_from AND :date_to
          AND i.received_at >= :received_from{_scope("i", scope)}
          AND NOT EXISTS (
              SELECT 1 FROM queue_events e
              WHERE e.ticket_uuid = i.ticket_uuid AND e.action = 'issue'
                AND e.cursor < i.cursor AND e.received_at >= :received_from{_scope("e", scope)})
    ),
    waits AS MATERIALIZED (
        SELECT i.unit_code, i.service_day AS day, i.service, c.counter, c.officer,
               CASE WHEN c.at_us > i.at_us THEN c.at_us - i.at_us ELSE 0 END AS us
        FROM issues i JOIN queue_events c
             -- found in the ticket index, which holds every column used here (the unary
             -- plus keeps SQLite from reading the row by its cursor instead)
             ON c.ticket_uuid = i.ticket_uuid AND c.action = 'call' AND +c.cursor = (
                SELECT MIN(n.cursor) FROM queue_events n
                WHERE n.ticket_uuid = i.ticket_uuid AND n.action = 'call'
                  AND n.cursor > i.cursor AND n.received_at >= :received_from{_scope("n", scope)})
    )"""  # noqa: S608 - our fragments only; the values are bound parameters


def _middle(grouping: Grouping) -> str:
    """SQLite: one grouping's groups through a window (it has no grouping sets)."""
    key = WAIT_KEYS[grouping]
    # Only the key and the wait go through the window's sort (the narrower the rows, the
    # cheaper SQLite's sorting); the other keys are NULL, typed, since PostgreSQL types a
    # UNION's column from its first branches
    keys = {name: ("group_key" if name == key else f"CAST(NULL AS {kind})")
            for name, kind in _KEY_TYPES.items()}
    window = (f"PARTITION BY {key} " if key else "") + (
        "ORDER BY us ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING")
    return f"""
    SELECT '{grouping.value}' AS grouping, {keys["unit_code"]} AS unit_code,
           {keys["day"]} AS day, {keys["service"]} AS service, {keys["counter"]} AS counter,
           {keys["officer"]} AS officer, MIN(us) AS lower_us, MAX(us) AS upper_us,
           waits, total_us, inexact
    FROM (
        SELECT {key or "NULL"} AS group_key, us,
               ROW_NUMBER() OVER w AS position, COUNT(*) OVER w AS waits,
               SUM(us) OVER w AS total_us,
               SUM(CASE WHEN us % {EXACT_MICROSECONDS} = 0 THEN 0 ELSE 1 END) OVER w
                   AS inexact
        FROM waits WINDOW w AS ({window})
    ) ranked
    WHERE position IN ((waits + 1) / 2, (waits + 2) / 2)
    GROUP BY group_key, waits, total_us, inexact"""  # noqa: S608


#: PostgreSQL's ``GROUPING()`` of each grouping set (a bit set per key left out).
_GROUPING_BITS = {Grouping.TOTAL: 31, Grouping.UNIT: 15, Grouping.DAY: 23,
                  Grouping.SERVICE: 27, Grouping.COUNTER: 29, Grouping.OFFICER: 30}


def _grouping_sets() -> str:
    """PostgreSQL: every grouping in one pass; the lower middle wait is the ascending
    order's ``percentile_disc(0.5)`` (position ceil(n/2)), the upper one the descending
    order's (position n/2 + 1 when n is even, the same wait when odd)."""
    names = " ".join(f"WHEN {bits} THEN '{grouping.value}'"
                     for grouping, bits in _GROUPING_BITS.items())
    return f"""
    SELECT CASE GROUPING(unit_code, day, service, counter, officer) {names} END AS grouping,
           unit_code, day, service, counter, officer,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY us) AS lower_us,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY us DESC) AS upper_us,
           COUNT(*) AS waits, SUM(us) AS total_us,
           SUM(CASE WHEN us % {EXACT_MICROSECONDS} = 0 THEN 0 ELSE 1 END) AS inexact
    FROM waits
    GROUP BY GROUPING SETS ((), (unit_code), (day), (service), (counter), (officer))"""  # noqa: S608


def waits_statement(dialect: str, scope: set[int] | None) -> sa.TextClause:
    """Rows ``(grouping, unit_code, day, service, counter, officer, lower_us, upper_us,
    waits, total_us, inexact)``: one per group of each :class:`Grouping` (its key set,
    the others NULL), with its middle waits (the same one when it has an odd count)."""
    if dialect == "postgresql":
        aggregate = _grouping_sets()
    else:
        aggregate = "\nUNION ALL".join(_middle(grouping) for grouping in Grouping)
    return _bind(sa.text("WITH" + _waits(scope) + "\n" + aggregate), scope)


def group_waits_statement(grouping: Grouping, scope: set[int] | None,
                          key_is_null: bool) -> sa.TextClause:
    """Every wait (microseconds) of one group: ``:key`` (unless ``key_is_null``)."""
    column = WAIT_KEYS[grouping]
    where = "" if column is None else (
        f" WHERE {column} IS NULL" if key_is_null else f" WHERE {column} = :key")
    return _bind(sa.text("WITH" + _waits(scope) + f"\nSELECT us FROM waits{where}"), scope)
