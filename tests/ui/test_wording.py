"""The screens say what happens, as a first-time citizen reads them (issue 15)."""

from __future__ import annotations

from screens.done import SlipState
from tests.ui.conftest import CARD_AN, Kiosk


def test_papers_check_is_named_as_such_and_offers_a_number_for_its_procedure(
    kiosk: Kiosk,
) -> None:
    driver = kiosk.driver
    # GIVEN a citizen with their card on a procedure's screen
    kiosk.scan(CARD_AN)
    kiosk.app.do_go("procedure", code="1.001193")
    driver.settle()
    assert kiosk.screen.ids.start_intake_button.text == "Kiểm tra giấy tờ trước khi đến quầy"
    # WHEN they check their papers (one of two present) and print the check
    driver.tap_id("start_intake_button")
    assert kiosk.app.screen_title == "Check your papers"  # the message id; shown translated
    driver.tap(kiosk.screen.ids.document_box.children[-1])
    assert kiosk.screen.ids.submit_button.text == "In phiếu kiểm tra giấy tờ"
    driver.tap_id("submit_button")
    # THEN the done screen says it is no appointment slip and offers a queue number for it
    done = kiosk.screen
    assert (done.name, done.state) == ("done", SlipState.PRINTED)
    assert done.next_step.startswith("Đây không phải phiếu hẹn: hồ sơ chưa được nộp.")
    assert done.ids.queue_for_procedure_button.text == "Lấy số thứ tự cho thủ tục này"
    driver.tap_id("queue_for_procedure_button")
    assert kiosk.screen.name == "queue"
    assert kiosk.screen.procedure.code == "1.001193"
    assert kiosk.screen.service_code == "A"


def test_a_priority_ticket_explains_its_letter_and_a_plain_one_does_not(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    kiosk.app.do_go("queue", procedure="1.001193")
    driver.settle()
    driver.tap_id("confirm_button")
    assert kiosk.screen.big_text == "A1-001"
    assert "Chữ U" not in kiosk.screen.wait_text
    driver.tap_id("something_else_button")
    kiosk.app.do_go("queue", procedure="1.001193")
    driver.settle()
    kiosk.screen.do_choose_priority("elderly")
    driver.tap_id("confirm_button")
    assert kiosk.screen.big_text == "A1-U001"
    assert kiosk.screen.wait_text.endswith(
        "Chữ U trong số của ông/bà nghĩa là ưu tiên: ông/bà được gọi sớm hơn, xen kẽ với "
        "người khác."
    )


def test_the_id_card_prompts_say_where_the_qr_is_on_both_cards(kiosk: Kiosk) -> None:
    welcome = kiosk.screen
    assert "thẻ căn cước mới (2024) có mã ở mặt sau" in welcome.ids.scan_text.text
    assert "thẻ CCCD gắn chip cũ (2021) có mã ở mặt trước" in welcome.ids.scan_text.text
    bar = kiosk.driver.root.ids.citizen_text.text
    assert "mặt sau" in bar and "mặt trước" in bar
