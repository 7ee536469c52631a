"""A service point's queue, on SQLite and on PostgreSQL: the back office publishes it
(``PUT /v1/queue/{unit}``, or ``kiosk backend publish-queue``), kiosks read it, a delayed
publication never replaces a newer one, and refused ones write nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from office.store import NotNewerError, Principal, Role
from sync import wire
from tests.conftest import Result
from tests.sync.conftest import Backend

Run = Callable[..., Result]
DEMO_UNIT = 4  # Phường Ba Đình, the demo kiosk's commune_code
OTHER_UNIT = 8  # Phường Ngọc Hà: known, nothing published
UNKNOWN_UNIT = 99999
SERVICES = [
    {"service": "A", "waiting": 6, "priority_waiting": 1, "counters_open": 2,
     "average_service_seconds": 420},
    {"service": "D", "waiting": 4, "counters_open": 0, "average_service_seconds": 540},
    {"service": "E", "waiting": 1, "counters_open": 1},
]
#: SERVICES as served: the defaults filled in.
SERVED = [
    SERVICES[0],
    {**SERVICES[1], "priority_waiting": 0},
    {**SERVICES[2], "priority_waiting": 0, "average_service_seconds": None},
]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def path(unit_code: int) -> str:
    return wire.Endpoint.QUEUE.value.format(unit_code=unit_code)


def minutes_ago(minutes: float) -> dt.datetime:
    """A moment before now (UTC, whole seconds): publications may not be ahead of the clock."""
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).replace(microsecond=0)


def publication(published_at: dt.datetime, services: list[dict[str, Any]] | None = None
                ) -> dict[str, Any]:
    return {"published_at": published_at.isoformat(),
            "services": SERVICES if services is None else services}


def queue_rows(backend: Backend) -> int:
    return backend.counts()["queue_states"]


@pytest.fixture
def office(backend: Backend) -> dict[str, str]:
    return auth(backend.token("OFFICE", Role.BACK_OFFICE))


@pytest.fixture
def kiosk_token(backend: Backend) -> dict[str, str]:
    return auth(backend.token("DEMO-K1"))


def test_a_published_queue_is_read_back_exactly_by_kiosks(
    api: TestClient, office: dict[str, str], kiosk_token: dict[str, str]
) -> None:
    # GIVEN a queue stamped with the back office's clock in Hà Nội time
    moment = minutes_ago(1).astimezone(dt.timezone(dt.timedelta(hours=7)))
    # WHEN the back office publishes it for the demo service point
    published = api.put(path(DEMO_UNIT), json=publication(moment), headers=office)
    # THEN the answer is what is now served: the services with their defaults, the same
    # instant in UTC, and the backend's clock
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["unit_code"] == DEMO_UNIT
    assert body["services"] == SERVED
    assert dt.datetime.fromisoformat(body["published_at"]) == moment
    assert body["published_at"].endswith("Z")
    assert body["received_at"] >= moment.astimezone(dt.UTC).isoformat()[:19]
    # AND a kiosk token (and the back office) reads exactly that back
    read = api.get(path(DEMO_UNIT), headers=kiosk_token)
    assert (read.status_code, read.json()) == (200, body)
    assert api.get(path(DEMO_UNIT), headers=office).json() == body
    # AND another service point still has none
    assert api.get(path(OTHER_UNIT), headers=kiosk_token).status_code == 404


def test_only_back_office_tokens_publish_and_only_known_tokens_read(
    api: TestClient, backend: Backend, office: dict[str, str], kiosk_token: dict[str, str]
) -> None:
    body = publication(minutes_ago(1))
    # WHEN a kiosk token publishes THEN 403, nothing written
    refused = api.put(path(DEMO_UNIT), json=body, headers=kiosk_token)
    assert (refused.status_code, refused.json()) == (
        403, {"detail": "this endpoint is for back-office tokens"})
    # WHEN an unknown token, or none, publishes or reads THEN 401, nothing written
    for headers in (auth("x" * 43), {}):
        assert api.put(path(DEMO_UNIT), json=body, headers=headers).status_code == 401
        assert api.get(path(DEMO_UNIT), headers=headers).status_code == 401
    assert queue_rows(backend) == 0
    # AND a revoked back-office token is refused too
    revoked = backend.token("GONE", Role.BACK_OFFICE)
    backend.store.revoke("GONE")
    assert api.put(path(DEMO_UNIT), json=body, headers=auth(revoked)).status_code == 401
    assert queue_rows(backend) == 0
    assert api.put(path(DEMO_UNIT), json=body, headers=office).status_code == 200


def test_unknown_units_and_unpublished_queues_are_404(
    api: TestClient, backend: Backend, office: dict[str, str], kiosk_token: dict[str, str]
) -> None:
    # GIVEN nothing published
    # WHEN a known unit is read THEN 404, saying nothing is published for it
    nothing = api.get(path(DEMO_UNIT), headers=kiosk_token)
    assert (nothing.status_code, nothing.json()) == (
        404, {"detail": f"no queue published for unit {DEMO_UNIT}"})
    # WHEN a unit code no commune or ward has is read or published THEN 404, nothing written
    unknown = {"detail": f"unknown unit code {UNKNOWN_UNIT}: not a Hà Nội commune or ward "
                         "(kiosk/data/communes-hanoi.json) nor a unit the operator loaded "
                         "(kiosk backend load-units)"}
    read = api.get(path(UNKNOWN_UNIT), headers=kiosk_token)
    assert (read.status_code, read.json()) == (404, unknown)
    put = api.put(path(UNKNOWN_UNIT), json=publication(minutes_ago(1)), headers=office)
    assert (put.status_code, put.json()) == (404, unknown)
    assert queue_rows(backend) == 0
    # AND a code outside any unit's range does not fit the schema
    assert api.get(path(0), headers=kiosk_token).status_code == 422
    letters = wire.Endpoint.QUEUE.value.format(unit_code="A")
    assert api.get(letters, headers=kiosk_token).status_code == 422


def test_a_publication_not_later_than_the_served_one_is_refused(
    api: TestClient, backend: Backend, office: dict[str, str], kiosk_token: dict[str, str]
) -> None:
    # GIVEN a queue published at T
    moment = minutes_ago(3)
    served = api.put(path(DEMO_UNIT), json=publication(moment), headers=office).json()
    stale = [{"service": "A", "waiting": 40, "counters_open": 1}]
    hanoi = dt.timezone(dt.timedelta(hours=7))
    for name, published_at in (("the same instant", moment),
                               ("the same instant in Hà Nội time", moment.astimezone(hanoi)),
                               ("a second earlier", moment - dt.timedelta(seconds=1)),
                               ("a microsecond earlier", moment - dt.timedelta(microseconds=1))):
        # WHEN one stamped no later arrives (a delayed or repeated publication)
        refused = api.put(path(DEMO_UNIT), json=publication(published_at, stale),
                          headers=office)
        # THEN it is refused with 409, saying which one is served; the served one is unchanged
        assert refused.status_code == 409, name
        utc = published_at.astimezone(dt.UTC)
        expected = (f"the queue of unit {DEMO_UNIT} published at "
                    f"{moment.isoformat(timespec='microseconds')} is served; publish a later "
                    f"one than {utc.isoformat(timespec='microseconds')}")
        assert refused.json() == {"detail": expected}, name
        assert api.get(path(DEMO_UNIT), headers=kiosk_token).json() == served, name
    # AND one a microsecond later replaces it
    later = moment + dt.timedelta(microseconds=1)
    replaced = api.put(path(DEMO_UNIT), json=publication(later, stale), headers=office)
    assert replaced.status_code == 200
    now_served = api.get(path(DEMO_UNIT), headers=kiosk_token).json()
    assert now_served["services"] == [{**stale[0], "priority_waiting": 0,
                                       "average_service_seconds": None}]
    assert dt.datetime.fromisoformat(now_served["published_at"]) == later
    assert queue_rows(backend) == 1


@pytest.mark.parametrize(("name", "body", "message"), [
    ("a service twice",
     {"services": [SERVICES[0], {**SERVICES[0], "waiting": 2, "priority_waiting": 0}]},
     "Value error, each service may appear once"),
    ("more priority tickets than tickets",
     {"services": [{"service": "B", "waiting": 2, "priority_waiting": 3, "counters_open": 1}]},
     "Value error, service B: priority_waiting exceeds waiting"),
    ("a time without a zone",
     {"published_at": "2026-11-27T08:00:00", "services": SERVICES},
     "Input should have timezone info"),
    ("a service code that is not one capital letter",
     {"services": [{"service": "a1", "waiting": 1, "counters_open": 1}]},
     "String should match pattern '^[A-Z]$'"),
    ("a negative count",
     {"services": [{"service": "A", "waiting": -1, "counters_open": 1}]},
     "Input should be greater than or equal to 0"),
    ("an unknown key",
     {"services": SERVICES, "note": "x"},
     "Extra inputs are not permitted"),
])
def test_an_invalid_publication_is_refused_and_writes_nothing(
    api: TestClient, backend: Backend, office: dict[str, str], kiosk_token: dict[str, str],
    name: str, body: dict[str, Any], message: str,
) -> None:
    # GIVEN a publication that breaks the schema
    sent = {"published_at": minutes_ago(1).isoformat(), **body}
    # WHEN it is published THEN 422, naming the problem
    refused = api.put(path(DEMO_UNIT), json=sent, headers=office)
    assert refused.status_code == 422, name
    assert [error["msg"] for error in refused.json()["detail"]] == [message], name
    # AND nothing is written: still nothing served
    assert queue_rows(backend) == 0
    assert api.get(path(DEMO_UNIT), headers=kiosk_token).status_code == 404


def test_a_publication_from_the_future_cannot_freeze_a_service_point(
    api: TestClient, backend: Backend, office: dict[str, str]
) -> None:
    # GIVEN a back office whose clock is a year ahead
    ahead = minutes_ago(-365 * 24 * 60)
    # WHEN it publishes THEN 422: served, it would have refused every real one for a year
    refused = api.put(path(DEMO_UNIT), json=publication(ahead), headers=office)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("published_at is 365 days ahead of the "
                                               "backend's clock (at most 5 minutes)")
    # AND one out of range once in UTC is a 422 too, never a 500
    tiny = {"published_at": "0001-01-01T00:00:00+05:00", "services": []}
    assert api.put(path(DEMO_UNIT), json=tiny, headers=office).json() == {
        "detail": "published_at 0001-01-01T00:00:00+05:00 is out of range"}
    assert queue_rows(backend) == 0
    # AND a clock a minute ahead is within the tolerated skew
    assert api.put(path(DEMO_UNIT), json=publication(minutes_ago(-1)),
                   headers=office).status_code == 200


def test_concurrent_publications_leave_the_latest_served(backend: Backend) -> None:
    # GIVEN 24 publications of one unit, stamped a second apart, sent all at once
    start = minutes_ago(4)
    moments = [start + dt.timedelta(seconds=index) for index in range(24)]
    office = Principal("OFFICE", Role.BACK_OFFICE)

    def send(moment: dt.datetime) -> str:
        body = wire.QueuePublication(
            published_at=moment,
            services=[wire.ServiceQueue(service="A", waiting=moment.second, counters_open=1)])
        try:
            backend.store.publish_queue(DEMO_UNIT, body, office)
        except NotNewerError:
            return "refused"
        return "served"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, reversed(moments)))
    # THEN each is served or refused (never an error), and the latest is the one served
    assert set(outcomes) <= {"served", "refused"}
    assert outcomes[0] == "served"  # the latest was sent first: it is never replaced
    state = backend.store.queue_state(DEMO_UNIT)
    assert state is not None
    assert (state.published_at, state.services[0].waiting) == (moments[-1],
                                                                moments[-1].second)
    assert queue_rows(backend) == 1


# -- the command line -------------------------------------------------------------------------


def _cli_home(kiosk: Run, tmp_path: Path, backend: Backend) -> list[str]:
    home = ["--home", str(tmp_path / "home"), "--db", backend.url]
    assert kiosk("backend", "keygen", *home).status == 0
    return home


def test_publish_queue_and_queue_round_trip_on_the_command_line(
    kiosk: Run, backend: Backend, tmp_path: Path
) -> None:
    home = _cli_home(kiosk, tmp_path, backend)
    # GIVEN nothing published: `queue` says so, exit 1
    none = kiosk("backend", "queue", str(DEMO_UNIT), *home)
    assert (none.status, none.out, none.err) == (
        1, "", f"kiosk: no queue published for unit {DEMO_UNIT}\n")
    # WHEN a file without published_at is published
    queue_file = tmp_path / "queue.json"
    queue_file.write_text(json.dumps({"services": SERVICES}), encoding="utf-8")
    before = dt.datetime.now(dt.UTC)
    published = kiosk("backend", "publish-queue", str(DEMO_UNIT), str(queue_file), "--json",
                      *home)
    after = dt.datetime.now(dt.UTC)
    # THEN it is stamped now, and what is served is printed
    assert published.status == 0, published.err
    state = published.json()
    assert before <= dt.datetime.fromisoformat(state["published_at"]) <= after
    assert (state["unit_code"], state["services"]) == (DEMO_UNIT, SERVED)
    # AND `queue` and a kiosk over HTTP read the same back
    assert kiosk("backend", "queue", str(DEMO_UNIT), "--json", *home).json() == state
    stored = backend.store.queue_state(DEMO_UNIT)
    assert stored is not None and stored.model_dump(mode="json") == state
    human = kiosk("backend", "queue", str(DEMO_UNIT), *home)
    stamp = dt.datetime.fromisoformat(state["published_at"]).isoformat()
    assert human.out.splitlines() == [
        f"unit {DEMO_UNIT}: published at {stamp}, received {state['received_at']}",
        "  A  waiting 6 (1 priority), 2 counter(s) open, average 420 s",
        "  D  waiting 4 (0 priority), 0 counter(s) open, average 540 s",
        "  E  waiting 1 (0 priority), 1 counter(s) open, average unknown",
    ]
    # AND the same file again (stamped now, later) replaces it; an older stamp is refused
    assert kiosk("backend", "publish-queue", str(DEMO_UNIT), str(queue_file),
                 *home).status == 0
    old = tmp_path / "old.json"
    old.write_text(json.dumps(publication(before)), encoding="utf-8")
    refused = kiosk("backend", "publish-queue", str(DEMO_UNIT), str(old), *home)
    assert refused.status == 2
    assert refused.err.startswith("kiosk: refused, nothing published: the queue of unit 4 ")


def test_the_demo_queue_file_publishes_from_standard_input(
    kiosk: Run, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _cli_home(kiosk, tmp_path, backend)
    demo = Path(__file__).parents[2] / "kiosk" / "data" / "queue-demo.json"
    # GIVEN the shipped demo queue on standard input
    monkeypatch.setattr(sys, "stdin", io.StringIO(demo.read_text(encoding="utf-8")))
    # WHEN it is published for the demo service point
    published = kiosk("backend", "publish-queue", str(DEMO_UNIT), "-", "--json", *home)
    # THEN services A to E are served, one with no counter open, one with no average
    assert published.status == 0, published.err
    services = published.json()["services"]
    assert [entry["service"] for entry in services] == ["A", "B", "C", "D", "E"]
    assert services[0] == {"service": "A", "waiting": 6, "priority_waiting": 1,
                           "counters_open": 2, "average_service_seconds": 420}
    assert [entry["service"] for entry in services if entry["counters_open"] == 0] == ["D"]
    assert [e["service"] for e in services if e["average_service_seconds"] is None] == ["E"]


@pytest.mark.parametrize(("content", "message"), [
    ('{"services": [', "queue.json: not JSON: Expecting value: line 1 column 15 (char 14)"),
    ('{"services": [{"service": "A", "waiting": 1, "priority_waiting": 2, '
     '"counters_open": 1}]}',
     "queue.json: not a queue publication: service A: priority_waiting exceeds waiting"),
    ('{"published_at": "2026-11-27T08:00:00", "services": []}',
     "queue.json: not a queue publication: published_at: Input should have timezone info"),
    ('{"services": [{"service": "A", "waiting": "many", "counters_open": -1}]}',
     "queue.json: not a queue publication: services.0.waiting: Input should be a valid "
     "integer, unable to parse string as an integer (and 1 more)"),
    ("[]", "queue.json: not a queue publication: Input should be an object"),
])
def test_a_malformed_queue_file_is_a_usage_error_and_writes_nothing(
    kiosk: Run, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: str, message: str,
) -> None:
    home = _cli_home(kiosk, tmp_path, backend)
    monkeypatch.chdir(tmp_path)
    Path("queue.json").write_text(content, encoding="utf-8")
    # WHEN it is published THEN exit 2 with one line saying what is wrong, nothing written
    refused = kiosk("backend", "publish-queue", str(DEMO_UNIT), "queue.json", *home)
    assert (refused.status, refused.out, refused.err) == (2, "", f"kiosk: {message}\n")
    assert queue_rows(backend) == 0


def test_the_command_line_refuses_unknown_units_and_unreadable_files(
    kiosk: Run, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _cli_home(kiosk, tmp_path, backend)
    queue_file = tmp_path / "queue.json"
    queue_file.write_text(json.dumps({"services": SERVICES}), encoding="utf-8")
    unknown = (f"kiosk: unknown unit code {UNKNOWN_UNIT}: not a Hà Nội commune or ward, nor a "
               "unit loaded with kiosk backend load-units\n")
    for argv in (("publish-queue", str(UNKNOWN_UNIT), str(queue_file)),
                 ("queue", str(UNKNOWN_UNIT))):
        result = kiosk("backend", *argv, *home)
        assert (result.status, result.err) == (2, unknown)
    missing = kiosk("backend", "publish-queue", str(DEMO_UNIT), str(tmp_path / "nope.json"),
                    *home)
    assert (missing.status, missing.err) == (
        2, f"kiosk: cannot read {tmp_path / 'nope.json'}: No such file or directory\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("not json"))
    piped = kiosk("backend", "publish-queue", str(DEMO_UNIT), "-", *home)
    assert (piped.status, piped.err) == (
        2, "kiosk: standard input: not JSON: Expecting value: line 1 column 1 (char 0)\n")
    assert queue_rows(backend) == 0
