"""A unit the operator loaded (``kiosk backend load-units``) is accepted wherever a unit code
is checked, not only Hà Nội's 126: the commands that enrol people and hubs and publish a
service point, the service-point API, and the back office's unit pickers and forms. An
unknown code is still refused, saying why."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kiosk.technician_pin import hash_pin
from office.app import create_app
from office.store import Role
from office.store.users import UserRole
from office.units_file import NATIONAL_UNITS, Unit, parse_units
from tests.conftest import Result
from tests.sync.back_office import PASSWORD, signed_in
from tests.sync.conftest import Backend

#: Phường Cái Khế, Cần Thơ: a unit outside Hà Nội.
CAN_THO = 31120
UNKNOWN = 99998
UNKNOWN_MESSAGE = (f"kiosk: unknown unit code {UNKNOWN}: not a Hà Nội commune or ward, nor a "
                   "unit loaded with kiosk backend load-units\n")

Run = Callable[..., Result]


def _load_can_tho(kiosk: Run, tmp_path: Path, home: list[str]) -> None:
    units = tmp_path / "can-tho.csv"
    units.write_text("province_code,unit_code,name,type\n"
                     f"92,{CAN_THO},Phường Cái Khế,phuong\n", encoding="utf-8")
    assert kiosk("backend", "load-units", str(units), *home).status == 0


def test_with_the_national_list_every_unit_is_named_apart_hanois_first(
    backend: Backend,
) -> None:
    # GIVEN all 3,321 units loaded (576 of them share a name with another)
    before = dict(backend.store.served_units.names())
    backend.store.served_units.load(parse_units(NATIONAL_UNITS.read_text(encoding="utf-8")))
    names = backend.store.served_units.names()
    # THEN every unit is known, Hà Nội's first with the kiosks' own names, and the others
    # carry their province, so two communes of one name are told apart
    assert len(names) == 3321
    assert list(names.items())[:126] == list(before.items())
    assert names[331] == "Phường Hoàng Mai"
    assert names[17110] == "Phường Hoàng Mai (Nghệ An)"
    assert names[CAN_THO] == "Phường Cái Khế (Cần Thơ)"
    assert len(set(names.values())) == len(names)
    assert backend.store.served_units.knows(17110)
    assert not backend.store.served_units.knows(UNKNOWN)


def test_add_user_and_add_hub_take_a_loaded_unit_and_refuse_an_unknown_one(
    kiosk: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    officer = ("add-user", "canbo.caikhe", "--role", "commune_officer", "--unit", str(CAN_THO))
    # GIVEN a server that knows only Hà Nội: Cần Thơ's unit is refused
    refused = kiosk("backend", *officer, *home)
    assert refused.status == 2 and refused.err.startswith(
        f"kiosk: unknown unit code {CAN_THO}: not a Hà Nội commune or ward")
    # WHEN the operator loads it
    _load_can_tho(kiosk, tmp_path, home)
    # THEN an officer and a hub can be filed there
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-rat-dai-2026\n"))
    added = kiosk("backend", *officer, "--password-stdin", *home)
    assert added.status == 0, added.err
    assert added.out == f"user canbo.caikhe added: commune_officer, unit {CAN_THO}\n"
    hub = kiosk("backend", "add-hub", "HUB-CAIKHE", "--unit", str(CAN_THO), *home)
    assert hub.status == 0, hub.err
    assert f"#   kiosk config set kiosk.commune_code {CAN_THO}" in hub.out
    # AND a unit neither Hà Nội's nor loaded is refused with the reason, nothing made
    for command in (("add-user", "x.y", "--role", "commune_officer", "--unit", str(UNKNOWN)),
                    ("add-hub", "HUB-X", "--unit", str(UNKNOWN))):
        unknown = kiosk("backend", *command, *home)
        assert (unknown.status, unknown.err) == (2, UNKNOWN_MESSAGE)
    assert kiosk("backend", "revoke", "HUB-X", *home).err == "kiosk: 'HUB-X' has no active token\n"


def test_publish_point_takes_a_loaded_unit(kiosk: Run, tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "backend")]
    assert kiosk("backend", "keygen", *home).status == 0
    point = tmp_path / "point.json"
    point.write_text(json.dumps({
        "counters": [{"number": 1, "name": "Quầy số 1", "services": ["A"]}],
        "officers": [{"login": "lan", "name": "Trần Thị Lan", "pin_hash": hash_pin("24681012")}]},
        ensure_ascii=False), encoding="utf-8")
    assert kiosk("backend", "publish-point", str(CAN_THO), str(point), *home).err.startswith(
        f"kiosk: unknown unit code {CAN_THO}")
    _load_can_tho(kiosk, tmp_path, home)
    published = kiosk("backend", "publish-point", str(CAN_THO), str(point), *home)
    assert published.out == (f"published version 1 for unit {CAN_THO}: 1 counter(s), "
                             "1 officer(s)\n")
    unknown = kiosk("backend", "publish-point", str(UNKNOWN), str(point), *home)
    assert (unknown.status, unknown.err) == (2, UNKNOWN_MESSAGE)


def test_the_service_point_api_takes_a_loaded_unit(backend: Backend) -> None:
    api = TestClient(create_app(backend.store, rate_limit="10000/second"))
    office = {"Authorization": f"Bearer {backend.token('OFFICE', Role.BACK_OFFICE)}"}
    setup = {"counters": [{"number": 1, "name": "Quầy số 1", "services": ["A"]}],
             "officers": []}
    path = f"/v1/service-points/{CAN_THO}"
    refused = api.put(path, json=setup, headers=office)
    assert refused.status_code == 404
    assert refused.json()["detail"] == (
        f"unknown unit code {CAN_THO}: not a Hà Nội commune or ward nor a unit the operator "
        "loaded (kiosk backend load-units)")
    backend.store.served_units.load([Unit(CAN_THO, "92", "Phường Cái Khế", "phuong")])
    accepted = api.put(path, json=setup, headers=office)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["version"] == 1


@pytest.fixture
def admin_page(backend: Backend) -> TestClient:
    backend.store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    backend.store.served_units.load([Unit(CAN_THO, "92", "Phường Cái Khế", "phuong")])
    app = create_app(backend.store, rate_limit="10000/second", session_secret="test")
    return TestClient(app, base_url="http://127.0.0.1")


def test_the_back_office_lists_and_accepts_a_loaded_unit(
    admin_page: TestClient, backend: Backend
) -> None:
    csrf = signed_in(admin_page, "admin")
    chosen = (f'<input type="radio" name="unit" value="{CAN_THO}" checked> '
              "Phường Cái Khế (Cần Thơ)</label>")
    # The unit pickers find it by name and province, typed without accents, and choose it
    for page in ("/bo/inbox", "/bo/fleet", "/bo/satisfaction"):
        text = admin_page.get(page, params={"unit_q": "cai khe can tho"}).text
        assert chosen in text, page
        assert 'id="unit-q" name="unit_q" type="search" value="Phường Cái Khế (Cần Thơ)"' in text
    # ... after Hà Nội's own when the name is shared
    offered = admin_page.get("/bo/units/choices", params={"unit_q": "phuong c"}).text
    assert offered.index("> Phường Cầu Giấy</label>") < offered.index(
        "> Phường Cái Khế (Cần Thơ)</label>")
    # The filters take it; an unknown code is still "no such unit"
    assert admin_page.get(f"/bo/inbox?unit={CAN_THO}").status_code == 200
    assert admin_page.get(f"/bo/fleet?unit={CAN_THO}").status_code == 200
    assert admin_page.get(f"/bo/satisfaction?unit={CAN_THO}").status_code == 200
    assert admin_page.get(f"/bo/inbox?unit={UNKNOWN}").status_code == 422
    # An officer can be added there, and the audit log names the unit
    added = admin_page.post("/bo/users", data={"csrf": csrf, "username": "canbo.caikhe",
                                               "role": "commune_officer", "unit_q": "cai khe"})
    assert added.status_code == 200
    assert backend.store.user_admin.find("canbo.caikhe").unit_code == CAN_THO  # type: ignore[union-attr]
    assert backend.store.audit.entries()[0].detail == (
        "canbo.caikhe: commune_officer, Phường Cái Khế (Cần Thơ)")
    # Its service point's details and counters pages open
    assert "Phường Cái Khế (Cần Thơ)" in admin_page.get(
        f"/bo/service-points?unit={CAN_THO}").text
    counters = admin_page.get(f"/bo/service-points/{CAN_THO}/counters")
    assert counters.status_code == 200
    assert "Quầy và cán bộ · Phường Cái Khế (Cần Thơ)" in counters.text
    assert admin_page.get(f"/bo/service-points/{UNKNOWN}/counters").status_code == 403
