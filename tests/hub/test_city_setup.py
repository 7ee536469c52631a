"""Counters and officers published from the city, pulled and applied at the hub: PIN hashes
only, the city wins once per publication, hub-local edits and additions stay."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.city_setup import (
    PULL_EVERY_SECONDS,
    CitySetupLink,
    SetupPuller,
    applied_version,
    pull_once,
)
from hub.database import HubDatabase
from hub.queue import HubQueue
from kiosk.technician_pin import hash_pin
from office.app import create_app
from office.store import Role
from sync import wire
from tests.conftest import Result
from tests.hub.conftest import OFFICER_PIN, hub_token
from tests.servers import ServerThread
from tests.sync.conftest import Backend

NEW_PIN = "13579135"


def setup_body(*, officer_name: str = "Nguyễn Thị Lan", pin: str = NEW_PIN,
               services: list[str] | None = None) -> dict[str, Any]:
    return {
        "counters": [{"number": 1, "name": "Quầy 1 · Hộ tịch", "services": ["A"]},
                     {"number": 7, "name": "Quầy số 7", "services": services or ["C"]}],
        "officers": [{"login": "lan", "name": officer_name, "pin_hash": hash_pin(pin)},
                     {"login": "hoa", "name": "Lê Thị Hoa", "pin_hash": hash_pin(pin)}],
    }


def publish(city: Backend, body: dict[str, Any], unit: int = 4) -> Any:
    api = TestClient(create_app(city.store, rate_limit="10000/second"))
    office = {"Authorization": f"Bearer {city.token('bo', Role.BACK_OFFICE)}"}
    return api.put(wire.Endpoint.SERVICE_POINT.value.format(unit_code=unit), json=body,
                   headers=office)


def test_the_hub_applies_each_publication_once_and_keeps_its_own_edits(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    link = CitySetupLink(city_server.url, hub_token(city))
    # Nothing published yet: nothing changes
    assert pull_once(queue, link).version is None
    # GIVEN the city publishes two counters and two officers (PIN hashes only)
    published = publish(city, setup_body())
    assert (published.status_code, published.json()["version"]) == (200, 1)
    # WHEN the hub pulls
    report = pull_once(queue, link)
    # THEN counter 1 is renamed, counter 7 added, Lan's PIN changed, Hoa added
    assert (report.applied, report.counters, report.officers, report.skipped) == (
        True, 2, 2, [])
    assert [(c.number, c.name, c.services) for c in queue.counters()] == [
        (1, "Quầy 1 · Hộ tịch", ("A",)), (2, "Quầy số 2", ("A", "C")),
        (3, "Quầy số 3", ("C",)), (7, "Quầy số 7", ("C",))]
    assert queue.verify_officer("lan", OFFICER_PIN) is None
    assert queue.verify_officer("lan", NEW_PIN) is not None
    hoa = queue.verify_officer("hoa", NEW_PIN)
    assert hoa is not None and hoa.name == "Lê Thị Hoa"
    # the hub's own officer the city does not name is kept
    assert queue.verify_officer("minh", OFFICER_PIN) is not None
    # AND a hub-local edit stays while the city publishes nothing new
    queue.add_officer("lan", "Nguyễn Thị Lan", "86420864")
    again = pull_once(queue, link)
    assert (again.version, again.applied) == (1, False)
    assert queue.verify_officer("lan", "86420864") is not None
    # a new publication wins again for what it names
    publish(city, setup_body(officer_name="Nguyễn Thị Lan (tổ trưởng)"))
    assert pull_once(queue, link).applied
    assert applied_version(queue) == 2
    lan = queue.verify_officer("lan", NEW_PIN)
    assert lan is not None and lan.name == "Nguyễn Thị Lan (tổ trưởng)"
    link.close()


def test_a_counter_for_a_service_the_hub_lacks_is_skipped_and_said(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    publish(city, setup_body(services=["C", "Z"]))
    report = pull_once(queue, CitySetupLink(city_server.url, hub_token(city)))
    assert (report.applied, report.counters, report.skipped) == (
        True, 1, ["counter 7: unknown service(s) Z at this hub"])
    assert 7 not in [counter.number for counter in queue.counters()]


def test_pins_in_clear_and_strangers_are_refused(
    queue: HubQueue, city: Backend
) -> None:
    body = setup_body()
    clear = json.loads(json.dumps(body))
    clear["officers"][0] = {"login": "lan", "name": "Lan", "pin": "135791"}
    assert publish(city, clear).status_code == 422
    weak = json.loads(json.dumps(body))
    weak["officers"][0]["pin_hash"] = "scrypt$2$1$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "="
    assert publish(city, weak).status_code == 422  # a cheap hash is no PIN hash of ours
    twice = json.loads(json.dumps(body))
    twice["counters"].append(twice["counters"][0])
    assert publish(city, twice).status_code == 422
    assert publish(city, body, unit=99999).status_code == 404
    api = TestClient(create_app(city.store, rate_limit="10000/second"))
    kiosk = {"Authorization": f"Bearer {city.token('K1')}"}
    assert api.put(wire.Endpoint.SERVICE_POINT.value.format(unit_code=4), json=body,
                   headers=kiosk).status_code == 403
    assert api.get(wire.Endpoint.HUB_SERVICE_POINT.value, headers=kiosk).status_code == 403
    # each hub reads its own unit's set-up only
    assert publish(city, body).status_code == 200
    other = {"Authorization": f"Bearer {hub_token(city, 'HUB-5', unit=5)}"}
    assert api.get(wire.Endpoint.HUB_SERVICE_POINT.value, headers=other).status_code == 404


def test_the_serving_hub_pulls_every_five_minutes(
    queue: HubQueue, city: Backend, city_server: ServerThread
) -> None:
    seconds = [0.0]
    puller = SetupPuller(queue, CitySetupLink(city_server.url, hub_token(city)),
                         monotonic=lambda: seconds[0])
    first = puller.run_once()
    assert first is not None and first.version is None
    publish(city, setup_body())
    assert puller.run_once() is None  # not due yet
    seconds[0] += PULL_EVERY_SECONDS
    due = puller.run_once()
    assert due is not None and due.applied


def test_the_commands_hash_a_pin_publish_a_point_and_pull_it(
    kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *backend).status == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{NEW_PIN}\n"))
    hashed = kiosk("backend", "hash-pin")
    assert hashed.status == 0
    pin_hash = hashed.out.strip()
    assert NEW_PIN not in hashed.out
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert kiosk("backend", "hash-pin").err == "kiosk: an officer's PIN is 6 to 12 digits\n"
    point = tmp_path / "point.json"
    point.write_text(json.dumps({
        "counters": [{"number": 4, "name": "Quầy số 4", "services": ["A"]}],
        "officers": [{"login": "hoa", "name": "Lê Thị Hoa", "pin_hash": pin_hash}]},
        ensure_ascii=False), encoding="utf-8")
    published = kiosk("backend", "publish-point", "4", str(point), *backend)
    assert published.out == "published version 1 for unit 4: 1 counter(s), 1 officer(s)\n"
    point.write_text('{"counters": [], "officers": [{"login": "x", "name": "X", "pin": "1"}]}')
    refused = kiosk("backend", "publish-point", "4", str(point), *backend)
    assert refused.status == 2
    assert "officers.0.pin_hash: Field required" in refused.err
    # the hub, enrolled with its own token, pulls it
    token = kiosk("backend", "add-hub", "HUB-4", "--unit", "4", *backend).out.splitlines()[0]
    from office.database import open_engine
    from office.keys import SealingKeys
    from office.store import Store

    store = Store(open_engine(str(tmp_path / "backend" / "backend.sqlite3")),
                  SealingKeys.generate())
    server = ServerThread(create_app(store, rate_limit="10000/second")).start()
    try:
        hub = ["--home", str(tmp_path / "hub")]
        assert kiosk("--demo", "hub", "import-services", *hub).status == 0
        monkeypatch.setenv("KIOSK_HUB_CITY_URL", server.url)
        monkeypatch.setenv("KIOSK_HUB_CITY_TOKEN", token)
        pulled = kiosk("hub", "pull-setup", *hub)
        assert pulled.out == "applied version 1: 1 counter(s), 1 officer(s)\n", pulled.err
        assert kiosk("hub", "pull-setup", *hub).out == (
            "version 1 is applied already: nothing changed\n")
    finally:
        server.stop()
    db = HubDatabase(tmp_path / "hub" / "hub.sqlite3")
    assert HubQueue(db).verify_officer("hoa", NEW_PIN) is not None
    db.close()
