"""Hà Nội's overlay on the catalog: reading it whole, storing it, applying it on load, and
what the checklist slip and the procedure screen say about a fee Hà Nội sets."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import (
    Channel,
    Fee,
    LocalRule,
    demo_catalog_bytes,
    import_catalog,
    load_catalog,
)
from kiosk.catalog_overlay import (
    FORMAT,
    OverlayError,
    import_overlay,
    installed_overlay_version,
    load_overlay,
    parse_overlay,
    parse_overlay_bytes,
)
from kiosk.config import load_config
from kiosk.desk import ServiceDesk
from kiosk.receipt import Field, SlipContext, procedure_checklist
from kiosk.storage import MIGRATIONS, SCHEMA_VERSION, Database, open_database
from tests.conftest import Result, catalog_bytes

VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
EN = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "en")
HANOI_FEE = {"channel": "in_person", "amount_vnd": 3000, "note": "mỗi trang"}


def overlay(*entries: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"format": FORMAT, "version": version, "published": "2026-12-07",
            "procedures": list(entries)}


def raw(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def fields(slip: Any) -> dict[str, str]:
    return {block.label: block.value for block in slip.blocks if isinstance(block, Field)}


# -- reading ------------------------------------------------------------------------------------


def test_a_good_overlay_is_read_with_each_entry_as_a_local_rule() -> None:
    parsed = parse_overlay(overlay(
        {"code": "2.000815", "fees": [HANOI_FEE], "note": "Hà Nội quy định mức phí riêng"},
        {"code": "1.001193", "service": "C", "counter": "Quầy số 7"},
    ))
    assert (parsed.version, parsed.published) == (1, "2026-12-07")
    assert [(e.code, e.rule) for e in parsed.entries] == [
        ("2.000815", LocalRule(fees=(Fee(Channel.IN_PERSON, 3000, "mỗi trang"),),
                               note="Hà Nội quy định mức phí riêng")),
        ("1.001193", LocalRule(service="C", counter="Quầy số 7")),
    ]
    # AND it writes back as it was read
    assert parse_overlay(parsed.to_json()) == parsed


def test_a_bad_overlay_is_refused_whole_with_every_fault_listed() -> None:
    data = overlay(
        {"code": "2.000815", "fees": [HANOI_FEE]},  # good
        {"code": "1.1193", "counter": "Quầy 1"},
        {"code": "1.001193", "fees": []},
        {"code": "1.000656", "note": "Hà Nội quy định"},
        {"code": "1.004194", "fees": [{"channel": "fax", "amount_vnd": 1}]},
        {"code": "2.000815", "counter": "Quầy 2"},
        {"code": "1.004222", "service": "a"},
        {"code": "1.004223", "counter": "Quầy 2", "price": 5},
        "1.004224",
    )
    with pytest.raises(OverlayError) as refused:
        parse_overlay_bytes(raw(data))
    assert refused.value.errors == (
        "procedures[1] (1.1193): entry: code '1.1193' must match [0-9]\\.[0-9]{6}",
        "procedures[2] (1.001193): entry: fees must list at least one fee (leave fees out "
        "to keep the portal's)",
        "procedures[3] (1.000656): entry: sets nothing (give fees, service or counter)",
        "procedures[4] (1.004194): fee: channel 'fax' must be one of in_person, online, post",
        "procedures[5] (2.000815): entry: code 2.000815 appears twice",
        "procedures[6] (1.004222): entry: service 'a' must match [A-Z]",
        "procedures[7] (1.004223): entry has unknown key(s): price",
        "procedures[8]: entry must be a JSON object",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff", "not UTF-8 text"),
        (b"{", "not valid JSON"),
        (raw({**overlay(), "format": "motcua-catalog/2"}),
         "overlay: format must be 'motcua-catalog-overlay/1', not 'motcua-catalog/2'"),
        (raw({**overlay(), "version": 0}), "overlay: version must be a whole number >= 1"),
        (raw({"format": FORMAT, "version": 1}), "overlay lacks required key(s): procedures"),
    ],
)
def test_a_file_that_is_not_an_overlay_says_why(body: bytes, message: str) -> None:
    with pytest.raises(OverlayError, match="^" + re.escape(message)):
        parse_overlay_bytes(body)


def test_the_shipped_demo_overlay_is_valid_and_says_it_is_a_demo() -> None:
    text = resources.files("kiosk.data").joinpath("overlay-hanoi-demo.json").read_bytes()
    parsed = parse_overlay_bytes(text)
    assert 2 <= len(parsed.entries) <= 3
    assert all("demo" in (entry.rule.note or "").casefold() for entry in parsed.entries)
    # No invented amounts: every demo fee says how it is set, none names a sum.
    demo_fees = [fee for entry in parsed.entries for fee in entry.rule.fees or ()]
    assert demo_fees and all(fee.amount_vnd is None for fee in demo_fees)


# -- storing and applying -----------------------------------------------------------------------


def test_an_imported_overlay_wins_over_the_portal_when_the_catalog_is_loaded(
    catalog_db: Database,
) -> None:
    # GIVEN the small catalog, whose 2.000815 has the portal's per-page fee
    portal = load_catalog(catalog_db)
    assert portal is not None
    # WHEN an overlay sets Hà Nội's fee for it and a counter for 1.001193
    result = import_overlay(catalog_db, raw(overlay(
        {"code": "2.000815", "fees": [HANOI_FEE], "note": "Hà Nội quy định mức phí riêng"},
        {"code": "1.001193", "service": "C", "counter": "Quầy số 7"},
    )), portal)
    assert (result.version, result.previous_version, result.entries) == (1, None, 2)
    assert (result.unknown_codes, result.unknown_services) == ((), ())
    # THEN the loaded catalog has Hà Nội's fee, marked as Hà Nội's
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    copy = catalog.procedure("2.000815")
    assert copy is not None
    assert copy.fees == (Fee(Channel.IN_PERSON, 3000, "mỗi trang"),)
    assert copy.fees_set_by_hanoi and copy.counter is None
    # AND the counter and service of the other, whose fees stay the portal's
    birth = catalog.procedure("1.001193")
    assert birth is not None
    assert (birth.service, birth.counter, birth.fees_set_by_hanoi) == ("C", "Quầy số 7", False)
    assert birth.fees == portal.procedures[0].fees
    # AND untouched procedures, and the catalog without overlay, are the portal's
    assert catalog.procedure("1.004194") == portal.procedure("1.004194")
    assert load_catalog(catalog_db, overlay=False) == portal


def test_an_entry_the_catalog_lacks_is_reported_and_the_rest_applies(
    catalog_db: Database,
) -> None:
    result = import_overlay(catalog_db, raw(overlay(
        {"code": "9.999999", "counter": "Quầy số 9"},
        {"code": "1.001193", "service": "Z", "counter": "Quầy số 7"},
    )), load_catalog(catalog_db))
    assert result.unknown_codes == ("9.999999",)
    assert result.unknown_services == ("1.001193: service Z",)
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    birth = catalog.procedure("1.001193")
    assert birth is not None
    # The unknown service is left out (the catalog's stays); the counter applies.
    assert (birth.service, birth.counter) == ("A", "Quầy số 7")


def test_the_overlay_stays_when_a_new_catalog_arrives(
    catalog_db: Database, small_catalog: dict[str, Any]
) -> None:
    import_overlay(catalog_db, raw(overlay({"code": "2.000815", "fees": [HANOI_FEE]})), None)
    import_catalog(catalog_db, catalog_bytes({**small_catalog, "version": 2}))
    catalog = load_catalog(catalog_db)
    assert catalog is not None and catalog.version == 2
    copy = catalog.procedure("2.000815")
    assert copy is not None and copy.fees_set_by_hanoi


def test_only_a_newer_overlay_replaces_the_stored_one(catalog_db: Database) -> None:
    import_overlay(catalog_db, raw(overlay({"code": "2.000815", "counter": "Quầy 1"},
                                           version=2)), None)
    with pytest.raises(OverlayError, match="already has overlay version 2; this file is "
                                           "version 2"):
        import_overlay(catalog_db, raw(overlay({"code": "2.000815", "counter": "Quầy 9"},
                                               version=2)), None)
    # A refused file changed nothing; a bad one neither.
    with pytest.raises(OverlayError):
        import_overlay(catalog_db, raw(overlay({"code": "x"}, version=3)), None)
    stored = load_overlay(catalog_db)
    assert stored is not None
    assert [e.rule.counter for e in stored.entries] == ["Quầy 1"]
    # AND a newer one, even empty (Hà Nội withdraws its rules), replaces it
    import_overlay(catalog_db, raw(overlay(version=3)), None)
    assert installed_overlay_version(catalog_db) == 3
    catalog = load_catalog(catalog_db)
    assert catalog is not None and all(p.local is None for p in catalog.procedures)


def test_the_migration_adds_the_overlay_table_to_a_database_of_the_previous_schema(
    tmp_path: Path,
) -> None:
    # GIVEN a database made by the release before the overlay, with its catalog
    path = tmp_path / "kiosk.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    previous = Database(conn)
    for migration in MIGRATIONS[:-1]:
        migration(previous)
    previous.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    previous.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION - 1])
    import_catalog(previous, demo_catalog_bytes())
    conn.close()
    # WHEN this release opens it
    db = open_database(path)
    # THEN it has the overlay table, empty, and the catalog loads as before
    assert db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert installed_overlay_version(db) is None
    catalog = load_catalog(db)
    assert catalog is not None and all(p.local is None for p in catalog.procedures)
    db.close()


def test_the_desk_shows_a_new_overlay_without_a_new_catalog(
    catalog_db: Database, tmp_path: Path
) -> None:
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    desk = ServiceDesk(catalog_db, config)
    before = desk.procedure("2.000815")
    assert before is not None and not before.fees_set_by_hanoi
    import_overlay(catalog_db, raw(overlay({"code": "2.000815", "fees": [HANOI_FEE]})), None)
    after = desk.procedure("2.000815")
    assert after is not None and after.fees_set_by_hanoi


# -- what the citizen reads ---------------------------------------------------------------------


def test_the_checklist_slip_marks_hanois_fee_and_names_hanois_counter(
    catalog_db: Database,
) -> None:
    import_overlay(catalog_db, raw(overlay(
        {"code": "2.000815", "fees": [HANOI_FEE], "counter": "Quầy số 8",
         "note": "Hà Nội quy định mức phí riêng"},
    )), None)
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    procedure = catalog.procedure("2.000815")
    assert procedure is not None
    slip = procedure_checklist(procedure, VI)
    assert fields(slip)["Lệ phí"] == "Trực tiếp: 3.000 đồng (mỗi trang)"
    assert fields(slip)["Nơi nộp hồ sơ"] == "Bộ phận một cửa UBND xã, phường – Quầy số 8"
    lines = slip.plain_text().splitlines()
    fee_at = next(i for i, line in enumerate(lines) if line.startswith("Lệ phí"))
    assert lines[fee_at + 1 : fee_at + 3] == ["Mức phí do Hà Nội quy định",
                                              "Hà Nội quy định mức phí riêng"]
    assert "Fee set by Hanoi" in procedure_checklist(procedure, EN).plain_text()


def test_a_portal_fee_is_not_marked_as_hanois(catalog_db: Database) -> None:
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    procedure = catalog.procedure("2.000815")
    assert procedure is not None
    assert "Mức phí do Hà Nội quy định" not in procedure_checklist(procedure, VI).plain_text()


def test_the_procedure_screen_marks_hanois_fee_and_names_hanois_counter(
    catalog_db: Database,
) -> None:
    pytest.importorskip("kivy")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from screens.i18n import translator
    from screens.procedure_detail import fee_lines, local_fee_lines, where_text

    import_overlay(catalog_db, raw(overlay(
        {"code": "2.000815", "fees": [HANOI_FEE], "counter": "Quầy số 8",
         "note": "Hà Nội quy định mức phí riêng"},
    )), None)
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    procedure = catalog.procedure("2.000815")
    assert procedure is not None
    service = next(s for s in catalog.services if s.code == "C")
    try:
        translator.switch("vi")
        fees = fee_lines(procedure.fees) + local_fee_lines(procedure)
        where = where_text(procedure, service)
        translator.switch("en")
        english = local_fee_lines(procedure)
    finally:
        translator.switch("vi")
    assert fees == ("• Trực tiếp: 3.000 đồng (mỗi trang)\nMức phí do Hà Nội quy định\n"
                    "Hà Nội quy định mức phí riêng")
    assert "Quầy số 8 (Chứng thực)" in where and "Quầy số 3" not in where
    assert english == "\nFee set by Hanoi\nHà Nội quy định mức phí riêng"


def test_a_kiosk_imports_an_overlay_from_the_command_line(
    kiosk: Callable[..., Result], tmp_path: Path
) -> None:
    demo = tmp_path / "overlay.json"
    demo.write_bytes(resources.files("kiosk.data").joinpath("overlay-hanoi-demo.json")
                     .read_bytes())
    # WHEN the shipped demo overlay is imported into the demo catalog
    imported = kiosk("--demo", "catalog", "import-overlay", str(demo), "--json")
    assert imported.status == 0, imported.err
    assert imported.json() == {"version": 1, "previous_version": None, "entries": 3,
                               "unknown_codes": [], "unknown_services": []}
    # THEN `catalog show` marks Hà Nội's fee and prints what the overlay set
    shown = kiosk("--demo", "catalog", "show", "1.004873")
    assert "    (mức phí do Hà Nội quy định)\n" in shown.out
    record = kiosk("--demo", "catalog", "show", "2.000815", "--json").json()
    assert record["local"] == {
        "service": "C", "counter": "Quầy số 3 và số 8 (bản demo)",
        "note": "BẢN DEMO, không phải quy định thật: ví dụ Hà Nội quy định mở thêm quầy "
                "chứng thực."}
    # AND the same version again is refused, naming the stored one
    again = kiosk("--demo", "catalog", "import-overlay", str(demo))
    assert again.status == 2
    assert "already has overlay version 1; this file is version 1" in again.err
