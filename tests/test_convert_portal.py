"""The shipped catalog and the conversion that makes it from the portal's records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.catalog import Catalog, Receiver, demo_catalog_bytes, parse_catalog_bytes
from kiosk.receipt import Field, SlipContext, procedure_checklist

ROOT = Path(__file__).resolve().parents[1]
PORTAL = Path("/work/shared/data/reference/portal-2026")
OLD_DEMO = ROOT / "tools" / "catalog" / "catalog-demo-v1.json"
SHIPPED = ROOT / "kiosk" / "data" / "catalog-hanoi.json"
#: A processing time as the portal's run-together table writes it before the fee.
TIME = (r"(?:\d+(?:[.,]\d+)?(?:\s*(?:Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút))?"
        r"|Không có thông tin|Không quy định)?")
needs_portal = pytest.mark.skipif(
    not (PORTAL / "commune-procedures-raw.json").is_file(),
    reason="the portal's reference records are not on this machine",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog_bytes(demo_catalog_bytes())


def convert(output: Path) -> bytes:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "convert_portal.py"), "--portal", str(PORTAL),
         "--output", str(output)],
        check=True, capture_output=True, timeout=300,
    )
    return output.read_bytes()


@needs_portal
def test_the_conversion_is_deterministic_and_its_output_is_what_ships(tmp_path: Path) -> None:
    first = convert(tmp_path / "first.json")
    second = convert(tmp_path / "second.json")
    assert first == second
    assert first == SHIPPED.read_bytes(), "run scripts/convert-portal and commit its output"


def test_the_shipped_catalog_holds_at_least_250_commune_procedures(catalog: Catalog) -> None:
    commune = [p for p in catalog.visible()
               if p.receiver in (Receiver.COMMUNE_DESK, Receiver.COMMUNE_POLICE)]
    assert len(commune) >= 250
    assert all(procedure.cases for procedure in catalog.procedures)
    assert sum(len(procedure.cases) > 1 for procedure in catalog.procedures) >= 30
    assert len(catalog.life_events) >= 11
    assert {field.name for field in catalog.fields} == {p.field for p in catalog.procedures}


def test_every_life_event_names_procedures_of_the_catalog_in_order(catalog: Catalog) -> None:
    for event in catalog.life_events:
        assert all(catalog.procedure(code) is not None for code in event.procedures), event.key
    birth = catalog.life_event("sinh-con")
    assert birth is not None
    assert birth.procedures[:3] == ("2.000986", "1.001193", "1.004222")


def test_every_code_of_the_old_demo_catalog_still_resolves(catalog: Catalog) -> None:
    old = json.loads(OLD_DEMO.read_text(encoding="utf-8"))
    codes = [procedure["code"] for procedure in old["procedures"]]
    assert len(codes) == 30
    unresolved = [code for code in codes if catalog.procedure(code) is None]
    assert unresolved == []
    assert catalog.procedure("2.000200").code == "1.014061"  # type: ignore[union-attr]


def test_hidden_variants_are_never_commune_procedures(catalog: Catalog) -> None:
    hidden = {p.code for p in catalog.procedures if p.hidden}
    assert {"1.010385", "1.001456", "1.001471"} <= hidden
    assert "1.010386" not in hidden  # the commune's own variant of the same report


def test_police_procedures_are_received_by_the_commune_police(catalog: Catalog) -> None:
    for code in ("1.004222", "1.004194", "1.014061", "1.013076", "3.000228"):
        procedure = catalog.procedure(code)
        assert procedure is not None
        assert procedure.receiver is Receiver.COMMUNE_POLICE, code
    birth = catalog.procedure("1.001193")
    assert birth is not None
    assert birth.receiver is Receiver.COMMUNE_DESK


@needs_portal
def test_no_fee_is_free_unless_the_portal_says_so_for_that_channel(catalog: Catalog) -> None:
    raw = json.loads((PORTAL / "commune-procedures-raw.json").read_text(encoding="utf-8"))
    methods = {record["ma_thu_tuc"]: record["cach_thuc_thuc_hien"] or "" for record in raw}
    names = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Dịch vụ bưu chính"}
    wrong = []
    for procedure in catalog.procedures:
        if procedure.code not in methods:
            continue  # kept from the old demo catalog, not from the portal
        for fee in procedure.fees:
            if fee.amount_vnd == 0:
                said = re.search(rf"{names[fee.channel.value]}{TIME}Miễn phí",
                                 methods[procedure.code])
                if said is None:
                    wrong.append(f"{procedure.code} {fee.channel.value}")
    assert wrong == []


def test_a_procedure_the_portal_gives_no_fee_for_says_so_on_its_checklist(
    catalog: Catalog,
) -> None:
    card = catalog.procedure("1.014061")  # the portal: "Không có thông tin"
    assert card is not None
    assert card.fees == ()
    slip = procedure_checklist(card, SlipContext("Điểm phục vụ", "1022", "HN-4-K1", "vi"))
    fees = [block.value for block in slip.blocks
            if isinstance(block, Field) and block.label == "Lệ phí"]
    assert fees == ["Cổng Dịch vụ công chưa nêu lệ phí"]


def test_a_case_of_the_hand_checked_birth_registration(catalog: Catalog) -> None:
    birth = catalog.procedure("1.001193")
    assert birth is not None
    assert [case.key for case in birth.cases] == [
        "co-giay-chung-sinh", "tre-bi-bo-roi", "mang-thai-ho"]
    abandoned = birth.case("tre-bi-bo-roi")
    assert abandoned is not None
    assert [d.name for d in abandoned.submit] == [
        "Tờ khai đăng ký khai sinh", "Biên bản về việc trẻ bị bỏ rơi do cơ quan có thẩm quyền lập"]


def test_a_title_naming_only_a_central_province_or_district_level_is_hidden(
    catalog: Catalog,
) -> None:
    only_above = re.compile(r"\((?:thực hiện tại )?cấp (?:trung ương|tỉnh|huyện)\)$")
    above = [p for p in catalog.procedures if only_above.search(p.title)]
    assert {p.code for p in above} >= {"1.001471", "1.001445", "1.010382", "1.010384"}
    assert [p.code for p in above if not p.hidden] == []
    # "... thực hiện tại cấp trung ương, cấp tỉnh, cấp xã": the commune police take it.
    transfer = catalog.procedure("1.013076")
    assert transfer is not None
    assert not transfer.hidden


def test_what_only_a_border_or_coastal_commune_receives_is_hidden_in_hanoi(
    catalog: Catalog,
) -> None:
    border = {"1.000080", "1.000094", "1.000110", "1.003005", "1.003133", "1.004827",
              "1.012680", "1.014364", "2.002349", "3.000439", "3.000441", "3.000443"}
    shown = [code for code in sorted(border) if not catalog.procedure(code).hidden]  # type: ignore[union-attr]
    assert shown == []
    inland_fish_farms = catalog.procedure("1.014801")
    assert inland_fish_farms is not None
    assert not inland_fish_farms.hidden
    assert not catalog.procedure("1.000893").hidden  # type: ignore[union-attr]


def test_old_state_housing_and_compensation_offsets_are_not_received_at_the_commune(
    catalog: Catalog,
) -> None:
    for code in ("1.012892", "1.012893", "1.012897", "1.012898", "1.012994"):
        procedure = catalog.procedure(code)
        assert procedure is not None
        assert procedure.receiver is Receiver.OTHER, code
