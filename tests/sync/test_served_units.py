"""Units beyond Hà Nội: the national list shipped with the server, a loader for the
operator's CSV, and the directory and queue endpoints accepting what was loaded."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from office.app import create_app, hanoi_unit_codes
from office.store import Role
from office.units_file import NATIONAL_UNITS, UnitsFileError, parse_units
from tests.conftest import Result
from tests.sync.conftest import Backend

#: Phường Cái Khế, Cần Thơ: a unit outside Hà Nội.
CAN_THO = 31120


def _csv(rows: list[tuple[str, int, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["province_code", "unit_code", "name", "type"])
    writer.writerows(rows)
    return out.getvalue()


def test_the_national_list_has_every_unit_of_the_34_provinces_and_hanois_126() -> None:
    units = parse_units(NATIONAL_UNITS.read_text(encoding="utf-8"))
    assert len(units) == 3321
    assert len({unit.province_code for unit in units}) == 34
    assert {unit.type for unit in units} == {"xa", "phuong", "dac_khu"}
    hanoi = {unit.unit_code for unit in units if unit.province_code == "01"}
    assert hanoi == hanoi_unit_codes()
    assert next(unit.name for unit in units if unit.unit_code == CAN_THO) == "Phường Cái Khế"


def test_a_file_with_faults_is_refused_whole_naming_its_lines() -> None:
    text = _csv([("92", 31120, "Phường Cái Khế", "phuong"), ("9", 31121, "X", "xa"),
                 ("92", 31120, "Again", "phuong"), ("92", 0, "Zero", "xa"),
                 ("92", 31999, "Bad type", "ward")])
    with pytest.raises(UnitsFileError) as refused:
        parse_units(text)
    assert str(refused.value) == (
        "line 3: province_code '9' is not two digits; "
        "line 4: unit_code 31120 already on line 2; "
        "line 5: unit_code '0' is not 1-99999; "
        "line 6: type 'ward' is not one of xa, phuong, dac_khu")
    with pytest.raises(UnitsFileError, match="missing column"):
        parse_units("code,name\n1,A\n")


def _queue(published_at: str) -> dict[str, object]:
    return {"published_at": published_at,
            "services": [{"service": "A", "waiting": 2, "counters_open": 1}]}


def test_queue_and_directory_accept_a_unit_once_the_operator_loaded_it(
    backend: Backend,
) -> None:
    api = TestClient(create_app(backend.store, rate_limit="10000/second"))
    office = {"Authorization": f"Bearer {backend.token('OFFICE', Role.BACK_OFFICE)}"}
    queue_path = f"/v1/queue/{CAN_THO}"
    directory = {"version": 1, "details": [{"code": CAN_THO, "hotline": "0292 3820 000"}]}
    # GIVEN a Hà Nội server: a Cần Thơ unit is unknown
    assert api.put(queue_path, json=_queue("2026-12-07T09:00:00+07:00"),
                   headers=office).status_code == 404
    assert api.put("/v1/directory", json=directory, headers=office).status_code == 422
    # WHEN the operator loads Cần Thơ's units
    loaded = backend.store.served_units.load(parse_units(_csv(
        [("92", CAN_THO, "Phường Cái Khế", "phuong"), ("92", 31117, "Phường Ninh Kiều",
                                                        "phuong")])))
    # THEN its queue and directory are accepted and served; Hà Nội's units still are
    assert loaded == 2
    assert api.put(queue_path, json=_queue("2026-12-07T09:00:00+07:00"),
                   headers=office).status_code == 200
    assert api.get(queue_path, headers=office).json()["unit_code"] == CAN_THO
    assert api.put("/v1/directory", json=directory, headers=office).status_code == 200
    assert api.put("/v1/queue/4", json=_queue("2026-12-07T09:00:00+07:00"),
                   headers=office).status_code == 200
    assert api.put("/v1/queue/99998", json=_queue("2026-12-07T09:00:00+07:00"),
                   headers=office).status_code == 404


def test_load_units_from_the_command_line_then_file_a_kiosk_there(
    kiosk: Callable[..., Result], tmp_path: Path
) -> None:
    home = ("--home", str(tmp_path / "backend"))
    assert kiosk("backend", "keygen", *home).status == 0
    refused = kiosk("backend", "set-kiosk-unit", "K1", str(CAN_THO), *home)
    assert refused.status != 0 and "unknown unit code 31120" in refused.err
    units = tmp_path / "can-tho.csv"
    units.write_text(_csv([("92", CAN_THO, "Phường Cái Khế", "phuong")]), encoding="utf-8")
    loaded = kiosk("backend", "load-units", str(units), *home)
    assert loaded.status == 0
    assert loaded.out.strip() == f"1 units of 1 province(s) loaded from {units}"
    filed = kiosk("backend", "set-kiosk-unit", "K1", str(CAN_THO), *home)
    assert filed.status == 0, filed.err
    # AND with no file, the national list
    everything = kiosk("backend", "load-units", *home)
    assert everything.status == 0 and everything.out.startswith("3321 units of 34 province(s)")
    bad = tmp_path / "bad.csv"
    bad.write_text(json.dumps({"not": "csv"}), encoding="utf-8")
    assert "refused, nothing loaded: missing column" in kiosk(
        "backend", "load-units", str(bad), *home).err
