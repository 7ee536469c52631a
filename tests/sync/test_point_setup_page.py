"""The page that publishes a service point's counters and officers for its hub, over HTTP on
SQLite and PostgreSQL: each change a new version the hub pulls, PINs hashed and never shown,
refusals beside their field, CSRF, unit scope, and every change in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.technician_pin import verify_pin
from office.app import create_app
from office.store import Role
from office.store.audit import AuditAction
from office.store.service_points import ServicePoints
from sync import hub_wire, wire
from tests.sync.back_office import BA_DINH, HOAN_KIEM, Seeded, csrf_of, seed, signed_in
from tests.sync.conftest import Backend

PAGE = f"/bo/service-points/{BA_DINH}/counters"
PIN = "24681012"


@pytest.fixture
def seeded(backend: Backend, kiosks: Any) -> Seeded:
    return seed(backend, kiosks)


@pytest.fixture
def web(backend: Backend) -> Callable[[str], TestClient]:
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test-secret")

    def client(username: str) -> TestClient:
        made = TestClient(app, base_url="http://127.0.0.1")
        signed_in(made, username)
        return made

    return client


def post(client: TestClient, path: str, **fields: str) -> Any:
    """Post a form of the page as drawn now (its CSRF token and version)."""
    page = client.get(PAGE).text
    version = re.search(r'name="version" value="(\d+)"', page)
    data = {"csrf": csrf_of(page), "version": version.group(1) if version else "0", **fields}
    return client.post(path, data=data, follow_redirects=False)


def published(backend: Backend, unit: int = BA_DINH) -> hub_wire.PointSetupState | None:
    return ServicePoints(backend.store.engine).setup(unit)


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" role="alert">([^<]*)<', page)
    assert found is not None, field
    return found.group(1)


def test_an_officer_adds_and_edits_a_counter_and_adds_an_officer_the_hub_pulls(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend
) -> None:
    officer = web("canbo.badinh")
    assert "Chưa đăng lần nào." in officer.get(PAGE).text
    # WHEN counter 1 is added, then renamed and given a second service
    added = post(officer, PAGE, number="1", name="Quầy số 1", services="A")
    assert (added.status_code, added.headers["location"]) == (303, PAGE + "?saved=counter-1")
    assert post(officer, PAGE, number="1", name="Quầy hộ tịch", services="a, C").status_code == 303
    # AND an officer is added with a PIN typed twice
    added = post(officer, f"/bo/service-points/{BA_DINH}/officers", login="lan",
                 name="Nguyễn Thị Lan", pin=PIN, pin_again=PIN)
    assert added.status_code == 303
    # THEN version 3 is served, the PIN only as a hash of kiosk backend hash-pin's kind
    state = published(backend)
    assert state is not None and state.version == 3
    assert state.setup.counters == [hub_wire.PointCounter(number=1, name="Quầy hộ tịch",
                                                           services=["A", "C"])]
    (lan,) = state.setup.officers
    assert (lan.login, lan.name) == ("lan", "Nguyễn Thị Lan")
    assert lan.pin_hash.startswith("scrypt$") and verify_pin(PIN, lan.pin_hash)
    # AND the page lists them, never the PIN
    page = officer.get(PAGE + "?saved=officer-lan").text
    assert "Đã đăng phiên bản 3." in page and "Quầy hộ tịch" in page and "A, C" in page
    assert "Nguyễn Thị Lan" in page and PIN not in page and lan.pin_hash not in page
    # AND the unit's hub pulls that version
    hub = {"Authorization": f"Bearer {backend.token('HUB-BD', Role.HUB)}"}
    backend.store.units.assign("HUB-BD", BA_DINH)
    pulled = TestClient(create_app(backend.store)).get(
        wire.Endpoint.HUB_SERVICE_POINT.value, headers=hub)
    assert pulled.status_code == 200
    assert hub_wire.PointSetupState.model_validate(pulled.json()) == state
    # AND each change is in the audit log, without the PIN
    changes = [entry for entry in backend.store.audit.entries()
               if entry.action is AuditAction.POINT_SETUP_CHANGED]
    assert [(entry.actor, entry.detail) for entry in reversed(changes)] == [
        ("canbo.badinh", f"đơn vị {BA_DINH}, phiên bản 1: thêm quầy 1 “Quầy số 1” (A)"),
        ("canbo.badinh", f"đơn vị {BA_DINH}, phiên bản 2: sửa quầy 1 “Quầy hộ tịch” (A, C)"),
        ("canbo.badinh", f"đơn vị {BA_DINH}, phiên bản 3: thêm cán bộ lan “Nguyễn Thị Lan”"),
    ]


def test_removing_a_counter_and_an_officer_publishes_without_them(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend
) -> None:
    admin = web("admin")
    post(admin, PAGE, number="1", name="Quầy số 1", services="A")
    post(admin, PAGE, number="2", name="Quầy số 2", services="C")
    post(admin, f"/bo/service-points/{BA_DINH}/officers", login="lan", name="Lan",
         pin=PIN, pin_again=PIN)
    assert post(admin, f"/bo/service-points/{BA_DINH}/counters/1/remove").status_code == 303
    assert post(admin, f"/bo/service-points/{BA_DINH}/officers/lan/remove").status_code == 303
    state = published(backend)
    assert state is not None and state.version == 5
    assert [c.number for c in state.setup.counters] == [2] and state.setup.officers == []
    missing = post(admin, f"/bo/service-points/{BA_DINH}/counters/9/remove")
    assert missing.status_code == 404 and "Không có quầy số 9." in missing.text


@pytest.mark.parametrize(("path", "fields", "field", "message"), [
    ("counters", {"number": "0", "name": "Quầy", "services": "A"}, "number",
     "Số quầy là một số từ 1 đến 999."),
    ("counters", {"number": "x", "name": "Quầy", "services": "A"}, "number",
     "Số quầy là một số từ 1 đến 999."),
    ("counters", {"number": "1", "name": " ", "services": "A"}, "name", "Hãy nhập tên quầy."),
    ("counters", {"number": "1", "name": "Quầy", "services": ""}, "services",
     "Hãy nhập ít nhất một mã dịch vụ (một chữ cái, ví dụ: A, C)."),
    ("counters", {"number": "1", "name": "Quầy", "services": "A, HT"}, "services",
     "Mã dịch vụ là một chữ cái in hoa (A–Z), cách nhau bằng dấu phẩy."),
    ("officers", {"login": "lan có dấu", "name": "Lan", "pin": PIN, "pin_again": PIN},
     "login", "Tên đăng nhập: 1–40 ký tự chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch "
     "ngang, bắt đầu bằng chữ hoặc số."),
    ("officers", {"login": "lan", "name": "", "pin": PIN, "pin_again": PIN}, "name",
     "Hãy nhập họ tên cán bộ."),
    ("officers", {"login": "lan", "name": "Lan", "pin": "12345", "pin_again": "12345"}, "pin",
     "Mã PIN gồm 6 đến 12 chữ số."),
    ("officers", {"login": "lan", "name": "Lan", "pin": PIN, "pin_again": "24681013"},
     "pin_again", "Hai lần nhập mã PIN không khớp."),
])
def test_bad_values_are_refused_beside_their_field_and_nothing_is_published(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend,
    path: str, fields: dict[str, str], field: str, message: str,
) -> None:
    refused = post(web("admin"), f"/bo/service-points/{BA_DINH}/{path}", **fields)
    assert refused.status_code == 422
    assert error_beside(refused.text, field) == message
    assert published(backend) is None
    # a refused PIN is not sent back in the form
    assert f'value="{PIN}"' not in refused.text


def test_a_login_already_there_is_refused(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend
) -> None:
    admin = web("admin")
    officers = f"/bo/service-points/{BA_DINH}/officers"
    post(admin, officers, login="lan", name="Lan", pin=PIN, pin_again=PIN)
    again = post(admin, officers, login="lan", name="Lan khác", pin=PIN, pin_again=PIN)
    assert error_beside(again.text, "login") == (
        "Đã có cán bộ với tên đăng nhập này; hãy xóa trước nếu muốn thay.")
    state = published(backend)
    assert state is not None and state.version == 1


def test_a_form_drawn_before_another_publication_is_refused(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend
) -> None:
    admin, officer = web("admin"), web("canbo.badinh")
    stale = officer.get(PAGE).text  # version 0 in its forms
    post(admin, PAGE, number="1", name="Quầy số 1", services="A")
    refused = officer.post(PAGE, data={"csrf": csrf_of(stale), "version": "0", "number": "2",
                                       "name": "Quầy số 2", "services": "C"})
    assert refused.status_code == 422
    assert error_beside(refused.text, "counter_form") == (
        "Có người vừa đăng thay đổi khác; hãy xem lại danh sách và thử lại.")
    state = published(backend)
    assert state is not None and [c.number for c in state.setup.counters] == [1]


def test_csrf_unit_scope_and_the_auditors_read_only_view(
    web: Callable[[str], TestClient], seeded: Seeded, backend: Backend
) -> None:
    officer = web("canbo.badinh")
    # no CSRF token: refused
    assert officer.post(PAGE, data={"version": "0", "number": "1", "name": "Q",
                                    "services": "A"}).status_code == 403
    # another unit's page and forms: refused
    other = f"/bo/service-points/{HOAN_KIEM}/counters"
    assert officer.get(other).status_code == 403
    csrf = csrf_of(officer.get(PAGE).text)
    assert officer.post(other, data={"csrf": csrf, "version": "0", "number": "1",
                                     "name": "Q", "services": "A"}).status_code == 403
    assert officer.get("/bo/service-points/99999/counters").status_code == 403
    # an auditor sees the list, no form, and cannot post
    auditor = web("kiemtra")
    page = auditor.get(PAGE)
    assert page.status_code == 200 and "Thêm cán bộ" not in page.text
    assert auditor.post(PAGE, data={"csrf": csrf_of(page.text), "version": "0", "number": "1",
                                    "name": "Q", "services": "A"}).status_code == 403
    assert published(backend) is None and published(backend, HOAN_KIEM) is None
