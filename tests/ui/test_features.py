"""Status look-up, feedback with Telex, rating, directory, printer trouble: by touch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from devices.fake_printer import FakeReceiptPrinter
from kiosk import clock, receipt_code
from kiosk.application_status import ApplicationStatus, StatusRecord, apply_statuses
from kiosk.kinds import FeedbackCategory, IntakeRequest, SubmissionKind
from kiosk.printing import PrinterState
from kiosk.queue_state import ServiceQueue, store_queue
from kiosk.receipt import Field
from kiosk.storage import open_database
from kiosk.submissions import Outbox
from kiosk.sync_state import SyncFact, put_facts
from screens.done import SlipState
from tests.ui.conftest import Kiosk, start_kiosk


def _intake_with_status(kiosk: Kiosk, status: ApplicationStatus | None) -> str:
    """An application handed in at this kiosk, and (optionally) its status from the office."""
    db = open_database(kiosk.config.database_path)
    try:
        outbox = Outbox(db, kiosk_id="DEMO-K1", queue_prefix="1")
        submission = outbox.create(IntakeRequest("1.001193", (0, 1)))
        if status is not None:
            record = StatusRecord(
                submission.uuid, submission.receipt_code, status, "Mang theo giấy hẹn",
                "2026-12-01T09:30:00+07:00", 1,
            )  # fmt: skip
            apply_statuses(db, [record], cursor=1)
            put_facts(db, {SyncFact.LAST_SUCCESS_AT: "2026-12-01T10:00:00+07:00"})
    finally:
        db.close()
    return submission.receipt_code


def test_status_of_a_scanned_receipt(kiosk: Kiosk) -> None:
    # GIVEN an application the office has finished, and the kiosk in English
    code = _intake_with_status(kiosk, ApplicationStatus.READY_FOR_PICKUP)
    kiosk.driver.tap_id("language_en")
    # WHEN its receipt QR code is scanned on the welcome screen
    kiosk.scan(receipt_code.qr_payload(code))
    # THEN the status screen shows the office's latest status with its date
    screen = kiosk.screen
    assert screen.name == "status"
    assert screen.ids.code_field.value == code
    assert screen.status_text == "Ready: please come and collect it"
    assert screen.answer_text == (
        f"Latest status of application {receipt_code.display(code)}, "
        "updated 09:30, 01/12/2026:"
    )
    assert screen.detail_text == "Birth registration\nMang theo giấy hẹn"
    assert screen.sync_text == "Last update from the office: 10:00, 01/12/2026"


def test_status_typed_not_yet_synced_is_said_honestly(kiosk: Kiosk) -> None:
    # GIVEN an application handed in here that has not reached the office
    code = _intake_with_status(kiosk, None)
    kiosk.driver.tap_id("choice_status")
    # WHEN its code is typed on the code keyboard (lower case, as a citizen might)
    kiosk.driver.type(code.lower())
    # THEN the kiosk says it has not been sent yet, and never pretends to a status
    screen = kiosk.screen
    assert screen.answer.outcome.value == "not_yet_sent"
    assert screen.status_text == ""
    assert screen.answer_text.startswith(f"Hồ sơ {receipt_code.display(code)} đã được nộp")
    assert screen.sync_text == "Ki-ốt chưa nhận được cập nhật nào từ cơ quan."


def test_a_code_unknown_here_is_asked_of_the_office_and_its_silence_said(
    kiosk: Kiosk,
) -> None:
    # GIVEN a valid code this kiosk never printed, and the office out of reach
    code = receipt_code.new_code()
    kiosk.driver.tap_id("choice_status")
    # WHEN it is typed
    kiosk.driver.type(code)
    # THEN the kiosk says it asked and could not reach the office: no status is invented
    screen = kiosk.screen
    assert (screen.answer.outcome.value, screen.answer.office.value) == (
        "unknown_code", "unreachable")
    assert screen.status_text == ""
    assert screen.answer_text == (
        f"Ki-ốt này không biết mã {receipt_code.display(code)} và hiện chưa liên lạc được "
        "với cơ quan. Vui lòng thử lại sau ít phút hoặc hỏi quầy tiếp nhận."
    )


def test_status_of_a_mistyped_code(kiosk: Kiosk) -> None:
    # GIVEN a real code with one symbol changed
    code = _intake_with_status(kiosk, None)
    wrong = ("3" if code[0] != "3" else "4") + code[1:]
    kiosk.driver.tap_id("choice_status")
    # WHEN it is typed in full: the check symbol does not match, so nothing is looked up
    # until "Tra cứu" is touched (it might be the start of a longer dossier code)
    kiosk.driver.type(wrong.lower())
    assert kiosk.screen.answer is None
    kiosk.driver.tap_id("look_up_button")
    # THEN the check symbol catches it
    assert kiosk.screen.answer.outcome.value == "not_a_code"
    assert kiosk.screen.answer_text.startswith("Mã chưa đúng.")


def test_feedback_typed_with_telex(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    # GIVEN the feedback screen with a category chosen
    driver.tap_id("choice_feedback")
    send = driver.find("send_button")
    assert send.disabled
    driver.tap(kiosk.screen.ids.category_box.children[-3])  # the third: land
    # WHEN "Nguyeenx" is typed on the keyboard, then the rest of the sentence
    driver.type("Nguyeenx")
    assert kiosk.screen.ids.text_field.value == "Nguyễn"
    driver.type(" ddeef nghij")
    # ... and a phone number in the contact field (no Telex there)
    driver.tap_id("contact_field")
    driver.type("0912345678")
    driver.tap_id("send_button")
    # THEN the feedback is stored as typed and its receipt printed
    [feedback] = kiosk.submissions()
    assert feedback.kind is SubmissionKind.FEEDBACK
    assert feedback.details == {
        "category": FeedbackCategory.LAND.value,
        "text": "Nguyễn đề nghị",
        "contact": "0912345678",
    }
    assert kiosk.screen.state is SlipState.PRINTED
    assert len(list(kiosk.printed_dir.glob("*submission_receipt*.escpos"))) == 1


def test_feedback_tone_keys_for_those_who_do_not_know_telex(kiosk: Kiosk) -> None:
    # GIVEN the feedback screen
    kiosk.driver.tap_id("choice_feedback")
    # WHEN "Nguyên" is typed with the marked-letter key and the tilde key
    kiosk.driver.type("Nguy")
    for key in ("ê", "n", "tone:TILDE"):
        kiosk.driver.tap(kiosk.driver._key(kiosk.screen.ids.keyboard, key))
    # THEN the text reads "Nguyễn"
    assert kiosk.screen.ids.text_field.value == "Nguyễn"


def test_rating_is_a_face_then_optionally_the_counter(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    # GIVEN the rating screen: the four levels with their faces, no counter asked yet
    driver.tap_id("choice_rating")
    levels = list(reversed(kiosk.screen.ids.level_box.children))
    assert [button.picture for button in levels] == [
        "face_very_happy", "face_happy", "face_neutral", "face_sad"]
    assert kiosk.screen.ids.counter_box.height == 0
    # WHEN "Very satisfied" is touched, then counter 1
    driver.tap_text("Rất hài lòng")
    assert kiosk.submissions() == []
    driver.tap_text("Quầy số 1")
    # THEN the rating is stored, thanked for, and nothing is printed unasked
    [rating] = kiosk.submissions()
    assert rating.kind is SubmissionKind.RATING
    assert rating.details == {
        "level": "very_satisfied", "counter": "Quầy số 1", "ticket_number": None,
    }  # fmt: skip
    assert (kiosk.screen.name, kiosk.screen.state) == ("done", SlipState.THANKS)
    assert kiosk.screen.heading == "Cảm ơn ông/bà!"
    assert list(kiosk.printed_dir.glob("*.escpos")) == []


def test_a_rating_can_be_sent_without_a_counter(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    driver.tap_id("choice_rating")
    driver.tap_text("Chấp nhận được")
    driver.tap_id("send_without_counter_button")
    [rating] = kiosk.submissions()
    assert rating.details == {"level": "acceptable", "counter": None, "ticket_number": None}
    assert (kiosk.screen.name, kiosk.screen.state) == ("done", SlipState.THANKS)


def test_directory_search_without_accents_and_detail(kiosk: Kiosk) -> None:
    driver = kiosk.driver
    # GIVEN the directory, listing all 126 units
    driver.tap_id("choice_directory")
    driver.pause(0.5)
    assert kiosk.screen.message_args == {"count": 126}
    # WHEN "cau giay" is typed and the first result touched
    driver.type("cau giay")
    first = kiosk.screen.ids.results.box.children[-1]
    assert first.title == "Phường Cầu Giấy"
    driver.tap(first)
    # THEN its details are shown, the unpublished ones said so, with a map QR code
    screen = kiosk.screen
    assert screen.name == "commune"
    assert screen.ids.commune_heading.text == "Phường Cầu Giấy"
    assert "Địa chỉ: chưa công bố" in screen.details
    assert screen.map_url.startswith("https://www.openstreetmap.org/?mlat=21.0")
    assert screen.ids.map_qr.texture is not None


def test_printer_out_of_paper_keeps_the_code_on_screen(tmp_path: Path) -> None:
    # GIVEN a printer out of paper
    kiosk = start_kiosk(tmp_path, printer=FakeReceiptPrinter(PrinterState.PAPER_OUT))
    try:
        driver = kiosk.driver
        # WHEN a queue number is taken
        driver.tap_id("choice_queue")
        driver.tap(kiosk.screen.ids.service_box.children[-1])
        driver.tap_id("confirm_button")
        # THEN the number, the code and its QR stay on screen, with what to do
        screen = kiosk.screen
        [ticket] = kiosk.submissions()
        assert screen.state is SlipState.NOT_PRINTED
        assert screen.big_text == "A1-001"
        assert screen.qr_payload == receipt_code.qr_payload(ticket.receipt_code)
        assert screen.problem == (
            "Máy in hết giấy. Vui lòng chụp ảnh hoặc ghi lại mã này, rồi đưa cho quầy "
            "tiếp nhận."
        )
        assert kiosk.app.printer_note.startswith("The printer is out of paper")
    finally:
        kiosk.driver.close()


def test_a_ticket_says_who_is_ahead_when_the_office_published_its_queue(
    tmp_path: Path,
) -> None:
    # GIVEN the office counted, a minute ago, 6 waiting for civil status at 2 counters,
    # 7 minutes a citizen, 2 waiting for certification with its counter closed (and
    # nothing for the other services)
    printer = FakeReceiptPrinter()
    kiosk = start_kiosk(tmp_path, printer=printer)
    counted = clock.now() - dt.timedelta(minutes=1)
    db = open_database(kiosk.config.database_path)
    try:
        store_queue(db, 4, counted, [ServiceQueue("A", 6, 1, 2, 420),
                                     ServiceQueue("C", 2, 0, 0, 300)])
    finally:
        db.close()
    try:
        driver = kiosk.driver
        # WHEN a citizen opens the queue screen
        driver.tap_id("choice_queue")
        buttons = list(reversed(kiosk.screen.ids.service_box.children))
        # THEN civil status shows its queue (6 x 7 min / 2 = 21 min, said as about 25)
        assert buttons[0].text == "Hộ tịch\nQuầy số 1\n6 người đang chờ · khoảng 25 phút"
        assert buttons[1].text == "Cư trú\nQuầy số 2"
        assert buttons[2].text == (
            "Chứng thực\nQuầy số 3\n2 người đang chờ · hiện chưa có quầy phục vụ"
        )
        # WHEN they take a number for it
        driver.tap(buttons[0])
        driver.tap_id("confirm_button")
        # THEN the screen and the slip say six people are ahead, about 25 minutes
        at = counted.strftime("%H:%M")
        assert kiosk.screen.wait_text == (
            "Còn 6 người chờ trước ông/bà\nThời gian chờ dự kiến: khoảng 25 phút\n"
            f"(theo số liệu lúc {at})\n"
            "Các quầy gọi số của mọi ki-ốt ở đây theo thứ tự lấy số: số người chờ trước "
            "ông/bà được tính chung cho cả điểm phục vụ."
        )
        [slip] = printer.printed
        fields = {b.label: b.value for b in slip.blocks if isinstance(b, Field)}
        assert (fields["Số người chờ trước"], fields["Thời gian chờ dự kiến"]) == (
            "6", "khoảng 25 phút"
        )
        # WHEN the next citizen takes a number for a service nobody published
        driver.tap_id("something_else_button")
        driver.tap_id("choice_queue")
        driver.tap(list(reversed(kiosk.screen.ids.service_box.children))[1])
        driver.tap_id("confirm_button")
        # THEN nothing is said about the wait, on screen or on paper
        assert kiosk.screen.wait_text == ""
        assert "Số người chờ trước" not in {
            b.label for b in printer.printed[-1].blocks if isinstance(b, Field)
        }
    finally:
        kiosk.driver.close()


def test_intake_needs_the_id_card_and_lists_missing_papers(kiosk: Kiosk) -> None:
    from tests.ui.conftest import CARD_AN

    driver = kiosk.driver
    # GIVEN the intake of birth registration, nobody identified
    kiosk.app.do_go("intake", code="1.001193")
    driver.settle()
    assert driver.find("submit_button").disabled
    # WHEN the ID card is scanned, the first paper ticked and the application handed in
    kiosk.scan(CARD_AN)
    kiosk.app.do_go("intake", code="1.001193")
    driver.settle()
    driver.tap(kiosk.screen.ids.document_box.children[-1])
    driver.tap_id("submit_button")
    # THEN the receipt lists the missing paper
    [intake] = kiosk.submissions()
    assert intake.details["documents_missing"] == ["Giấy chứng sinh"]
    assert intake.has_personal_data
    assert kiosk.screen.missing == "Giấy tờ còn thiếu:\n• Giấy chứng sinh"
