"""Importing the catalog: all or nothing, by version, with the reason for a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.catalog import (
    CatalogError,
    Channel,
    Fee,
    Level,
    LifeEvent,
    Receiver,
    catalog_stats,
    catalog_to_json,
    demo_catalog_bytes,
    import_catalog,
    installed_version,
    load_catalog,
    parse_catalog,
    parse_catalog_bytes,
    procedures_by_field,
)
from kiosk.storage import Database
from tests.conftest import SMALL_CATALOG, catalog_bytes, v2_catalog

REFERENCE_CODES = {
    # shared/data/reference/procedures/*.md
    "1.000466", "1.000757", "1.000889", "1.001247", "1.001445", "1.001456", "1.001471",
    "1.002755", "1.003677", "1.004194", "1.004222", "1.010382", "1.010384", "1.010385",
    "1.010386", "2.000200", "2.000539", "2.001159", "2.001178", "2.001194", "2.001195",
    # the table of commune-level procedures in shared/data/reference/README.md
    "1.001193", "1.000894", "2.000806", "1.000419", "2.000815", "2.000884", "1.010038",
    "2.000635", "1.013133",
}


def test_import_stores_every_fact(db: Database, small_catalog: dict[str, Any]) -> None:
    result = import_catalog(db, catalog_bytes(small_catalog))
    assert (result.version, result.previous_version, result.procedures, result.services) == (
        1, None, 4, 2,
    )
    catalog = load_catalog(db)
    assert catalog is not None
    birth = catalog.procedures[0]
    assert birth.code == "1.001193"
    assert birth.level is Level.COMMUNE
    assert birth.channels == (Channel.IN_PERSON, Channel.ONLINE)
    assert [d.name for d in birth.documents] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert birth.portal_url == (
        "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html"
        "?ma_thu_tuc=1.001193"
    )
    copy_fee = catalog.procedures[2].fees[0]
    assert (copy_fee.amount_vnd, copy_fee.note) == (
        None, "2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang",
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["procedures"][2].pop("title"),
         "procedures[2] (2.000815): procedure lacks required key(s): title"),
        (lambda c: c["procedures"][1].update(code="1.2"),
         "procedures[1] (1.2): procedure: code '1.2' must match [0-9]\\.[0-9]{6}"),
        (lambda c: c["procedures"][0].update(level="district"),
         "procedures[0] (1.001193): procedure: level 'district' must be one of "
         "commune, province, central"),
        (lambda c: c["procedures"][0]["fees"].append({"channel": "online", "amount_vnd": -5}),
         "procedures[0] (1.001193): fee: amount_vnd must be a whole number >= 0"),
        (lambda c: c["procedures"][0]["fees"].append({"channel": "online", "amount_vnd": None}),
         "procedures[0] (1.001193): fee: a fee without a fixed amount_vnd needs a note"
         " saying how it is set"),
        (lambda c: c["procedures"][3].update(service="Z"),
         "procedures[3] (1.004194): procedure: service 'Z' is not among the file's services"),
        (lambda c: c["procedures"][3].update(colour="red"),
         "procedures[3] (1.004194): procedure has unknown key(s): colour"),
        (lambda c: c["procedures"].append(dict(c["procedures"][0])),
         "procedures[4] (1.001193): procedure: code 1.001193 appears twice"),
        (lambda c: c["procedures"][0].update(channels=[]),
         "procedures[0] (1.001193): procedure: channels must name at least one channel"),
        (lambda c: c.update(format="other/1"),
         "catalog: format must be 'motcua-catalog/2' (or the older 'motcua-catalog/1'), "
         "not 'other/1'"),
        (lambda c: c.update(version=True), "catalog: version must be a whole number >= 1"),
        (lambda c: c["services"].append({"code": "a", "name": "x"}),
         "services[2] (a): service: code 'a' must match [A-Z]"),
    ],
)
def test_a_bad_record_refuses_the_whole_file_and_says_where(
    catalog_db: Database, small_catalog: dict[str, Any], mutate: Any, message: str
) -> None:
    small_catalog["version"] = 2
    small_catalog["procedures"][0]["title"] = "Changed title that must not be stored"
    mutate(small_catalog)
    with pytest.raises(CatalogError) as refused:
        import_catalog(catalog_db, catalog_bytes(small_catalog))
    assert str(refused.value) == message
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    assert catalog.version == 1
    assert catalog.procedures[0].title == "Đăng ký khai sinh"


def test_broken_json_is_refused_with_the_position() -> None:
    with pytest.raises(CatalogError, match=r"not valid JSON: Expecting .* line 1 column 2"):
        parse_catalog_bytes(b"{,")
    with pytest.raises(CatalogError, match="not UTF-8 text"):
        parse_catalog_bytes(b"\xff\xfe")


def test_a_newer_version_replaces_and_an_older_one_is_refused(
    catalog_db: Database, small_catalog: dict[str, Any]
) -> None:
    small_catalog["version"] = 3
    del small_catalog["procedures"][3]
    result = import_catalog(catalog_db, catalog_bytes(small_catalog))
    assert (result.version, result.previous_version, result.procedures) == (3, 1, 3)
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    assert [p.code for p in catalog.procedures] == ["1.001193", "1.000656", "2.000815"]

    small_catalog["version"] = 2
    with pytest.raises(CatalogError, match="already has catalog version 3; this file is"):
        import_catalog(catalog_db, catalog_bytes(small_catalog))
    assert installed_version(catalog_db) == 3
    forced = import_catalog(catalog_db, catalog_bytes(small_catalog), force=True)
    assert forced.version == 2


def test_the_demo_catalog_holds_every_reference_procedure() -> None:
    # Every reference code resolves: the portal's new codes keep the old ones as former codes
    catalog = parse_catalog_bytes(demo_catalog_bytes())
    missing = sorted(code for code in REFERENCE_CODES if catalog.procedure(code) is None)
    assert missing == []
    assert sum(1 for procedure in catalog.procedures if procedure.aliases) >= 80


def test_browsing_groups_by_field_in_alphabetical_order(catalog_db: Database) -> None:
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    groups = procedures_by_field(catalog.procedures)
    assert list(groups) == ["Chứng thực", "Cư trú", "Hộ tịch"]
    assert [p.code for p in groups["Hộ tịch"]] == ["1.001193", "1.000656"]


# -- format 2 ---------------------------------------------------------------------------------


def test_a_format_2_file_keeps_cases_papers_to_show_times_and_life_events(db: Database) -> None:
    result = import_catalog(db, catalog_bytes(v2_catalog()))
    assert (result.version, result.procedures) == (5, 3)
    catalog = load_catalog(db)
    assert catalog is not None
    birth = catalog.procedures[0]
    assert [case.key for case in birth.cases] == ["dung-han", "tre-bi-bo-roi"]
    on_time = birth.case("dung-han")
    assert on_time is not None
    assert [d.form for d in on_time.submit] == ["Mẫu TP/HT-2020-KS.1", None]
    assert [d.name for d in on_time.show] == ["Thẻ căn cước của người đi đăng ký"]
    assert birth.case(None) is None  # two cases: the citizen must choose
    assert birth.receiver is Receiver.COMMUNE_DESK
    assert birth.processing_time == "1 ngày làm việc"
    assert (birth.steps, birth.result) == (("Nộp hồ sơ", "Nhận kết quả"), "Giấy khai sinh")
    residence = catalog.procedures[1]
    assert residence.receiver is Receiver.COMMUNE_POLICE
    assert residence.fees == ()
    assert residence.processing_time == "Trực tiếp: 07 ngày làm việc; Trực tuyến: 5"
    assert residence.times[1].note == "Cổng ghi số không đơn vị"
    assert catalog.life_events == (
        LifeEvent("sinh-con", "Sinh con", "A child is born", ("1.001193", "1.004222"),
                  "Làm theo thứ tự"),
    )
    assert catalog.field_name("Cư trú", "en") == "Residence"
    assert catalog.field_name("Cư trú", "vi") == "Cư trú"
    assert catalog_stats(catalog).to_json() == {
        "procedures": 3, "fields": 2, "life_events": 1, "cases": 4,
    }


def test_a_former_code_still_finds_its_procedure(db: Database) -> None:
    import_catalog(db, catalog_bytes(v2_catalog()))
    catalog = load_catalog(db)
    assert catalog is not None
    found = catalog.procedure("1.999001")
    assert found is not None
    assert found.code == "1.001193"
    assert catalog.procedure("9.999999") is None


def test_hidden_variants_are_left_out_of_browsing(db: Database) -> None:
    import_catalog(db, catalog_bytes(v2_catalog()))
    catalog = load_catalog(db)
    assert catalog is not None
    groups = procedures_by_field(catalog.procedures)
    assert {field: [p.code for p in items] for field, items in groups.items()} == {
        "Cư trú": ["1.004222"], "Hộ tịch": ["1.001193"],
    }
    assert [p.code for p in catalog.visible()] == ["1.001193", "1.004222"]


def test_every_bad_record_of_a_file_is_listed_and_nothing_is_imported(
    catalog_db: Database,
) -> None:
    data = v2_catalog()
    data["procedures"][0]["cases"][1]["key"] = "dung-han"
    data["procedures"][1]["cases"] = []
    data["procedures"][2]["former_codes"] = ["1.001193"]
    data["life_events"][0]["procedures"].append("1.000000")
    data["fields"].pop()
    with pytest.raises(CatalogError) as refused:
        import_catalog(catalog_db, catalog_bytes(data))
    assert refused.value.errors == (
        "procedures[0] (1.001193): procedure: case key 'dung-han' appears twice",
        "procedures[1] (1.004222): procedure: cases must hold at least one case",
        "procedure 1.001247: former code 1.001193 is a current code",
        "life event sinh-con: procedure(s) not in the catalog: 1.000000",
        "fields: no English name for field(s): Cư trú",
    )
    assert str(refused.value) == "\n".join(refused.value.errors)
    assert installed_version(catalog_db) == 1


def test_a_format_1_file_becomes_one_case_and_its_empty_fees_stay_free() -> None:
    catalog = parse_catalog_bytes(catalog_bytes(SMALL_CATALOG))
    birth, death = catalog.procedures[0], catalog.procedures[1]
    assert [(case.key, case.title) for case in birth.cases] == [
        ("mac-dinh", "Đăng ký khai sinh")]
    assert birth.documents == birth.cases[0].submit
    assert birth.cases[0].show == ()
    # Format 1 documented an empty fee list as "free": the meaning is kept.
    assert death.fees == (Fee(Channel.IN_PERSON, 0),)
    assert catalog.procedures[3].receiver is Receiver.COMMUNE_POLICE
    assert birth.receiver is Receiver.COMMUNE_DESK


def test_a_catalog_converted_to_format_2_reads_back_the_same() -> None:
    catalog = parse_catalog_bytes(catalog_bytes(SMALL_CATALOG))
    converted = catalog_to_json(catalog)
    assert converted["format"] == "motcua-catalog/2"
    again = parse_catalog(converted)
    assert again.procedures == catalog.procedures
    assert parse_catalog(catalog_to_json(parse_catalog(v2_catalog()))) == parse_catalog(
        v2_catalog()
    )
