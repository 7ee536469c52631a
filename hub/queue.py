"""The service point's queue at the hub: tickets, counters, officers, every move stamped.

:class:`HubQueue` is the one place that changes the queue. Each move is checked against the
core's rules (:func:`kiosk.servicepoint.tickets.next_state`), written with its time in the
same transaction as the ticket, and recorded as a :class:`QueueEvent` with a UUID (the
idempotency key when it is forwarded to the city). Listeners (the display's live stream)
are told after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hub.database import HubDatabase
from kiosk import clock
from kiosk.kinds.queue_ticket import PriorityGroup
from kiosk.kinds.rating import RatingLevel
from kiosk.servicepoint.counters import Counter, CounterState, Officer
from kiosk.servicepoint.ordering import (
    Candidate,
    OrderingRule,
    RuleKind,
    choose_next,
    count_after_call,
)
from kiosk.servicepoint.ticket_page import page_token
from kiosk.servicepoint.tickets import (
    AT_COUNTER_STATES,
    CALLABLE_STATES,
    TicketAction,
    TicketState,
    TransitionError,
    next_state,
)
from kiosk.technician_pin import hash_pin, verify_pin

OFFICER_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
#: Finished tickets the average service time is taken over (the recent pace, not the day's).
AVERAGE_OVER = 20


class QueueError(ValueError):
    """A request the queue refuses (unknown counter, nothing to call, a wrong move)."""


class ConflictError(QueueError):
    """A known submission UUID sent again with a different ticket: never overwritten."""


class AlreadyRatedError(QueueError):
    """A second rating for a ticket: one per served ticket."""


@dataclass(frozen=True)
class Ticket:
    """A ticket as the hub holds it."""

    id: int
    submission_uuid: str
    number: str
    service: str
    priority: PriorityGroup
    kiosk_id: str
    service_day: str
    issued_at: dt.datetime
    state: TicketState
    counter: int | None
    officer: str | None
    target_counter: int | None
    called_at: dt.datetime | None
    serving_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class QueueEvent:
    """One move of one ticket (what the display shows, what the city receives)."""

    seq: int
    uuid: str
    action: TicketAction
    #: The ticket as it is now (its state and service may have moved on since).
    ticket: Ticket
    #: The ticket's state and service right after this move.
    state: TicketState
    service: str
    counter: int | None
    officer: str | None
    at: dt.datetime
    #: For RATE: the citizen's rating of the service.
    rating: RatingLevel | None = None


@dataclass(frozen=True)
class NewTicket:
    """A ticket a kiosk issued, as it registers it at the hub."""

    submission_uuid: str
    number: str
    service: str
    priority: PriorityGroup
    kiosk_id: str
    service_day: str
    issued_at: dt.datetime

    def fingerprint(self) -> str:
        """What must match when the same UUID is sent again."""
        body = [self.number, self.service, self.priority.value, self.kiosk_id,
                self.service_day]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


@dataclass(frozen=True)
class ServiceInfo:
    """A queue service and its names."""

    code: str
    name: str
    name_en: str | None


@dataclass(frozen=True)
class ServiceLoad:
    """How one service stands now (what kiosks show as people ahead and wait)."""

    service: str
    waiting: int
    priority_waiting: int
    counters_open: int
    average_service_seconds: int | None


@dataclass(frozen=True)
class Position:
    """Where one ticket stands."""

    ticket: Ticket
    #: Tickets to be called before it (0 once it is called).
    people_ahead: int
    load: ServiceLoad


Listener = Callable[[QueueEvent], None]


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"], submission_uuid=row["submission_uuid"], number=row["number"],
        service=row["service"], priority=PriorityGroup(row["priority_group"]),
        kiosk_id=row["kiosk_id"], service_day=row["service_day"],
        issued_at=dt.datetime.fromisoformat(row["issued_at"]), state=TicketState(row["state"]),
        counter=row["counter"], officer=row["officer"], target_counter=row["target_counter"],
        called_at=_time(row["called_at"]), serving_at=_time(row["serving_at"]),
        finished_at=_time(row["finished_at"]),
    )


def _counter(row: sqlite3.Row) -> Counter:
    return Counter(row["number"], row["name"], tuple(json.loads(row["services"])),
                   CounterState(row["state"]), row["officer"], row["regular_since_priority"])


class HubQueue:
    """The queue of one service point, over its database.

    ``now`` is the hub's clock (tests inject one); service days follow it in Hanoi time.
    """

    def __init__(self, db: HubDatabase, *, now: Callable[[], dt.datetime] = clock.now) -> None:
        self.db = db
        self.now = now
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every event, after its transaction committed."""
        self._listeners.append(listener)

    def _stamp(self) -> str:
        return self.now().astimezone(clock.HANOI).isoformat(timespec="milliseconds")

    def service_day(self) -> str:
        """Today at the service point (Hanoi time)."""
        return self.now().astimezone(clock.HANOI).date().isoformat()

    # -- set-up ---------------------------------------------------------------------------

    def add_service(self, code: str, name: str, name_en: str | None = None) -> None:
        """Add or rename a queue service (codes as in the kiosk's catalog: ``A``)."""
        with self.db.write() as db:
            db.execute("INSERT INTO services (code, name, name_en) VALUES (?, ?, ?) "
                       "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                       "name_en = excluded.name_en", [code, name, name_en])

    def add_counter(self, number: int, name: str, services: Sequence[str]) -> None:
        """Add a counter or change the services it serves."""
        known = {service.code for service in self.services()}
        unknown = sorted(set(services) - known)
        if unknown or not services:
            raise QueueError(f"a counter serves known services; unknown: {unknown}")
        with self.db.write() as db:
            db.execute("INSERT INTO counters (number, name, services) VALUES (?, ?, ?) "
                       "ON CONFLICT (number) DO UPDATE SET name = excluded.name, "
                       "services = excluded.services",
                       [number, name, json.dumps(list(services))])

    def add_officer(self, login: str, name: str, pin: str) -> None:
        """Add an officer or change their PIN (6 to 12 digits, kept as a scrypt hash).

        Logins are 1 to 40 letters, digits, '.', '_' or '-' (they travel to the city)."""
        if OFFICER_LOGIN.fullmatch(login) is None:
            raise QueueError(f"{login!r}: a login is 1 to 40 letters, digits, '.', '_' or '-'")
        stored = hash_pin(pin)
        with self.db.write() as db:
            db.execute("INSERT INTO officers (login, name, pin_hash) VALUES (?, ?, ?) "
                       "ON CONFLICT (login) DO UPDATE SET name = excluded.name, "
                       "pin_hash = excluded.pin_hash", [login, name, stored])

    def verify_officer(self, login: str, pin: str) -> Officer | None:
        """The officer if ``pin`` is theirs, else None."""
        row = self.db.connection().execute(
            "SELECT login, name, pin_hash FROM officers WHERE login = ?", [login]
        ).fetchone()
        if row is None or not verify_pin(pin, row["pin_hash"]):
            return None
        return Officer(row["login"], row["name"])

    def officer(self, login: str) -> Officer | None:
        """An officer by login."""
        row = self.db.connection().execute(
            "SELECT login, name FROM officers WHERE login = ?", [login]).fetchone()
        return None if row is None else Officer(row["login"], row["name"])

    def add_kiosk(self, kiosk_id: str) -> str:
        """Enrol a kiosk; its new token (shown once, kept as a hash)."""
        token = secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.db.write() as db:
            db.execute("INSERT INTO kiosks (kiosk_id, token_sha256) VALUES (?, ?) "
                       "ON CONFLICT (kiosk_id) DO UPDATE SET token_sha256 = excluded."
                       "token_sha256", [kiosk_id, digest])
        return token

    def add_kiosk_token(self, kiosk_id: str, token: str) -> None:
        """Enrol a kiosk with a token it already has (the demo's published token)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.db.write() as db:
            db.execute("INSERT OR REPLACE INTO kiosks (kiosk_id, token_sha256) VALUES (?, ?)",
                       [kiosk_id, digest])

    def kiosk_for_token(self, token: str) -> str | None:
        """The kiosk a token belongs to (None: unknown)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = self.db.connection().execute(
            "SELECT kiosk_id FROM kiosks WHERE token_sha256 = ?", [digest]).fetchone()
        return None if row is None else str(row["kiosk_id"])

    def rule(self) -> OrderingRule:
        """The point's ordering rule (the default until one is set)."""
        row = self.db.connection().execute(
            "SELECT value FROM settings WHERE key = 'ordering_rule'").fetchone()
        if row is None:
            return OrderingRule()
        data = json.loads(row["value"])
        return OrderingRule(RuleKind(data["kind"]), int(data["every_n_regular"]),
                            int(data["priority_head_start_seconds"]))

    def set_rule(self, rule: OrderingRule) -> None:
        """Change the point's ordering rule."""
        value = json.dumps({"kind": rule.kind.value, "every_n_regular": rule.every_n_regular,
                            "priority_head_start_seconds": rule.priority_head_start_seconds})
        with self.db.write() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES "
                       "('ordering_rule', ?)", [value])

    # -- reading --------------------------------------------------------------------------

    def services(self) -> list[ServiceInfo]:
        """Every queue service, by code."""
        return [ServiceInfo(row["code"], row["name"], row["name_en"])
                for row in self.db.connection().execute(
                    "SELECT code, name, name_en FROM services ORDER BY code")]

    def counters(self) -> list[Counter]:
        """Every counter, by number."""
        return [_counter(row) for row in self.db.connection().execute(
            "SELECT * FROM counters ORDER BY number")]

    def counter(self, number: int) -> Counter:
        """One counter (QueueError if unknown)."""
        row = self.db.connection().execute(
            "SELECT * FROM counters WHERE number = ?", [number]).fetchone()
        if row is None:
            raise QueueError(f"no counter {number}")
        return _counter(row)

    def ticket(self, ticket_id: int) -> Ticket:
        """One ticket by id."""
        row = self.db.connection().execute(
            "SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        if row is None:
            raise QueueError(f"no ticket {ticket_id}")
        return _ticket(row)

    def ticket_by_uuid(self, submission_uuid: str) -> Ticket | None:
        """A ticket by its kiosk's submission UUID."""
        row = self.db.connection().execute(
            "SELECT * FROM tickets WHERE submission_uuid = ?", [submission_uuid]).fetchone()
        return None if row is None else _ticket(row)

    def current(self, counter: int) -> Ticket | None:
        """The ticket called or being served at ``counter``."""
        row = self.db.connection().execute(
            "SELECT * FROM tickets WHERE counter = ? AND state IN (?, ?) "
            "ORDER BY called_at DESC LIMIT 1",
            [counter, *(state.value for state in sorted(AT_COUNTER_STATES,
                                                        key=lambda s: s.value))],
        ).fetchone()
        return None if row is None else _ticket(row)

    def waiting(self, services: Sequence[str] | None = None) -> list[Ticket]:
        """Today's callable tickets (of ``services``), in the hub's receipt order."""
        rows = self.db.connection().execute(
            "SELECT * FROM tickets WHERE service_day = ? AND state IN (?, ?) ORDER BY id",
            [self.service_day(), TicketState.WAITING.value, TicketState.TRANSFERRED.value],
        )
        tickets = [_ticket(row) for row in rows]
        if services is None:
            return tickets
        return [ticket for ticket in tickets if ticket.service in services]

    def day_tickets(self) -> list[Ticket]:
        """Every ticket of today, in the hub's receipt order."""
        rows = self.db.connection().execute(
            "SELECT * FROM tickets WHERE service_day = ? ORDER BY id", [self.service_day()])
        return [_ticket(row) for row in rows]

    def last_event_seq(self) -> int:
        """The sequence number of the latest event (0: none yet): it moves with every change."""
        row = self.db.connection().execute("SELECT max(seq) FROM ticket_events").fetchone()
        return int(row[0] or 0)

    def recent_calls(self, limit: int) -> list[QueueEvent]:
        """Today's latest calls and recalls, newest first."""
        rows = self.db.connection().execute(
            "SELECT e.* FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE t.service_day = ? AND e.action IN ('call', 'recall') "
            "ORDER BY e.seq DESC LIMIT ?", [self.service_day(), limit]).fetchall()
        return [self._event(row) for row in rows]

    def event(self, seq: int) -> QueueEvent:
        """One event by its sequence number."""
        row = self.db.connection().execute(
            "SELECT * FROM ticket_events WHERE seq = ?", [seq]).fetchone()
        if row is None:
            raise QueueError(f"no event {seq}")
        return self._event(row)

    def _event(self, row: sqlite3.Row) -> QueueEvent:
        return QueueEvent(row["seq"], row["uuid"], TicketAction(row["action"]),
                          self.ticket(row["ticket_id"]), TicketState(row["state"]),
                          row["service"], row["counter"], row["officer"],
                          dt.datetime.fromisoformat(row["at"]),
                          RatingLevel(row["rating"]) if row["rating"] else None)

    def loads(self) -> list[ServiceLoad]:
        """Every service's load now (waiting, counters open, recent pace)."""
        # Counted in SQL: the display asks after every call, with hundreds waiting.
        counts = {
            row[0]: (int(row[1]), int(row[2]))
            for row in self.db.connection().execute(
                "SELECT service, count(*), sum(priority_group != 'none') FROM tickets "
                "WHERE service_day = ? AND state IN (?, ?) GROUP BY service",
                [self.service_day(), TicketState.WAITING.value,
                 TicketState.TRANSFERRED.value])
        }
        counters = [c for c in self.counters() if c.state is CounterState.OPEN]
        return [
            ServiceLoad(service.code, *counts.get(service.code, (0, 0)),
                        sum(c.serves(service.code) for c in counters),
                        self._average_service_seconds(service.code))
            for service in self.services()
        ]

    def _average_service_seconds(self, service: str) -> int | None:
        rows = self.db.connection().execute(
            "SELECT called_at, finished_at FROM tickets WHERE service_day = ? AND "
            "service = ? AND state = 'done' ORDER BY finished_at DESC LIMIT ?",
            [self.service_day(), service, AVERAGE_OVER]).fetchall()
        if not rows:
            return None
        seconds = [(dt.datetime.fromisoformat(row["finished_at"])
                    - dt.datetime.fromisoformat(row["called_at"])).total_seconds()
                   for row in rows]
        return round(sum(seconds) / len(seconds))

    def position(self, submission_uuid: str) -> Position | None:
        """Where a kiosk's ticket stands: the callable tickets before it in its service.

        Before a priority ticket: the priority tickets received before it. Before a
        regular one: the regular tickets received before it and every priority ticket
        waiting (they are called first, a few at a time).
        """
        ticket = self.ticket_by_uuid(submission_uuid)
        if ticket is None:
            return None
        load = next((load for load in self.loads() if load.service == ticket.service),
                    ServiceLoad(ticket.service, 0, 0, 0, None))
        if ticket.state not in CALLABLE_STATES:
            return Position(ticket, 0, load)
        priority = ticket.priority is not PriorityGroup.NONE
        ahead = 0
        for other in self.waiting([ticket.service]):
            other_priority = other.priority is not PriorityGroup.NONE
            earlier_same_kind = other.id < ticket.id and other_priority == priority
            if earlier_same_kind or (other_priority and not priority):
                ahead += 1
        return Position(ticket, ahead, load)

    # -- kiosks ---------------------------------------------------------------------------

    def register(self, new: NewTicket) -> tuple[Ticket, bool]:
        """Put a kiosk's ticket in the queue, once: the same UUID again is answered with
        the ticket already there (False); with a different ticket, ConflictError."""
        fingerprint = new.fingerprint()
        with self.db.write() as db:
            row = db.execute("SELECT * FROM tickets WHERE submission_uuid = ?",
                             [new.submission_uuid]).fetchone()
            if row is not None:
                if row["body_sha256"] != fingerprint:
                    raise ConflictError(
                        f"ticket {new.submission_uuid} is already registered with other data")
                return _ticket(row), False
            if not db.execute("SELECT 1 FROM services WHERE code = ?",
                              [new.service]).fetchone():
                raise QueueError(f"unknown service {new.service!r}")
            if db.execute("SELECT 1 FROM tickets WHERE service_day = ? AND number = ?",
                          [new.service_day, new.number]).fetchone():
                raise ConflictError(f"number {new.number} is already taken today")
            stamp = self._stamp()
            cursor = db.execute(
                "INSERT INTO tickets (submission_uuid, body_sha256, number, service, "
                "priority_group, kiosk_id, service_day, issued_at, received_at, state, "
                "updated_at, page_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [new.submission_uuid, fingerprint, new.number, new.service,
                 new.priority.value, new.kiosk_id, new.service_day,
                 new.issued_at.isoformat(), stamp, TicketState.WAITING.value, stamp,
                 page_token(new.submission_uuid)])
            ticket_id = int(cursor.lastrowid or 0)
            event = self._record(db, ticket_id, TicketAction.ISSUE, counter=None,
                                 officer=None, stamp=stamp)
        self._tell(event)
        return event.ticket, True

    # -- counters -------------------------------------------------------------------------

    def open_counter(self, number: int, officer: str) -> Counter:
        """``officer`` takes ``number`` (another officer there is replaced)."""
        self.counter(number)
        with self.db.write() as db:
            db.execute("UPDATE counters SET state = ?, officer = ? WHERE number = ?",
                       [CounterState.OPEN.value, officer, number])
        return self.counter(number)

    def set_paused(self, number: int, paused: bool) -> Counter:
        """Pause (nobody is called here) or resume an open counter."""
        counter = self.counter(number)
        if counter.state is CounterState.CLOSED:
            raise QueueError(f"counter {number} is closed")
        state = CounterState.PAUSED if paused else CounterState.OPEN
        with self.db.write() as db:
            db.execute("UPDATE counters SET state = ? WHERE number = ?", [state.value, number])
        return self.counter(number)

    def close_counter(self, number: int) -> None:
        """Nobody at ``number`` any more (the officer signed out)."""
        with self.db.write() as db:
            db.execute("UPDATE counters SET state = ?, officer = NULL WHERE number = ?",
                       [CounterState.CLOSED.value, number])

    # -- moves ----------------------------------------------------------------------------

    def call_next(self, number: int) -> QueueEvent | None:
        """Call the next ticket for counter ``number`` by the ordering rule (None: nobody
        waits). The ticket at the counter, if still called or served, must be finished,
        skipped or transferred first."""
        rule = self.rule()
        with self.db.write() as db:
            counter = self._open_counter(db, number)
            self._counter_free(db, number)
            rows = db.execute(
                "SELECT * FROM tickets WHERE service_day = ? AND state IN (?, ?) ORDER BY id",
                [self.service_day(), TicketState.WAITING.value,
                 TicketState.TRANSFERRED.value]).fetchall()
            candidates = []
            for row in rows:
                ticket = _ticket(row)
                if ticket.target_counter is not None:
                    if ticket.target_counter != number:
                        continue
                elif not counter.serves(ticket.service):
                    continue
                candidates.append(Candidate(
                    ticket.id, ticket.id, ticket.priority is not PriorityGroup.NONE,
                    ticket.issued_at, ticket.state is TicketState.TRANSFERRED))
            chosen = choose_next(rule, candidates, counter.regular_since_priority)
            if chosen is None:
                return None
            db.execute("UPDATE counters SET regular_since_priority = ? WHERE number = ?",
                       [count_after_call(chosen, counter.regular_since_priority), number])
            event = self._move(db, chosen.ticket_id, TicketAction.CALL, counter)
        self._tell(event)
        return event

    def call_number(self, number: int, ticket_number: str) -> QueueEvent:
        """Call a ticket by its number (a citizen skipped earlier who came back, say)."""
        with self.db.write() as db:
            counter = self._open_counter(db, number)
            self._counter_free(db, number)
            row = db.execute("SELECT id FROM tickets WHERE service_day = ? AND number = ?",
                             [self.service_day(), ticket_number.strip().upper()]).fetchone()
            if row is None:
                raise QueueError(f"no ticket {ticket_number} today")
            event = self._move(db, row["id"], TicketAction.CALL, counter)
        self._tell(event)
        return event

    def act(self, number: int, action: TicketAction) -> QueueEvent:
        """Recall, start, finish or skip the ticket at counter ``number``."""
        if action not in {TicketAction.RECALL, TicketAction.START, TicketAction.FINISH,
                          TicketAction.SKIP}:
            raise QueueError(f"{action.value} is not a counter action")
        with self.db.write() as db:
            counter = self._open_counter(db, number, paused_ok=True)
            ticket = self._at_counter(db, number)
            event = self._move(db, ticket.id, action, counter)
        self._tell(event)
        return event

    def transfer(self, number: int, *, service: str | None = None,
                 to_counter: int | None = None) -> QueueEvent:
        """Send the ticket at counter ``number`` on: to another service's queue, or to one
        counter. It is called there before new tickets (its holder waited once)."""
        if (service is None) == (to_counter is None):
            raise QueueError("transfer to a service or to a counter")
        with self.db.write() as db:
            counter = self._open_counter(db, number, paused_ok=True)
            ticket = self._at_counter(db, number)
            target_service = service or ticket.service
            if service is not None and not db.execute(
                    "SELECT 1 FROM services WHERE code = ?", [service]).fetchone():
                raise QueueError(f"unknown service {service!r}")
            if to_counter is not None:
                if to_counter == number:
                    raise QueueError("transfer to another counter")
                if not db.execute("SELECT 1 FROM counters WHERE number = ?",
                                  [to_counter]).fetchone():
                    raise QueueError(f"no counter {to_counter}")
            db.execute("UPDATE tickets SET service = ?, target_counter = ? WHERE id = ?",
                       [target_service, to_counter, ticket.id])
            event = self._move(db, ticket.id, TicketAction.TRANSFER, counter)
        self._tell(event)
        return event

    # -- ratings --------------------------------------------------------------------------

    def rateable(self, counter: int, within: dt.timedelta) -> Ticket | None:
        """The ticket last finished at ``counter``, if that was less than ``within`` ago
        and it has no rating yet (what the counter's rating tablet offers to rate)."""
        row = self.db.connection().execute(
            "SELECT t.* FROM tickets t WHERE t.counter = ? AND t.state = ? "
            "ORDER BY t.finished_at DESC LIMIT 1", [counter, TicketState.DONE.value]
        ).fetchone()
        if row is None:
            return None
        ticket = _ticket(row)
        rated = self.db.connection().execute(
            "SELECT 1 FROM ratings WHERE ticket_id = ?", [ticket.id]).fetchone()
        finished = ticket.finished_at
        if rated or finished is None or self.now() - finished > within:
            return None
        return ticket

    def ticket_by_token(self, token: str) -> Ticket | None:
        """The ticket whose page token (its QR) is ``token``, of any day."""
        row = self.db.connection().execute(
            "SELECT * FROM tickets WHERE page_token = ?", [token]).fetchone()
        return None if row is None else _ticket(row)

    def is_rated(self, ticket_id: int) -> bool:
        """Whether the ticket has its rating already."""
        return self.db.connection().execute(
            "SELECT 1 FROM ratings WHERE ticket_id = ?", [ticket_id]).fetchone() is not None

    def rate(self, ticket_id: int, level: RatingLevel) -> QueueEvent:
        """The citizen's rating of a served ticket, tied to the counter and officer who
        served it; one per ticket (QueueError for a second, or a ticket not served)."""
        with self.db.write() as db:
            row = db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
            if row is None:
                raise QueueError(f"no ticket {ticket_id}")
            ticket = _ticket(row)
            try:
                next_state(ticket.state, TicketAction.RATE)
            except TransitionError as error:
                raise QueueError(f"{ticket.number}: {error}") from None
            if db.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", [ticket_id]).fetchone():
                raise AlreadyRatedError(f"{ticket.number} is already rated")
            stamp = self._stamp()
            db.execute("INSERT INTO ratings (ticket_id, level, counter, officer, at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [ticket_id, level.value, ticket.counter, ticket.officer, stamp])
            event = self._record(db, ticket_id, TicketAction.RATE, counter=ticket.counter,
                                 officer=ticket.officer, stamp=stamp, rating=level)
        self._tell(event)
        return event

    # -- forwarding -----------------------------------------------------------------------

    def unforwarded(self, limit: int) -> list[QueueEvent]:
        """Events the city has not acknowledged yet, oldest first."""
        rows = self.db.connection().execute(
            "SELECT * FROM ticket_events WHERE forwarded_at IS NULL ORDER BY seq LIMIT ?",
            [limit]).fetchall()
        return [self._event(row) for row in rows]

    def unforwarded_count(self) -> int:
        """How many events the city has not acknowledged yet (the forward backlog)."""
        row = self.db.connection().execute(
            "SELECT count(*) FROM ticket_events WHERE forwarded_at IS NULL").fetchone()
        return int(row[0])

    def mark_forwarded(self, uuids: Sequence[str]) -> int:
        """Record that the city acknowledged these events; how many were newly marked."""
        stamp = self._stamp()
        with self.db.write() as db:
            return sum(db.execute(
                "UPDATE ticket_events SET forwarded_at = ? WHERE uuid = ? AND "
                "forwarded_at IS NULL", [stamp, event_uuid]).rowcount for event_uuid in uuids)

    # -- inside transactions --------------------------------------------------------------

    def _open_counter(self, db: sqlite3.Connection, number: int, *,
                      paused_ok: bool = False) -> Counter:
        row = db.execute("SELECT * FROM counters WHERE number = ?", [number]).fetchone()
        if row is None:
            raise QueueError(f"no counter {number}")
        counter = _counter(row)
        allowed = {CounterState.OPEN}
        if paused_ok:
            allowed.add(CounterState.PAUSED)
        if counter.state not in allowed:
            raise QueueError(f"counter {number} is {counter.state.value}")
        return counter

    def _counter_free(self, db: sqlite3.Connection, number: int) -> None:
        if db.execute("SELECT number FROM tickets WHERE counter = ? AND state IN (?, ?)",
                      [number, TicketState.CALLED.value, TicketState.SERVING.value]
                      ).fetchone():
            raise QueueError("finish, skip or transfer the current ticket first")

    def _at_counter(self, db: sqlite3.Connection, number: int) -> Ticket:
        row = db.execute(
            "SELECT * FROM tickets WHERE counter = ? AND state IN (?, ?) "
            "ORDER BY called_at DESC LIMIT 1",
            [number, TicketState.CALLED.value, TicketState.SERVING.value]).fetchone()
        if row is None:
            raise QueueError(f"no ticket at counter {number}")
        return _ticket(row)

    def _move(self, db: sqlite3.Connection, ticket_id: int, action: TicketAction,
              counter: Counter) -> QueueEvent:
        row = db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        ticket = _ticket(row)
        if ticket.service_day != self.service_day():
            raise QueueError(f"ticket {ticket.number} is from {ticket.service_day}")
        try:
            state = next_state(ticket.state, action)
        except TransitionError as error:
            raise QueueError(f"{ticket.number}: {error}") from None
        stamp = self._stamp()
        column = {TicketAction.CALL: "called_at", TicketAction.RECALL: "called_at",
                  TicketAction.START: "serving_at", TicketAction.FINISH: "finished_at"}
        # Column names come from the table above, never from a request.
        sets = "state = ?, updated_at = ?, counter = ?, officer = ?"
        values: list[object] = [state.value, stamp, counter.number, counter.officer]
        if action in column:
            sets += f", {column[action]} = ?"
            values.append(stamp)
        if action is TicketAction.CALL:
            sets += ", target_counter = NULL"
        db.execute(f"UPDATE tickets SET {sets} WHERE id = ?",  # noqa: S608
                   [*values, ticket_id])
        return self._record(db, ticket_id, action, counter=counter.number,
                            officer=counter.officer, stamp=stamp)

    def _record(self, db: sqlite3.Connection, ticket_id: int, action: TicketAction, *,
                counter: int | None, officer: str | None, stamp: str,
                rating: RatingLevel | None = None) -> QueueEvent:
        row = db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        ticket = _ticket(row)
        event_uuid = str(uuid.uuid4())
        cursor = db.execute(
            "INSERT INTO ticket_events (uuid, ticket_id, action, state, service, counter, "
            "officer, at, rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event_uuid, ticket_id, action.value, ticket.state.value, ticket.service,
             counter, officer, stamp, None if rating is None else rating.value])
        return QueueEvent(int(cursor.lastrowid or 0), event_uuid, action, ticket,
                          ticket.state, ticket.service, counter, officer,
                          dt.datetime.fromisoformat(stamp), rating)

    def _tell(self, event: QueueEvent) -> None:
        for listener in self._listeners:
            listener(event)
