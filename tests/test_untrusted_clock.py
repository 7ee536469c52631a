"""Queue numbers and service days when the device clock is wrong (a Pi without a clock
battery boots in 1970, then NTP corrects it): no number twice, nothing dated 1970 at the
city."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk import storage
from kiosk.catalog import import_catalog
from kiosk.clock import HANOI
from kiosk.kinds import FeedbackCategory, FeedbackRequest, PriorityGroup, QueueTicketRequest
from kiosk.storage import Database, open_database
from kiosk.submissions import Outbox
from sync import wire
from sync.agent import to_wire
from tests.conftest import catalog_bytes

EPOCH = dt.datetime(1970, 1, 1, 7, 0, tzinfo=HANOI)
MORNING = dt.datetime(2026, 11, 27, 8, 0, tzinfo=HANOI)
ONE_MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def outbox(catalog_db: Database) -> Outbox:
    return Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1")


def tickets(outbox: Outbox, count: int, now: dt.datetime, service: str = "A") -> list[str]:
    numbers = []
    for minute in range(count):
        ticket = outbox.create(QueueTicketRequest(service=service), now=now + minute * ONE_MINUTE)
        assert ticket.ticket_number is not None
        numbers.append(ticket.ticket_number)
    return numbers


def test_numbers_issued_in_1970_are_not_issued_again_when_ntp_sets_the_same_morning(
    outbox: Outbox,
) -> None:
    # GIVEN a kiosk booted in 1970 that issues three tickets offline
    offline = tickets(outbox, 3, EPOCH)
    # WHEN NTP sets the real date the same morning and three more are issued
    online = tickets(outbox, 3, MORNING)
    # THEN the six numbers are distinct: the day continues after the untrusted ones
    assert offline + online == ["A1-001", "A1-002", "A1-003", "A1-004", "A1-005", "A1-006"]
    # AND the first three are marked as made under an untrusted clock
    assert [s.clock_untrusted for s in outbox.list()] == [True] * 3 + [False] * 3


def test_a_power_cut_mid_morning_rebooting_into_1970_continues_the_days_numbers(
    outbox: Outbox,
) -> None:
    # GIVEN two tickets this morning, then a reboot into 1970, then NTP again
    before = tickets(outbox, 2, MORNING)
    during = tickets(outbox, 2, EPOCH)
    after = tickets(outbox, 2, MORNING + dt.timedelta(hours=1))
    # THEN no number repeats, and each series (service, priority) keeps its own count
    assert before + during + after == [f"A1-00{n}" for n in range(1, 7)]
    assert tickets(outbox, 1, EPOCH, service="C") == ["C1-001"]
    priority = outbox.create(
        QueueTicketRequest(service="A", priority=PriorityGroup.ELDERLY), now=EPOCH
    )
    assert priority.ticket_number == "A1-U001"


def test_the_untrusted_series_never_restarts_and_the_next_day_starts_at_one(
    outbox: Outbox, tmp_path: Path
) -> None:
    # GIVEN tickets under a 1970 clock across a restart of the kiosk (a new connection)
    tickets(outbox, 2, EPOCH)
    again = Outbox(open_database(tmp_path / "kiosk.sqlite3"), kiosk_id="HN-4-K1",
                   queue_prefix="1")
    assert tickets(again, 2, EPOCH + dt.timedelta(hours=3)) == ["A1-003", "A1-004"]
    # WHEN the clock is right: that day continues, and the day after starts at 1 again
    assert tickets(again, 1, MORNING) == ["A1-005"]
    assert tickets(again, 1, MORNING + dt.timedelta(days=1)) == ["A1-001"]


def test_nothing_made_under_a_1970_clock_reaches_the_city_dated_1970(outbox: Outbox) -> None:
    # GIVEN a ticket and a feedback made in 1970, and a ticket made with the right clock
    outbox.create(QueueTicketRequest(service="A"), now=EPOCH)
    outbox.create(FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn hỏng"), now=EPOCH)
    outbox.create(QueueTicketRequest(service="A"), now=MORNING)
    # WHEN they are put on the wire as the agent sends them
    sent = [to_wire(delivery) for delivery in outbox.pending_deliveries(10)]
    # THEN the 1970 ones have no service day and say their clock was untrusted
    assert [(s.service_day, s.clock_untrusted) for s in sent] == [
        (None, True), (None, True), ("2026-11-27", False)
    ]
    bodies = [wire.canonical_json(s).decode() for s in sent]
    # AND a trusted body has no clock_untrusted key: the same bytes as earlier releases
    assert '"clock_untrusted"' not in bodies[2] and '"clock_untrusted":true' in bodies[0]


def _wire_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "uuid": str(uuid.uuid4()), "kiosk_id": "K1", "kiosk_seq": 1, "kind": "rating",
        "receipt_code": "ABCDEFGH", "service_day": "2026-11-27",
        "created_at": "2026-11-27T08:00:00+07:00",
        "details": {"level": "satisfied", "counter": None, "ticket_number": None},
    }
    return {**item, **changes}


@pytest.mark.parametrize(
    "changes",
    [{"service_day": None}, {"clock_untrusted": True}, {"service_day": None,
                                                        "clock_untrusted": False}],
)
def test_the_wire_has_a_service_day_exactly_when_the_clock_was_trusted(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError, match="clock_untrusted"):
        wire.wire_submission(_wire_item(**changes))
    wire.wire_submission(_wire_item())
    wire.wire_submission(_wire_item(service_day=None, clock_untrusted=True))


def test_rows_an_earlier_release_dated_1970_are_marked_and_their_numbers_continued(
    tmp_path: Path, small_catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a schema-4 database where the earlier release issued A1-001..003 in 1970
    path = tmp_path / "kiosk.db"
    monkeypatch.setattr(storage, "MIGRATIONS", storage.MIGRATIONS[:4])
    monkeypatch.setattr(storage, "SCHEMA_VERSION", 4)
    old = open_database(path)
    old.execute("INSERT INTO queue_counters VALUES ('1970-01-01', 'A', 'normal', 3)")
    old.execute("INSERT INTO queue_counters VALUES ('2026-11-26', 'A', 'normal', 40)")
    for number in range(1, 4):
        old.table("submissions").insert({
            "uuid": str(uuid.uuid4()), "kind": "queue_ticket", "receipt_code": f"ABCDEFG{number}",
            "kiosk_id": "HN-4-K1", "service_day": "1970-01-01",
            "created_at": "1970-01-01T07:00:00+07:00", "ticket_number": f"A1-00{number}",
            "details": json.dumps({"service": "A", "priority": "none"}),
        })
    old.conn.close()
    monkeypatch.undo()
    # WHEN this release opens it (its catalog as this release stores catalogs) and NTP has
    # set the real date the same morning
    outbox = Outbox(open_database(path), kiosk_id="HN-4-K1", queue_prefix="1")
    import_catalog(outbox.db, catalog_bytes(small_catalog))
    outbox.db.execute("INSERT INTO outbox (submission_uuid, state) "
                      "SELECT uuid, 'pending' FROM submissions")
    # THEN the old 1970 rows are marked untrusted and the day continues after A1-003
    assert [s.clock_untrusted for s in outbox.list()] == [True] * 3
    assert tickets(outbox, 1, MORNING) == ["A1-004"]
    assert outbox.db.execute(
        "SELECT count(*) FROM queue_counters WHERE service_day = '1970-01-01'"
    ).fetchone()[0] == 0
