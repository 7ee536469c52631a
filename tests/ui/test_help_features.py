"""Issue 15's help for citizens, by touch: codes of every shape on the status pad, the
directory in Vietnamese order without codes, the greeting, the call for staff."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.collation import sort_key
from kiosk.staff_help import FakeStaffCaller, StaffHelp
from tests.ui.conftest import CARD_AN, CLOSED_BACKEND, Kiosk, start_kiosk


def test_status_pad_types_an_official_dossier_code_and_looks_it_up(kiosk: Kiosk) -> None:
    # GIVEN the status screen (the office is out of reach in these tests)
    kiosk.driver.tap_id("choice_status")
    screen = kiosk.screen
    assert screen.ids.look_up_button.disabled
    # WHEN a dossier code with dots and hyphens is typed on the pad and "Tra cứu" touched
    kiosk.driver.type("000.00.12.h26-241207-0001")
    assert screen.answer is None  # no fixed length: nothing is sent before the button
    kiosk.driver.tap_id("look_up_button")
    # THEN the office was asked for that dossier code, and its silence is said with the code
    assert screen.ids.code_field.value == "000.00.12.H26-241207-0001"
    assert (screen.answer.outcome.value, screen.answer.office.value) == (
        "unknown_code", "unreachable")
    assert screen.answer_text.startswith(
        "Ki-ốt này không biết mã 000.00.12.H26-241207-0001 và hiện chưa liên lạc được")


def test_status_pad_has_every_letter_digit_and_dossier_separator(kiosk: Kiosk) -> None:
    kiosk.driver.tap_id("choice_status")
    board = kiosk.screen.ids.keyboard
    keys = {button.key for row in board.children for button in row.children}
    assert keys == {*"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-", "backspace", "clear"}


def test_directory_in_vietnamese_order_without_unit_codes(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    # GIVEN the directory with all units listed (built a batch per frame)
    driver.tap_id("choice_directory")
    driver.pause(0.5)
    results = kiosk.screen.ids.results
    assert driver.wait_for(lambda: len(results.keys) == 126, timeout=5)
    rows = list(reversed(results.box.children))
    titles = [row.title for row in rows]
    # THEN wards, then communes, each in Vietnamese order; no row says "Mã 4"
    wards = [t.removeprefix("Phường ") for t in titles if t.startswith("Phường ")]
    communes = [t.removeprefix("Xã ") for t in titles if t.startswith("Xã ")]
    assert titles == [f"Phường {w}" for w in wards] + [f"Xã {c}" for c in communes]
    assert wards == sorted(wards, key=sort_key) and communes == sorted(communes, key=sort_key)
    assert wards.index("Cầu Giấy") < wards.index("Chương Mỹ")
    assert not any(row.detail.startswith("Mã") for row in rows)
    assert {row.detail for row in rows} == {""}  # no address published yet
    # WHEN a unit is opened
    driver.tap(rows[titles.index("Phường Ba Đình")])
    # THEN its area has a decimal comma and no code is shown
    assert kiosk.screen.facts == "Phường thuộc thành phố Hà Nội\nDiện tích: 2,97 km²"


def test_greeting_by_title_and_given_name_in_both_languages(kiosk: Kiosk) -> None:
    # GIVEN Nguyễn Văn An scans his card
    kiosk.scan(CARD_AN)
    text = kiosk.driver.find("citizen_text").text
    assert text == "Xin chào ông An"
    # WHEN the language is English
    kiosk.driver.tap_id("language_en")
    # THEN the same greeting in English, still nothing else personal
    assert kiosk.driver.find("citizen_text").text == "Hello, Mr An"


@pytest.mark.parametrize("hub_url", ["", CLOSED_BACKEND])
def test_need_help_without_a_hub_says_to_go_to_the_desk(tmp_path: Path, hub_url: str) -> None:
    # GIVEN a kiosk with no hub configured, or one where nothing answers
    kiosk = start_kiosk(tmp_path, **{"hub.url": hub_url, "hub.token": "t" * 32})
    try:
        kiosk.driver.tap_id("choice_queue")
        # WHEN "Cần hỗ trợ" is touched
        assert kiosk.driver.find("help_button").text == "Cần hỗ trợ"
        kiosk.driver.tap_id("help_button")
        # THEN the citizen is told plainly where to go instead
        assert kiosk.driver.find("banner").text == (
            "Ki-ốt chưa gọi được cán bộ. Ông/bà vui lòng đến quầy tiếp nhận để được hỗ trợ.")
    finally:
        kiosk.driver.close()


def test_need_help_calls_the_hub_from_every_screen_and_says_someone_is_coming(
    kiosk: Kiosk,
) -> None:
    # GIVEN a hub whose consoles are open (a fake that records the calls)
    hub = FakeStaffCaller(consoles=1)
    assert kiosk.app.desk_worker is not None
    kiosk.app.desk_worker.submit(lambda desk: setattr(desk, "help", StaffHelp(hub)))
    kiosk.driver.settle()
    # WHEN "Cần hỗ trợ" is touched on the welcome screen
    kiosk.driver.tap_id("help_button")
    # THEN the hub was called with the screen, and the citizen told to wait there
    assert hub.calls == ["welcome"]
    assert kiosk.driver.find("banner").text == (
        "Cán bộ đang đến ki-ốt này. Ông/bà vui lòng chờ tại đây.")
    # WHEN touched again on another screen a moment later: no second call
    kiosk.driver.tap_id("choice_status")
    kiosk.driver.tap_id("help_button")
    assert hub.calls == ["welcome"]
    assert kiosk.driver.find("banner").text == (
        "Đã gọi cán bộ, cán bộ đang trên đường đến. Ông/bà vui lòng chờ tại đây.")
