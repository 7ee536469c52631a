"""The catalog and service-points pages over HTTP, on SQLite and PostgreSQL: who may publish,
a bad file refused with every bad record named and nothing published, the versions served,
and a unit's service point reaching a kiosk's directory."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.catalog import demo_catalog_bytes
from kiosk.catalog_overlay import FORMAT as OVERLAY_FORMAT
from kiosk.directory import load_directory
from office.app import create_app
from office.store import CatalogKind
from tests.sync.back_office import BA_DINH, HOAN_KIEM, Seeded, csrf_of, seed, signed_in
from tests.sync.conftest import Backend

SHIPPED = json.loads(demo_catalog_bytes())


@pytest.fixture
def seeded(backend: Backend, kiosks: Any) -> Seeded:
    return seed(backend, kiosks)


@pytest.fixture
def web(backend: Backend) -> Callable[[], TestClient]:
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test-secret")
    return lambda: TestClient(app, base_url="http://127.0.0.1")


def upload(client: TestClient, kind: str, body: bytes, name: str = "file.json") -> Any:
    csrf = csrf_of(client.get("/bo/catalog").text)
    return client.post(f"/bo/catalog/{kind}", data={"csrf": csrf},
                       files={"file": (name, body, "application/json")},
                       follow_redirects=False)


def bad_catalog() -> bytes:
    """The shipped catalog with two broken records (a bad code, a fee of -5)."""
    broken = json.loads(demo_catalog_bytes())
    broken["version"] += 1
    broken["procedures"][0]["code"] = "x"
    broken["procedures"][2]["fees"] = [{"channel": "in_person", "amount_vnd": -5}]
    return json.dumps(broken, ensure_ascii=False).encode()


def record_errors(page: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", page.split('class="record-errors"')[1].split("</ol>")[0])


def test_only_city_administrators_open_the_catalog_page(
    web: Callable[[], TestClient], seeded: Seeded
) -> None:
    for username in ("canbo.badinh", "kiemtra"):
        client = web()
        signed_in(client, username)
        assert client.get("/bo/catalog").status_code == 403
        assert 'href="/bo/catalog"' not in client.get("/bo/inbox").text
    client = web()
    signed_in(client, "admin")
    page = client.get("/bo/catalog")
    assert page.status_code == 200
    assert page.text.count("chưa đăng") == 2  # neither the catalog nor the overlay yet


def test_a_commune_officer_cannot_post_a_catalog(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    csrf = signed_in(client, "canbo.badinh")
    refused = client.post("/bo/catalog/catalog", data={"csrf": csrf},
                          files={"file": ("c.json", demo_catalog_bytes(), "application/json")})
    assert refused.status_code == 403
    assert backend.store.published(CatalogKind.CATALOG) is None


def test_a_good_catalog_is_published_and_its_version_shown(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "admin")
    done = upload(client, "catalog", demo_catalog_bytes(), "catalog-hanoi.json")
    assert (done.status_code, done.headers["location"]) == (303, "/bo/catalog?published=catalog")
    served = backend.store.published(CatalogKind.CATALOG)
    assert served is not None and served.body == demo_catalog_bytes()
    page = client.get(done.headers["location"]).text
    assert f"Đã đăng: Danh mục thủ tục, phiên bản {SHIPPED['version']}." in page
    assert f"phiên bản {SHIPPED['version']}" in page.split('class="current-version"')[1]
    # AND the same file again changes nothing (as `kiosk backend publish-catalog` says)
    assert upload(client, "catalog", demo_catalog_bytes()).status_code == 303
    assert backend.store.published(CatalogKind.CATALOG) == served


def test_a_bad_catalog_shows_each_bad_record_and_publishes_nothing(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "admin")
    refused = upload(client, "catalog", bad_catalog(), "sua-loi.json")
    assert refused.status_code == 422
    assert "Không đăng gì từ sua-loi.json:" in refused.text
    errors = record_errors(refused.text)
    assert len(errors) == 2
    assert errors[0].startswith("procedures[0] (x): ")
    assert errors[1].startswith(f"procedures[2] ({SHIPPED['procedures'][2]['code']}): ")
    assert backend.store.published(CatalogKind.CATALOG) is None
    # AND a file larger than a batch (4 MiB) but within the catalog limit reaches the check
    large = upload(client, "catalog", b"[" + b" " * (5 * 1024 * 1024) + b"]", "lon.json")
    assert large.status_code == 422
    assert "Không đăng gì từ lon.json:" in large.text
    # AND a file that is not JSON says so
    not_json = upload(client, "catalog", b"{nope", "x.json")
    assert not_json.status_code == 422
    assert record_errors(not_json.text)[0].startswith("not valid JSON")


def test_an_overlay_older_than_the_served_one_is_refused(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "admin")

    def overlay(version: int, counter: str) -> bytes:
        return json.dumps({"format": OVERLAY_FORMAT, "version": version, "procedures": [
            {"code": "2.000815", "counter": counter}]}, ensure_ascii=False).encode()

    assert upload(client, "catalog-overlay", overlay(2, "Quầy 3")).status_code == 303
    refused = upload(client, "catalog-overlay", overlay(1, "Quầy 4"))
    assert refused.status_code == 422
    assert ("refused, nothing published: catalog-overlay version 2 is published; publish a "
            "higher version than 1") in refused.text
    served = backend.store.published(CatalogKind.OVERLAY)
    assert served is not None and served.version == 2


def test_missing_csrf_on_an_upload_is_refused(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "admin")
    refused = client.post("/bo/catalog/catalog",
                          files={"file": ("c.json", demo_catalog_bytes(), "application/json")})
    assert refused.status_code == 403
    assert backend.store.published(CatalogKind.CATALOG) is None


# -- service points -------------------------------------------------------------------------


def publish_point(client: TestClient, unit: int, **values: str) -> Any:
    csrf = csrf_of(client.get(f"/bo/service-points?unit={unit}").text)
    fields = {"address": "", "hotline": "", "opening_hours": "", "map_link": "", **values}
    return client.post(f"/bo/service-points/{unit}", data={"csrf": csrf, **fields},
                       follow_redirects=False)


GOOD_POINT = {"address": "Số 1 Đội Cấn, Ba Đình", "hotline": "024 3825 1234",
              "opening_hours": "Thứ 2 - Thứ 6: 8:00-17:00", "map_link": "https://maps.app.goo.gl/Ab1"}


def test_bad_service_point_fields_are_refused_beside_each_field(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    client = web()
    signed_in(client, "canbo.badinh")
    refused = publish_point(client, BA_DINH, address="Số 1", hotline="gọi 1022",
                            map_link="javascript:alert(1)", opening_hours="---")
    assert refused.status_code == 422
    for field, message in (
        ("hotline", "số điện thoại chỉ gồm chữ số (3 đến 15 số), ví dụ 024 3825 1234"),
        ("map_link", "đường dẫn bản đồ phải bắt đầu bằng https:// hoặc http://"),
        ("opening_hours", "cần có chữ hoặc số"),
    ):
        beside = f'<span class="error" id="{field}-error" role="alert">{message}</span>'
        assert beside in refused.text
    assert 'id="address-error"' not in refused.text
    assert 'value="Số 1"' in refused.text  # what was typed stays
    assert backend.store.published(CatalogKind.DIRECTORY) is None


def test_a_service_point_published_from_the_page_reaches_the_kiosk_directory(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend, kiosks: Any,
    serve: Any,
) -> None:
    # GIVEN a kiosk whose directory says nothing of Ba Đình's service point yet
    kiosk = kiosks("K-NEW")
    server = serve(backend)
    agent = kiosk.agent(server.url, backend.token("K-NEW"))
    assert agent.run_once().failure is None
    ba_dinh = next(c for c in load_directory(kiosk.db) if c.code == BA_DINH)
    assert (ba_dinh.address, ba_dinh.hotline) == (None, None)
    # WHEN a city administrator publishes Hoàn Kiếm and Ba Đình's officer publishes Ba Đình
    admin = web()
    signed_in(admin, "admin")
    assert publish_point(admin, HOAN_KIEM, address="Số 126 Hàng Trống").status_code == 303
    officer = web()
    signed_in(officer, "canbo.badinh")
    saved = publish_point(officer, BA_DINH, **GOOD_POINT)
    assert saved.headers["location"] == f"/bo/service-points?unit={BA_DINH}&saved=1"
    assert "Đã đăng (danh bạ phiên bản 2)." in officer.get(saved.headers["location"]).text
    # THEN the next round gives the kiosk both, Hoàn Kiếm's kept in version 2
    report = agent.run_once()
    assert report.notes == ["directory version 2 applied"]
    units = {c.code: c for c in load_directory(kiosk.db)}
    assert (units[BA_DINH].address, units[BA_DINH].hotline, units[BA_DINH].opening_hours) == (
        "Số 1 Đội Cấn, Ba Đình", "024 3825 1234", "Thứ 2 - Thứ 6: 8:00-17:00")
    assert units[BA_DINH].map_url == "https://maps.app.goo.gl/Ab1"
    assert units[HOAN_KIEM].address == "Số 126 Hàng Trống"
    # AND an emptied field clears it at the kiosk
    assert publish_point(officer, BA_DINH, **{**GOOD_POINT, "hotline": ""}).status_code == 303
    agent.run_once()
    assert next(c for c in load_directory(kiosk.db) if c.code == BA_DINH).hotline is None


def test_an_officer_publishes_only_their_unit_and_an_auditor_only_reads(
    web: Callable[[], TestClient], seeded: Seeded, backend: Backend
) -> None:
    officer = web()
    signed_in(officer, "canbo.badinh")
    assert officer.get(f"/bo/service-points?unit={HOAN_KIEM}").status_code == 403
    csrf = csrf_of(officer.get("/bo/service-points").text)
    assert officer.post(f"/bo/service-points/{HOAN_KIEM}",
                        data={"csrf": csrf, **GOOD_POINT}).status_code == 403
    auditor = web()
    csrf = signed_in(auditor, "kiemtra")
    page = auditor.get(f"/bo/service-points?unit={BA_DINH}")
    assert page.status_code == 200 and "Đăng cho các ki-ốt" not in page.text
    assert auditor.post(f"/bo/service-points/{BA_DINH}",
                        data={"csrf": csrf, **GOOD_POINT}).status_code == 403
    assert backend.store.published(CatalogKind.DIRECTORY) is None
