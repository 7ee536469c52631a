"""The ``kiosk`` command line, through its public interface."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Result, catalog_bytes, v2_catalog

Kiosk = Callable[..., Result]


def test_catalog_search_json_is_code_title_score_best_first(kiosk: Kiosk) -> None:
    result = kiosk("--demo", "catalog", "search", "dang ky khai sinh", "--limit", "3", "--json")
    assert result.status == 0, result.err
    hits = result.json()
    assert len(hits) == 3
    assert hits[0]["code"] == "1.001193"
    assert hits[0]["title"] == "Đăng ký khai sinh"
    assert all(set(hit) == {"code", "title", "score"} for hit in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_catalog_search_finds_everyday_words_in_the_demo_catalog(kiosk: Kiosk) -> None:
    for query, code in [
        ("sao y", "2.000815"),
        ("nhap khau", "1.004222"),  # đăng ký thường trú
        ("dang ky tam tru", "1.004194"),
        ("lam can cuoc", "1.014061"),  # the portal's code now; 2.000200 is a former code
        ("tach ho", "1.010038"),
    ]:
        hits = kiosk("--demo", "catalog", "search", query, "--json").json()
        assert hits[0]["code"] == code, (query, hits[:3])


def test_catalog_show_json_carries_the_portal_url(kiosk: Kiosk) -> None:
    result = kiosk("--demo", "catalog", "show", "1.001193", "--json")
    assert result.status == 0
    record = result.json()
    assert record["code"] == "1.001193"
    assert record["portal_url"].endswith("ma_thu_tuc=1.001193")
    missing = kiosk("--demo", "catalog", "show", "9.999999")
    assert (missing.status, missing.err) == (
        2, "kiosk: no procedure with code '9.999999' in catalog version 2\n",
    )
    # a code of the old catalog (receipts and links made with it) still finds its procedure
    assert kiosk("--demo", "catalog", "show", "2.000200", "--json").json()["code"] == "1.014061"


def test_catalog_import_refuses_a_bad_file_whole(
    kiosk: Kiosk, tmp_path: Path, small_catalog: dict[str, Any]
) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(catalog_bytes(small_catalog))
    imported = kiosk("catalog", "import", str(good))
    assert (imported.status, imported.out) == (
        0, "imported catalog version 1 (was none): 4 procedures, 2 services\n",
    )
    small_catalog["version"] = 2
    small_catalog["procedures"][1]["fees"] = [{"channel": "fax", "amount_vnd": 1}]
    bad = tmp_path / "bad.json"
    bad.write_bytes(catalog_bytes(small_catalog))
    refused = kiosk("catalog", "import", str(bad))
    assert refused.status == 2
    assert refused.err == (
        f"kiosk: {bad}: refused, nothing imported: procedures[1] (1.000656): "
        "fee: channel 'fax' must be one of in_person, online, post\n"
    )
    assert len(kiosk("catalog", "search", "khai", "--json").json()) == 2


def test_catalog_stats_and_a_former_code_on_a_format_2_catalog(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    path = tmp_path / "v2.json"
    path.write_bytes(catalog_bytes(v2_catalog()))
    assert kiosk("catalog", "import", str(path)).status == 0
    assert kiosk("catalog", "stats", "--json").json() == {
        "procedures": 3, "fields": 2, "life_events": 1, "cases": 4,
    }
    assert kiosk("catalog", "show", "1.999001", "--json").json()["code"] == "1.001193"
    shown = kiosk("catalog", "show", "1.004222").out
    assert "Cổng Dịch vụ công chưa nêu lệ phí" in shown
    assert "nộp: Tờ khai thay đổi thông tin cư trú [Mẫu CT01]: 1 bản chính" in shown
    # the central-level variant only for its exact code
    found = kiosk("catalog", "search", "cap the can cuoc", "--json").json()
    assert "1.001247" not in [hit["code"] for hit in found]
    exact = kiosk("catalog", "search", "1.001247", "--json").json()
    assert exact[0]["code"] == "1.001247"


def test_catalog_convert_writes_a_format_1_file_as_format_2(
    kiosk: Kiosk, tmp_path: Path, small_catalog: dict[str, Any]
) -> None:
    old, new = tmp_path / "v1.json", tmp_path / "v2.json"
    old.write_bytes(catalog_bytes(small_catalog))
    result = kiosk("catalog", "convert", str(old), str(new))
    assert (result.status, result.out) == (
        0, f"wrote {new}: 4 procedures in motcua-catalog/2\n",
    )
    converted = json.loads(new.read_text(encoding="utf-8"))
    assert converted["format"] == "motcua-catalog/2"
    assert converted["procedures"][0]["cases"] == [{
        "key": "mac-dinh", "title": "Đăng ký khai sinh", "show": [],
        "submit": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0},
                   {"name": "Giấy chứng sinh", "originals": 1, "copies": 0}],
    }]
    assert kiosk("catalog", "import", str(new)).status == 0


def test_search_without_a_catalog_says_what_to_do(kiosk: Kiosk, tmp_path: Path) -> None:
    result = kiosk("catalog", "search", "khai sinh")
    assert result.status == 2
    assert "no catalog imported" in result.err
    assert "kiosk catalog import FILE" in result.err


def test_the_shipped_catalog_stats(kiosk: Kiosk) -> None:
    stats = kiosk("--demo", "catalog", "stats", "--json").json()
    assert set(stats) == {"procedures", "fields", "life_events", "cases"}
    assert stats["procedures"] >= 250
    assert stats["cases"] > stats["procedures"]  # some procedures have several cases
    assert stats["life_events"] >= 11


def test_fields_browse(kiosk: Kiosk) -> None:
    fields = kiosk("--demo", "catalog", "fields", "--json").json()
    names = [group["field"] for group in fields]
    assert "Hộ tịch" in names and "Cư trú" in names
    assert sum(len(group["procedures"]) for group in fields) >= 30


def test_directory_search_without_accents(kiosk: Kiosk) -> None:
    for query, name in [
        ("cau giay", "Phường Cầu Giấy"),
        ("Hoan Kiem", "Phường Hoàn Kiếm"),
        ("soc son", "Xã Sóc Sơn"),
        ("ba dinh", "Phường Ba Đình"),
    ]:
        hits = kiosk("directory", "search", query, "--json").json()
        assert hits[0]["name"] == name, (query, hits[:3])


def test_directory_has_all_126_units_with_unpublished_details(kiosk: Kiosk) -> None:
    units = kiosk("directory", "list", "--json").json()
    assert len(units) == 126
    assert sum(unit["type"] == "phuong" for unit in units) == 51
    assert sum(unit["type"] == "xa" for unit in units) == 75
    ba_dinh = kiosk("directory", "show", "4", "--json").json()
    assert ba_dinh["name"] == "Phường Ba Đình"
    assert ba_dinh["address"] is None
    human = kiosk("directory", "show", "4").out
    assert "địa chỉ: chưa công bố (not yet published)" in human


def test_submissions_create_and_list(kiosk: Kiosk) -> None:
    card = "001099012345||Nguyễn Văn An|15031999|Nam|Hà Nội|20042021"
    ticket = kiosk("--demo", "submissions", "create", "--kind", "queue_ticket",
                   "--procedure", "1.001193", "--citizen-qr", card, "--json")
    assert ticket.status == 0, ticket.err
    made = ticket.json()
    assert made["ticket_number"].startswith("A1-")
    assert made["citizen_masked"] == "N. V. A. ********2345"
    intake = kiosk("--demo", "submissions", "create", "--kind", "application_intake",
                   "--procedure", "1.001193", "--citizen-qr", card, "--json").json()
    assert intake["has_personal_data"] is True
    listed = kiosk("--demo", "submissions", "list", "--json").json()
    assert [item["uuid"] for item in listed] == [made["uuid"], intake["uuid"]]
    assert all(item["state"] == "pending" for item in listed)


def test_submissions_create_refuses_bad_input(kiosk: Kiosk) -> None:
    bad_card = kiosk("--demo", "submissions", "create", "--kind", "application_intake",
                     "--procedure", "1.001193", "--citizen-qr", "nonsense")
    assert bad_card.status == 2
    assert bad_card.err.startswith("kiosk: --citizen-qr: ")
    no_service = kiosk("--demo", "submissions", "create", "--kind", "queue_ticket")
    assert (no_service.status, no_service.err) == (
        2, "kiosk: a queue ticket needs --service (or a --procedure that has one)\n",
    )
    unknown = kiosk("--demo", "submissions", "create", "--kind", "application_intake",
                    "--procedure", "9.999999")
    assert (unknown.status, unknown.err) == (
        2, "kiosk: not created: procedure '9.999999' is not in the catalog\n",
    )
    assert kiosk("--demo", "submissions", "list", "--json").json() == []


def test_bad_configuration_is_reported_not_raised(kiosk: Kiosk, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "technician.toml").write_text("[ui]\nidle_seconds = 1\n")
    result = kiosk("directory", "list")
    assert result.status == 2
    assert result.err == (
        f"kiosk: {data / 'technician.toml'}: ui.idle_seconds = 1 is not allowed: "
        "must be an integer >= 15, <= 600\n"
    )


def test_demo_walkthrough_runs(kiosk: Kiosk) -> None:
    result = kiosk("--demo", "demo")
    assert result.status == 0, result.err
    assert "queue ticket A1-001" in result.out
    assert "outbox: {'pending': 2, 'sent': 0, 'failed': 0}" in result.out


def test_python_dash_m_kiosk_is_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "motcua", "--demo", "catalog", "search", "khai sinh", "--json"],
        capture_output=True, text=True, check=False,
        env={"KIOSK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["code"] == "1.001193"


def test_config_set_writes_the_technician_layer_and_refuses_bad_values(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    changed = kiosk("config", "set", "ui.idle_seconds", "90")
    assert changed.status == 0, changed.err
    assert kiosk("config", "get", "ui.idle_seconds").out == "90\n"
    assert kiosk("config", "set", "ui.large_text", "true").status == 0
    assert kiosk("config", "get", "ui.large_text").out == "true\n"
    assert kiosk("config", "set", "kiosk.service_point_name", 'Phường "Ba Đình"').status == 0
    assert kiosk("config", "get", "kiosk.service_point_name").out == 'Phường "Ba Đình"\n'
    assert (tmp_path / "data" / "technician.toml").read_text() == (
        '[kiosk]\nservice_point_name = "Phường \\"Ba Đình\\""\n\n'
        "[ui]\nidle_seconds = 90\nlarge_text = true\n"
    )
    refused = kiosk("config", "set", "ui.idle_seconds", "ninety")
    assert (refused.status, refused.err) == (
        2, "kiosk: ui.idle_seconds = 'ninety' is not allowed: must be an integer >= 15, <= 600\n",
    )
    assert kiosk("config", "get", "ui.idle_seconds").out == "90\n"
    shown = {row["key"]: row for row in kiosk("config", "show", "--json").json()}
    assert shown["ui.idle_seconds"]["source"] == str(tmp_path / "data" / "technician.toml")
    assert shown["printer.width_dots"]["allowed"] == "one of 384, 576"
    assert kiosk("config", "check").status == 0


def test_technician_pin_is_set_hashed_and_checked(
    kiosk: Kiosk, tmp_path: Path, monkeypatch: Any
) -> None:
    import io

    from kiosk.config import load_config
    from kiosk.technician_pin import PinOutcome, pin_gate

    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n135799\n"))
    differ = kiosk("technician", "set-pin")
    assert (differ.status, differ.err) == (2, "kiosk: the two PINs differ; nothing changed\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n135790\n"))
    assert kiosk("technician", "set-pin").status == 0
    layer = (tmp_path / "data" / "technician.toml").read_text()
    assert "135790" not in layer and 'pin_hash = "scrypt$' in layer
    gate = pin_gate(load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")}))
    assert gate.enter("000000").outcome is PinOutcome.REJECTED
    assert kiosk("technician", "status", "--json").json() == {
        "outcome": "wait", "retry_after_seconds": 1, "failures": 1,
    }
    assert kiosk("technician", "unlock").status == 0
    assert gate.enter("135790").outcome is PinOutcome.ACCEPTED


def test_secrets_are_masked_in_config_show(kiosk: Kiosk) -> None:
    token = "Abcdefghijklmnop_1234567890WXYZ"
    changed = kiosk("config", "set", "sync.token", token)
    assert changed.status == 0 and token not in changed.out
    shown = {row["key"]: row["value"] for row in kiosk("config", "show", "--json").json()}
    assert shown["sync.token"] == "********WXYZ"
    assert token not in kiosk("config", "show").out
    assert kiosk("config", "get", "sync.token").out == token + "\n"  # asked for by name
