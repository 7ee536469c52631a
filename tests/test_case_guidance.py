"""Guidance by case and by life event: the desk's answers and the checklist slip per case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import import_catalog, parse_catalog_bytes
from kiosk.clock import HANOI
from kiosk.config import load_config
from kiosk.desk import ServiceDesk
from kiosk.kinds import IntakeRequest
from kiosk.receipt import SlipContext, procedure_checklist
from kiosk.storage import Database
from tests.conftest import catalog_bytes, v2_catalog

AFTERNOON = dt.datetime(2026, 12, 1, 14, 5, tzinfo=HANOI)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
EN = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "en")
PORTAL = "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc="


def guide_catalog() -> dict[str, Any]:
    """The small format 2 catalog, its civil-status service at counter 1, and its life
    event also naming the hidden central-level variant."""
    catalog = v2_catalog()
    catalog["services"][0]["counter"] = "Quầy số 1"
    catalog["life_events"].append(
        {"key": "giay-to", "title": "Làm giấy tờ tùy thân", "title_en": "ID papers",
         "procedures": ["1.001247", "1.004222"], "note_en": "Bring your old card"}
    )
    return catalog


@pytest.fixture
def desk(db: Database, tmp_path: Path) -> ServiceDesk:
    import_catalog(db, catalog_bytes(guide_catalog()))
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return ServiceDesk(db, config)


def test_life_events_list_their_procedures_in_order_without_hidden_variants(
    desk: ServiceDesk,
) -> None:
    events = desk.life_events()
    assert [(e.event.key, e.event.title_en, [p.code for p in e.procedures]) for e in events] == [
        ("sinh-con", "A child is born", ["1.001193", "1.004222"]),
        ("giay-to", "ID papers", ["1.004222"]),  # 1.001247 is a hidden central variant
    ]
    steps = desk.life_event("sinh-con")
    assert steps is not None
    assert (steps.event.note, [p.title for p in steps.procedures]) == (
        "Làm theo thứ tự", ["Đăng ký khai sinh", "Đăng ký thường trú"]
    )
    assert desk.life_event("khong-co") is None


def test_browsing_by_field_leaves_out_hidden_variants_and_names_fields_in_english(
    desk: ServiceDesk,
) -> None:
    assert [(f.name, f.name_en, [p.code for p in f.procedures]) for f in desk.fields()] == [
        ("Cư trú", "Residence", ["1.004222"]),
        ("Hộ tịch", "Civil status", ["1.001193"]),
    ]
    assert desk.english_field_names() == {"Hộ tịch": "Civil status", "Cư trú": "Residence"}


def test_the_desk_prints_the_checklist_of_the_case_chosen(desk: ServiceDesk) -> None:
    lines = desk.checklist("1.001193", "vi", "tre-bi-bo-roi").plain_text().splitlines()
    assert lines[4:14] == [
        "Mã thủ tục: 1.001193",
        "Trường hợp: Khai sinh cho trẻ bị bỏ rơi",
        "Nơi nộp hồ sơ: Bộ phận một cửa UBND xã, phường – Quầy số 1",
        "Cơ quan giải quyết: UBND cấp xã",
        "----------------",
        "Giấy tờ phải nộp:",
        "[ ] Biên bản về việc trẻ bị bỏ rơi (1 bản chính)",
        "Mang theo thẻ căn cước.",
        "----------------",
        "Lệ phí: Miễn phí",
    ]
    # An old link's former code finds the procedure too
    assert desk.checklist("1.999001", "vi", "dung-han").reference == "1.001193"


def test_the_desk_refuses_a_case_the_procedure_does_not_have(desk: ServiceDesk) -> None:
    with pytest.raises(KeyError, match=r"1\.004222 has no case 'dung-han'"):
        desk.checklist("1.004222", "vi", "dung-han")
    with pytest.raises(KeyError, match=r"9\.999999"):
        desk.checklist("9.999999", "vi")


def test_an_intake_keeps_the_papers_of_its_case(desk: ServiceDesk) -> None:
    # GIVEN the case "on time" of birth registration: two papers to hand in, one to show
    # WHEN the citizen has the declaration and their ID card
    submission = desk.submit(IntakeRequest("1.001193", (0, 2), "dung-han"), None)
    # THEN the birth certificate is missing, and nothing of the other case is listed
    assert submission.details == {
        "documents_present": ["Tờ khai đăng ký khai sinh", "Thẻ căn cước của người đi đăng ký"],
        "documents_missing": ["Giấy chứng sinh"],
    }


def checklist_lines(code: str, context: SlipContext, case: str | None = None) -> list[str]:
    catalog = parse_catalog_bytes(catalog_bytes(guide_catalog()))
    procedure = catalog.procedure(code)
    assert procedure is not None
    service = next((s for s in catalog.services if s.code == procedure.service), None)
    chosen = None if case is None else procedure.case(case)
    slip = procedure_checklist(
        procedure, context, case=chosen, service=service, printed_at=AFTERNOON
    )
    return slip.plain_text().splitlines()


def test_checklist_of_a_case_names_it_and_lists_papers_to_hand_in_and_to_show() -> None:
    assert checklist_lines("1.001193", VI, "dung-han") == [
        "Điểm phục vụ hành chính công phường Ba Đình",
        "----------------",
        "HỒ SƠ CẦN CHUẨN BỊ",
        "Đăng ký khai sinh",
        "Mã thủ tục: 1.001193",
        "Trường hợp: Đăng ký khai sinh đúng hạn (trong 60 ngày)",
        "Nơi nộp hồ sơ: Bộ phận một cửa UBND xã, phường – Quầy số 1",
        "Cơ quan giải quyết: UBND cấp xã",
        "----------------",
        "Giấy tờ phải nộp:",
        "[ ] Tờ khai đăng ký khai sinh (1 bản chính, Mẫu TP/HT-2020-KS.1)",
        "[ ] Giấy chứng sinh (1 bản chính)",
        "Giấy tờ phải xuất trình:",
        "[ ] Thẻ căn cước của người đi đăng ký (1 bản chính)",
        "Mang theo thẻ căn cước.",
        "----------------",
        "Lệ phí: Miễn phí",
        "Thời hạn giải quyết: 1 ngày làm việc",
        "Cách nộp: Trực tiếp, Trực tuyến",
        f"[QR {PORTAL}1.001193]",
        "Quét mã để xem thủ tục trên Cổng Dịch vụ công quốc gia",
        "In lúc 14:05 01/12/2026 · Ki-ốt HN-4-K1",
        "----------------",
        "Đường dây nóng: 1022",
    ]


def test_checklist_of_the_other_case_in_english_keeps_procedure_texts_vietnamese() -> None:
    assert checklist_lines("1.001193", EN, "tre-bi-bo-roi")[2:15] == [
        "DOCUMENTS TO BRING",
        "Đăng ký khai sinh",
        "Procedure code: 1.001193",
        "Your case: Khai sinh cho trẻ bị bỏ rơi",
        "Hand in at: One-stop desk of the commune People's Committee – Quầy số 1",
        "Handled by: UBND cấp xã",
        "----------------",
        "Papers to hand in:",
        "[ ] Biên bản về việc trẻ bị bỏ rơi (1 original)",
        "Bring your ID card.",
        "----------------",
        "Fees: Free",
        "Processing time: 1 ngày làm việc",
    ]


def test_one_case_procedure_at_the_police_with_no_fee_stated_and_a_time_per_channel() -> None:
    assert checklist_lines("1.004222", VI)[3:19] == [
        "Đăng ký thường trú",
        "Mã thủ tục: 1.004222",
        "Nơi nộp hồ sơ: Công an xã, phường",
        "Cơ quan giải quyết: Công an cấp xã",
        "----------------",
        "Giấy tờ phải nộp:",
        "[ ] Tờ khai thay đổi thông tin cư trú (1 bản chính, Mẫu CT01)",
        "Mang theo thẻ căn cước.",
        "----------------",
        "Lệ phí: Cổng Dịch vụ công chưa nêu lệ phí",
        "Thời hạn giải quyết:",
        "– Trực tiếp: 07 ngày làm việc",
        "– Trực tuyến: 5 (Cổng ghi số không đơn vị)",
        "Cách nộp: Trực tiếp, Trực tuyến",
        f"[QR {PORTAL}1.004222]",
        "Quét mã để xem thủ tục trên Cổng Dịch vụ công quốc gia",
    ]


def test_without_a_case_a_several_case_procedure_lists_every_paper_once() -> None:
    lines = checklist_lines("1.001193", VI)
    assert not any(line.startswith("Trường hợp") for line in lines)
    start = lines.index("Giấy tờ cần mang:")
    assert lines[start + 1 : start + 6] == [
        "[ ] Tờ khai đăng ký khai sinh (1 bản chính, Mẫu TP/HT-2020-KS.1)",
        "[ ] Giấy chứng sinh (1 bản chính)",
        "[ ] Thẻ căn cước của người đi đăng ký (1 bản chính)",
        "[ ] Biên bản về việc trẻ bị bỏ rơi (1 bản chính)",
        "Mang theo thẻ căn cước.",
    ]


def test_a_hidden_variant_with_no_papers_no_fee_and_no_time_says_so() -> None:
    lines = checklist_lines("1.001247", EN)
    assert lines[5:14] == [
        "Hand in at: Cục Cảnh sát QLHC về TTXH",  # someone else: the agency itself
        "Handled by: Cục Cảnh sát QLHC về TTXH",
        "----------------",
        "Papers to bring:",
        "No papers required.",
        "Bring your ID card.",
        "----------------",
        "Fees: Fee not stated by the portal",
        "Processing time: Not stated by the portal",
    ]
