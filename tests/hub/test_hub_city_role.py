"""The hub's own role at the city: enrolled with `kiosk backend add-hub`, configured with
hub.city_url and hub.city_token, it posts its unit's queue and nothing a kiosk may."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from hub.forwarder import CityLink, Forwarder
from hub.queue import HubQueue
from kiosk.config import load_config
from office.app import create_app
from office.database import open_engine
from office.keys import SealingKeys
from office.store import Role, Store
from sync import wire
from tests.conftest import Result
from tests.hub.conftest import issue
from tests.servers import ServerThread

Run = Callable[..., Result]


def test_add_hub_prints_a_hub_token_for_one_unit_that_forwards_and_does_nothing_else(
    kiosk: Run, tmp_path: Path, queue: HubQueue
) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    # WHEN a hub is enrolled for Ba Đình (4)
    added = kiosk("backend", "add-hub", "HUB-BD", "--unit", "4", *home)
    assert added.status == 0, added.err
    token, *advice = added.out.splitlines()
    assert advice == [
        "# on hub HUB-BD (shown once; the backend keeps only its hash):",
        "#   kiosk config set hub.city_url https://THIS-BACKEND/",
        f"#   kiosk config set hub.city_token {token}",
        "#   kiosk config set kiosk.commune_code 4",
    ]
    # an unknown unit, a missing one, or a name a kiosk has are refused
    assert kiosk("backend", "add-hub", "HUB-X", "--unit", "99999", *home).status == 2
    assert kiosk("backend", "add-hub", "HUB-Y", *home).status == 2
    assert kiosk("backend", "add-kiosk", "K1", *home).status == 0
    assert kiosk("backend", "add-hub", "K1", "--unit", "4", *home).status == 2
    store = Store(open_engine(str(tmp_path / "backend" / "backend.sqlite3")),
                  SealingKeys.generate())
    found = store.authenticate(token)
    assert found is not None
    assert (found.client_id, found.role, found.scopes) == ("HUB-BD", Role.HUB, frozenset())
    assert store.units.unit_of("HUB-BD") == 4
    # THEN with that token the hub forwards its queue events
    server = ServerThread(create_app(store, rate_limit="10000/second")).start()
    try:
        issue(queue, "A1-001")
        report = Forwarder(queue, CityLink(server.url, token), unit_code=4).run_once()
        assert (report.forwarded, report.error) == (1, None)
        # AND it is no kiosk: kiosk endpoints refuse it
        api = TestClient(create_app(store))
        denied = api.get(wire.Endpoint.KIOSK_IDENTITY.value,
                         headers={"Authorization": f"Bearer {token}"})
        assert denied.status_code == 403
    finally:
        server.stop()


def test_the_hub_reads_its_city_address_and_token_from_the_settings(tmp_path: Path) -> None:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    # the demo hub's published token: the demo backend enrols it as a hub, not a kiosk
    assert config.text("hub.city_url") == "http://127.0.0.1:8765"
    assert config.text("hub.city_token") == "demo-hub-city-token-not-a-secret"
    assert config.text("hub.city_token") != config.text("sync.token")
    empty = tmp_path / "kiosk.toml"
    empty.write_text("")
    plain = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "plain"),
                                 "KIOSK_CONFIG": str(empty)})
    assert (plain.text("hub.city_url"), plain.text("hub.city_token")) == ("", "")
