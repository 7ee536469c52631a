"""``kiosk backend publish-catalog FILE``: the back office publishes a catalog file from the
command line, checked by the kiosk's own importer first; kiosks then get it over HTTP."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from office.store import CatalogKind
from sync import wire
from tests.conftest import SMALL_CATALOG, Result, catalog_bytes
from tests.sync.conftest import Backend

Run = Callable[..., Result]
SHIPPED = Path(__file__).parents[2] / "kiosk" / "data" / "catalog-hanoi.json"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _home(kiosk: Run, tmp_path: Path, backend: Backend) -> list[str]:
    home = ["--home", str(tmp_path / "home"), "--db", backend.url]
    assert kiosk("backend", "keygen", *home).status == 0
    return home


def test_the_shipped_catalog_is_published_and_served_to_kiosks(
    kiosk: Run, backend: Backend, api: TestClient, tmp_path: Path
) -> None:
    home = _home(kiosk, tmp_path, backend)
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    # WHEN the shipped catalog is published from the command line
    published = kiosk("backend", "publish-catalog", str(SHIPPED), "--json", *home)
    # THEN its version is served, and a kiosk gets the file's very bytes with that ETag
    assert published.status == 0, published.err
    result = published.json()
    assert (result["version"], result["already_published"]) == (shipped["version"], False)
    fetched = api.get(wire.Endpoint.CATALOG.value, headers=auth(backend.token("K1")))
    assert fetched.status_code == 200
    assert fetched.content == SHIPPED.read_bytes()
    assert (fetched.headers["ETag"], fetched.headers["X-Content-Version"]) == (
        result["etag"], str(shipped["version"]))
    # AND publishing the same file again (scripts/run does at every start) changes nothing
    again = kiosk("backend", "publish-catalog", str(SHIPPED), *home)
    assert (again.status, again.out) == (0, f"catalog version {shipped['version']} is "
                                            f"already published (ETag {result['etag']})\n")


def test_a_bad_catalog_is_refused_with_its_errors_and_nothing_is_published(
    kiosk: Run, backend: Backend, tmp_path: Path
) -> None:
    home = _home(kiosk, tmp_path, backend)
    bad = copy.deepcopy(SMALL_CATALOG)
    bad["version"] = 3
    del bad["procedures"][0]["title"]
    bad["procedures"][1]["fees"] = [{"channel": "in_person", "amount_vnd": -1}]
    path = tmp_path / "bad.json"
    path.write_bytes(catalog_bytes(bad))
    # WHEN it is published THEN exit 2, every bad record named, nothing served
    refused = kiosk("backend", "publish-catalog", str(path), *home)
    assert (refused.status, refused.out) == (2, "")
    assert refused.err.splitlines() == [
        f"kiosk: {path}: not a valid catalog, nothing published:",
        "  procedures[0] (1.001193): procedure lacks required key(s): title",
        "  procedures[1] (1.000656): fee: amount_vnd must be a whole number >= 0",
    ]
    assert backend.store.published(CatalogKind.CATALOG) is None
    # AND a file that is not JSON, or missing, says so in one line
    path.write_text("{", encoding="utf-8")
    not_json = kiosk("backend", "publish-catalog", str(path), *home)
    assert not_json.status == 2
    assert not_json.err.splitlines()[1].startswith("  not valid JSON: ")
    missing = kiosk("backend", "publish-catalog", str(tmp_path / "nope.json"), *home)
    assert (missing.status, missing.err) == (
        2, f"kiosk: cannot read {tmp_path / 'nope.json'}: No such file or directory\n")


def test_an_older_catalog_version_is_refused_and_the_served_one_stays(
    kiosk: Run, backend: Backend, tmp_path: Path
) -> None:
    home = _home(kiosk, tmp_path, backend)
    version = json.loads(SHIPPED.read_text(encoding="utf-8"))["version"]
    assert kiosk("backend", "publish-catalog", str(SHIPPED), *home).status == 0
    older = tmp_path / "older.json"
    older.write_bytes(catalog_bytes(SMALL_CATALOG))  # version 1: a valid file, but older
    # WHEN the older one is published THEN it is refused and the shipped one is still served
    refused = kiosk("backend", "publish-catalog", str(older), *home)
    assert (refused.status, refused.err) == (
        2, f"kiosk: refused, nothing published: catalog version {version} is published; "
           f"publish a higher version than {SMALL_CATALOG['version']}\n")
    served = backend.store.published(CatalogKind.CATALOG)
    assert served is not None
    assert (served.version, served.body) == (version, SHIPPED.read_bytes())


def test_a_catalog_with_many_bad_records_lists_the_first_ten(
    kiosk: Run, backend: Backend, tmp_path: Path
) -> None:
    home = _home(kiosk, tmp_path, backend)
    bad = copy.deepcopy(SMALL_CATALOG)
    template = bad["procedures"][0]
    bad["procedures"] = [{**template, "code": f"1.{900000 + n}", "channels": []}
                         for n in range(12)]
    path = tmp_path / "bad.json"
    path.write_bytes(catalog_bytes(bad))
    refused = kiosk("backend", "publish-catalog", str(path), *home)
    lines = refused.err.splitlines()
    assert refused.status == 2
    assert len(lines) == 1 + 10 + 1
    assert lines[1].startswith("  procedures[0] (1.900000): ")
    assert lines[-1] == "  (and 2 more)"
