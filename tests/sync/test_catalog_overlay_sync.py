"""Hà Nội's overlay on the catalog on its way to kiosks: published by the back office (the
API on SQLite and PostgreSQL, and ``kiosk backend publish-overlay``), pulled by the sync
agent with its ETag and installed, a bad one refused whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kiosk.catalog import load_catalog
from kiosk.catalog_overlay import FORMAT, installed_overlay_version
from kiosk.sync_state import SyncFact, read_fact
from office.store import CatalogKind, Principal, Role
from sync import wire
from tests.conftest import Result
from tests.sync.conftest import Backend

PATH = wire.Endpoint.CATALOG_OVERLAY.value
OFFICE = Principal("OFFICE", Role.BACK_OFFICE)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def overlay_bytes(version: int, *entries: dict[str, Any]) -> bytes:
    return json.dumps({"format": FORMAT, "version": version, "procedures": list(entries)},
                      ensure_ascii=False).encode("utf-8")


HANOI_FEE = {"channel": "in_person", "amount_vnd": 3000, "note": "mỗi trang"}
GOOD = overlay_bytes(1, {"code": "2.000815", "fees": [HANOI_FEE]},
                     {"code": "1.001193", "counter": "Quầy số 7"})


def test_the_overlay_is_published_checked_with_a_version_and_an_etag(
    api: TestClient, backend: Backend
) -> None:
    office = auth(backend.token("OFFICE", Role.BACK_OFFICE))
    kiosk = auth(backend.token("K1"))
    # GIVEN nothing published: 404
    assert api.get(PATH, headers=kiosk).status_code == 404
    # WHEN a bad file is sent, it is refused with every fault; a kiosk may not publish
    bad = api.put(PATH, content=overlay_bytes(1, {"code": "x"}, {"code": "2.000815"}),
                  headers=office)
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "not a valid overlay: procedures[0] (x): entry: code 'x' must match "
        "[0-9]\\.[0-9]{6}\nprocedures[1] (2.000815): entry: sets nothing (give fees, "
        "service or counter)")
    assert api.put(PATH, content=GOOD, headers=kiosk).status_code == 403
    assert api.get(PATH, headers=kiosk).status_code == 404
    # WHEN version 1 is published
    published = api.put(PATH, content=GOOD, headers=office)
    assert published.status_code == 200
    etag = published.json()["etag"]
    # THEN kiosks get it as sent, with its ETag and version, and 304 while unchanged
    fetched = api.get(PATH, headers=kiosk)
    assert (fetched.status_code, fetched.headers["ETag"], fetched.content) == (200, etag, GOOD)
    assert fetched.headers["X-Content-Version"] == "1"
    assert api.get(PATH, headers={**kiosk, "If-None-Match": etag}).status_code == 304
    # AND the same version again is a 409; the catalog is untouched
    assert api.put(PATH, content=GOOD, headers=office).status_code == 409
    assert api.get(wire.Endpoint.CATALOG.value, headers=kiosk).status_code == 404


def test_the_agent_pulls_and_installs_the_overlay_and_keeps_its_etag(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"))
    assert agent.run_once().notes == []  # nothing published yet: nothing installed
    assert installed_overlay_version(kiosk.db) is None
    # GIVEN the back office publishes an overlay, one entry for a code the kiosk lacks
    sqlite_backend.store.publish(
        CatalogKind.OVERLAY, 1,
        overlay_bytes(1, {"code": "2.000815", "fees": [HANOI_FEE]},
                      {"code": "9.999999", "counter": "Quầy số 9"}),
        OFFICE)
    # WHEN a round runs
    report = agent.run_once()
    # THEN it is installed and the kiosk's catalog shows Hà Nội's fee
    assert report.failure is None
    assert report.notes == ["catalog overlay version 1 installed"]
    assert installed_overlay_version(kiosk.db) == 1
    catalog = load_catalog(kiosk.db)
    assert catalog is not None
    copy = catalog.procedure("2.000815")
    assert copy is not None and copy.fees_set_by_hanoi
    assert copy.fees[0].amount_vnd == 3000
    # AND a round with nothing new changes nothing (304)
    etag = read_fact(kiosk.db, SyncFact.OVERLAY_ETAG)
    assert etag is not None
    assert agent.run_once().notes == []
    assert read_fact(kiosk.db, SyncFact.OVERLAY_ETAG) == etag


def test_a_published_overlay_the_kiosk_refuses_leaves_its_overlay_in_place(
    sqlite_backend: Backend, serve: Any, kiosks: Any
) -> None:
    server = serve(sqlite_backend)
    kiosk = kiosks("K1")
    agent = kiosk.agent(server.url, sqlite_backend.token("K1"))
    sqlite_backend.store.publish(CatalogKind.OVERLAY, 1, GOOD, OFFICE)
    assert agent.run_once().notes == ["catalog overlay version 1 installed"]
    # GIVEN a version 2 the backend stored without checking (an older office release)
    sqlite_backend.store.publish(CatalogKind.OVERLAY, 2, b'{"format": "nope"}', OFFICE)
    # WHEN the agent pulls it
    report = agent.run_once()
    # THEN it is refused whole, said so, and version 1 stays installed
    assert report.notes == []
    error = read_fact(kiosk.db, SyncFact.LAST_ERROR)
    assert error is not None and error.startswith("published catalog overlay refused: overlay")
    assert installed_overlay_version(kiosk.db) == 1


def test_publish_overlay_on_the_command_line(
    kiosk: Callable[..., Result], backend: Backend, tmp_path: Path
) -> None:
    home = ["--home", str(tmp_path / "home"), "--db", backend.url]
    assert kiosk("backend", "keygen", *home).status == 0
    demo = resources.files("kiosk.data").joinpath("overlay-hanoi-demo.json")
    demo_file = tmp_path / "overlay.json"
    demo_file.write_bytes(demo.read_bytes())
    # WHEN the shipped demo overlay is published
    published = kiosk("backend", "publish-overlay", str(demo_file), "--json", *home)
    # THEN it is served as sent
    assert published.status == 0, published.err
    assert (published.json()["version"], published.json()["already_published"]) == (1, False)
    served = backend.store.published(CatalogKind.OVERLAY)
    assert served is not None and served.body == demo.read_bytes()
    # AND the same file again is a no-op (scripts/run publishes it at every start)
    again = kiosk("backend", "publish-overlay", str(demo_file), *home)
    assert (again.status, again.out) == (
        0, f"catalog overlay version 1 is already published (ETag {served.etag})\n")
    # AND another file of the same version, or a bad file, publishes nothing
    other = tmp_path / "other.json"
    other.write_bytes(overlay_bytes(1, {"code": "2.000815", "counter": "Quầy số 9"}))
    refused = kiosk("backend", "publish-overlay", str(other), *home)
    assert (refused.status, refused.err) == (
        2, "kiosk: refused, nothing published: catalog-overlay version 1 is published; "
           "publish a higher version than 1\n")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": FORMAT, "version": 2, "procedures": [{"code": "x"}]}),
                   encoding="utf-8")
    refused = kiosk("backend", "publish-overlay", str(bad), *home)
    assert refused.status == 2
    assert refused.err == (f"kiosk: {bad}: not a valid overlay, nothing published:\n"
                           "  procedures[0] (x): entry: code 'x' must match [0-9]\\.[0-9]{6}\n")
    served = backend.store.published(CatalogKind.OVERLAY)
    assert served is not None and served.version == 1 and served.body == demo.read_bytes()


def test_the_heartbeat_tells_the_city_which_overlay_the_kiosk_applies(
    kiosk: Callable[..., Result], sqlite_backend: Backend, serve: Any, kiosks: Any,
    tmp_path: Path,
) -> None:
    server = serve(sqlite_backend)
    agent = kiosks("K1").agent(server.url, sqlite_backend.token("K1"))
    # GIVEN a kiosk that has no overlay yet: its heartbeat says so
    assert agent.heartbeat().overlay_version is None
    # WHEN the back office publishes version 1 and a round installs it
    sqlite_backend.store.publish(CatalogKind.OVERLAY, 1, GOOD, OFFICE)
    assert agent.run_once().notes == ["catalog overlay version 1 installed"]
    agent.client.heartbeat(agent.heartbeat())
    # THEN the city's fleet view shows version 1 for that kiosk
    (entry,) = [e for e in sqlite_backend.store.fleet().kiosks if e.kiosk_id == "K1"]
    assert entry.heartbeat is not None and entry.heartbeat.overlay_version == 1
    # AND so does `kiosk backend fleet`
    home = ["--home", str(tmp_path / "home"), "--db", sqlite_backend.url]
    assert kiosk("backend", "keygen", *home).status == 0
    fleet = kiosk("backend", "fleet", *home)
    assert fleet.status == 0, fleet.err
    (line,) = [row for row in fleet.out.splitlines() if row.startswith("K1 ")]
    assert line.endswith(", catalog 1, overlay 1"), line
