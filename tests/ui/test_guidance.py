"""Guidance on the real catalog's shape, by touch: the case chooser, its checklist and
intake, and browsing by life event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.fake_printer import FakeReceiptPrinter
from kiosk.kinds import SubmissionKind
from tests.conftest import catalog_bytes, v2_catalog
from tests.ui.conftest import CARD_AN, Kiosk, start_kiosk


@pytest.fixture
def printer() -> FakeReceiptPrinter:
    return FakeReceiptPrinter()


@pytest.fixture
def kiosk(tmp_path: Path, printer: FakeReceiptPrinter) -> Iterator[Kiosk]:
    """The kiosk with the small format 2 catalog: birth registration has two cases."""
    running = start_kiosk(tmp_path, printer=printer, catalog=catalog_bytes(v2_catalog()))
    yield running
    running.driver.close()


def open_procedure(kiosk: Kiosk, code: str) -> Any:
    kiosk.app.do_go("procedure", code=code)
    kiosk.driver.settle()
    return kiosk.screen


def tap_case(kiosk: Kiosk, key: str) -> None:
    buttons = {button.key: button for button in kiosk.screen.ids.case_box.children}
    kiosk.driver.tap(buttons[key])


def test_choosing_a_case_shows_only_its_papers_and_the_case_can_be_changed(
    kiosk: Kiosk,
) -> None:
    # GIVEN birth registration, which has two cases
    screen = open_procedure(kiosk, "1.001193")
    # THEN the screen asks which case is the citizen's, one button each, papers not yet
    assert screen.ids.case_question.text == "Ông/bà thuộc trường hợp nào?"
    assert [b.text for b in reversed(screen.ids.case_box.children)] == [
        "Đăng ký khai sinh đúng hạn (trong 60 ngày)", "Khai sinh cho trẻ bị bỏ rơi",
    ]
    assert (screen.submit_papers, screen.show_papers) == ("", "")
    assert screen.ids.print_checklist_button.disabled
    assert screen.ids.print_checklist_button.text == "Hãy chọn trường hợp trước"
    # WHEN the citizen chooses "on time"
    tap_case(kiosk, "dung-han")
    # THEN that case's papers to hand in and to show, with forms; the fee never "free" by
    # omission, and the time in the portal's words
    assert screen.ids.chosen_case_text.text == (
        "Trường hợp: Đăng ký khai sinh đúng hạn (trong 60 ngày)"
    )
    assert screen.ids.submit_papers_text.text == (
        "• Tờ khai đăng ký khai sinh (1 bản chính, Mẫu TP/HT-2020-KS.1)\n"
        "• Giấy chứng sinh (1 bản chính)"
    )
    assert screen.ids.show_papers_text.text == "• Thẻ căn cước của người đi đăng ký (1 bản chính)"
    assert screen.ids.fees_text.text == "Miễn phí"
    assert screen.ids.time_text.text == "1 ngày làm việc"
    assert screen.ids.case_question.text == ""
    # WHEN the citizen changes the case to the abandoned child's
    kiosk.driver.tap_id("change_case_button")
    assert screen.ids.case_question.text == "Ông/bà thuộc trường hợp nào?"
    tap_case(kiosk, "tre-bi-bo-roi")
    # THEN only that case's paper is shown
    assert screen.ids.submit_papers_text.text == "• Biên bản về việc trẻ bị bỏ rơi (1 bản chính)"
    assert screen.ids.show_papers_text.text == ""


def test_a_one_case_procedure_skips_the_question_and_says_what_the_portal_does_not(
    kiosk: Kiosk,
) -> None:
    screen = open_procedure(kiosk, "1.004222")
    assert (screen.ids.case_question.text, screen.ids.chosen_case_text.text) == ("", "")
    assert screen.ids.submit_papers_text.text == (
        "• Tờ khai thay đổi thông tin cư trú (1 bản chính, Mẫu CT01)"
    )
    assert screen.ids.fees_text.text == "Cổng Dịch vụ công chưa nêu lệ phí"
    assert screen.ids.time_text.text == (
        "• Trực tiếp: 07 ngày làm việc\n• Trực tuyến: 5 (Cổng ghi số không đơn vị)"
    )
    assert screen.ids.where_text.text == "Công an xã, phường\nCơ quan giải quyết: Công an cấp xã"
    assert not screen.ids.print_checklist_button.disabled


def test_printing_gives_the_chosen_cases_checklist_and_intake_checks_its_papers(
    kiosk: Kiosk, printer: FakeReceiptPrinter
) -> None:
    # GIVEN the citizen chose the abandoned child's case
    open_procedure(kiosk, "1.001193")
    tap_case(kiosk, "tre-bi-bo-roi")
    # WHEN they print the list of papers
    kiosk.driver.tap_id("print_checklist_button")
    # THEN the slip names the case and lists its paper only, and says to bring the ID card
    [slip] = printer.printed
    lines = slip.plain_text().splitlines()
    assert lines[3:13] == [
        "Đăng ký khai sinh",
        "Mã thủ tục: 1.001193",
        "Trường hợp: Khai sinh cho trẻ bị bỏ rơi",
        "Nơi nộp hồ sơ: Bộ phận một cửa UBND xã, phường",
        "Cơ quan giải quyết: UBND cấp xã",
        "----------------",
        "Giấy tờ phải nộp:",
        "[ ] Biên bản về việc trẻ bị bỏ rơi (1 bản chính)",
        "Mang theo thẻ căn cước.",
        "----------------",
    ]
    assert kiosk.screen.ids.code_text.text == "Đăng ký khai sinh\nKhai sinh cho trẻ bị bỏ rơi"
    # WHEN they go back, scan their ID card and hand in an application
    kiosk.driver.tap_id("back_to_procedure_button")
    kiosk.scan(CARD_AN)
    kiosk.driver.tap_id("start_intake_button")
    # THEN intake lists the case's paper; ticked, it is handed in with the case
    screen = kiosk.screen
    assert screen.ids.intake_case.text == "Trường hợp: Khai sinh cho trẻ bị bỏ rơi"
    rows = list(reversed(screen.ids.document_box.children))
    assert [row.text for row in rows] == ["Biên bản về việc trẻ bị bỏ rơi"]
    kiosk.driver.tap(rows[0])
    kiosk.driver.tap_id("submit_button")
    [intake] = [s for s in kiosk.submissions() if s.kind is SubmissionKind.APPLICATION_INTAKE]
    assert intake.details == {
        "documents_present": ["Biên bản về việc trẻ bị bỏ rơi"], "documents_missing": [],
    }


def test_browsing_a_life_event_reaches_a_procedure(kiosk: Kiosk) -> None:
    # GIVEN the welcome screen
    kiosk.driver.tap_id("choice_life_events")
    screen = kiosk.screen
    # THEN the life events are listed
    assert screen.ids.life_event_heading.text == "Ông/bà cần làm thủ tục cho việc gì?"
    assert [(r.title, r.detail) for r in reversed(screen.ids.results.box.children)] == [
        ("Sinh con", "2 thủ tục"),
    ]
    # WHEN the citizen opens "a child is born"
    kiosk.driver.tap(screen.ids.results.box.children[-1])
    # THEN its procedures are numbered steps, in order, with the event's advice
    assert screen.ids.life_event_heading.text == "Sinh con"
    assert [r.title for r in reversed(screen.ids.results.box.children)] == [
        "1. Đăng ký khai sinh", "2. Đăng ký thường trú",
    ]
    assert screen.ids.life_event_message.text.endswith("\nLàm theo thứ tự")
    # WHEN the second step is touched: its procedure opens
    kiosk.driver.tap(screen.ids.results.box.children[0])
    assert kiosk.screen.name == "procedure"
    assert kiosk.screen.procedure.code == "1.004222"
    # AND Back returns to the event's steps
    kiosk.driver.tap_id("back_button")
    assert (kiosk.screen.name, kiosk.screen.event_key) == ("life_events", "sinh-con")


def test_in_english_life_events_are_english_and_the_screen_says_procedures_are_not(
    kiosk: Kiosk,
) -> None:
    kiosk.driver.tap_id("language_en")
    kiosk.driver.tap_id("choice_life_events")
    screen = kiosk.screen
    assert [r.title for r in reversed(screen.ids.results.box.children)] == ["A child is born"]
    assert screen.ids.life_event_language_note.text == ""
    kiosk.driver.tap(screen.ids.results.box.children[-1])
    assert screen.ids.life_event_heading.text == "A child is born"
    assert screen.ids.life_event_language_note.text == "Procedure texts are in Vietnamese."
    assert [(r.title, r.detail) for r in reversed(screen.ids.results.box.children)] == [
        ("1. Đăng ký khai sinh", "Civil status · 1.001193"),
        ("2. Đăng ký thường trú", "Residence · 1.004222"),
    ]
    kiosk.driver.tap(screen.ids.results.box.children[-1])
    detail = kiosk.screen
    assert detail.ids.language_note.text == "Procedure texts are in Vietnamese."
    assert detail.ids.case_question.text == "Which case is yours?"
