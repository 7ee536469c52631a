"""The slips' content: what each slip says, in both languages, and its stored form."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kiosk import receipt_code
from kiosk.catalog import Catalog, Channel, Fee, load_catalog
from kiosk.clock import HANOI
from kiosk.idcard import parse_id_qr
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    PriorityGroup,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
    slip_for_submission,
)
from kiosk.kinds.feedback import WORDS as FEEDBACK_WORDS
from kiosk.kinds.queue_ticket import queue_ticket
from kiosk.kinds.rating import rating_thanks
from kiosk.language import LANGUAGES
from kiosk.money import format_vnd
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import (
    TEST_RECEIPT_CODE,
    BigNumber,
    CheckItem,
    Field,
    QrCode,
    Receipt,
    SlipContext,
    SlipKind,
    Title,
    printer_test_slip,
    procedure_checklist,
    submission_receipt,
)
from kiosk.receipt_strings import check_language, keys, text
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import Database
from kiosk.submissions import Outbox
from office.keys import SealingKeys

CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=dt.date(2026, 12, 1),
)
AFTERNOON = dt.datetime(2026, 12, 1, 14, 5, tzinfo=HANOI)
VI = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "vi")
EN = SlipContext("Điểm phục vụ hành chính công phường Ba Đình", "1022", "HN-4-K1", "en")


@pytest.fixture
def outbox(catalog_db: Database) -> Outbox:
    return Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1",
                  sealer=SealedBoxSealer(SealingKeys.generate().public_key))


@pytest.fixture
def catalog(catalog_db: Database) -> Catalog:
    loaded = load_catalog(catalog_db)
    assert loaded is not None
    return loaded


def fields(receipt: Receipt) -> dict[str, str]:
    return {block.label: block.value for block in receipt.blocks if isinstance(block, Field)}


def test_queue_ticket_shows_number_service_counter_time_people_ahead_and_code_qr(
    outbox: Outbox, catalog: Catalog
) -> None:
    # GIVEN a priority ticket for the civil-status service, taken at 14:05
    ticket = outbox.create(
        QueueTicketRequest("A", PriorityGroup.ELDERLY, "1.001193"), citizen=CARD, now=AFTERNOON
    )
    # WHEN its slip is made with three people ahead (the wait not known)
    wait = WaitEstimate(3, None, AFTERNOON)
    slip = slip_for_submission(ticket, VI, catalog, wait=wait)
    # THEN the number is the big one, the facts are labelled, and the QR holds the code
    assert slip.kind is SlipKind.QUEUE_TICKET
    assert slip.reference == "A1-U001"
    assert [b.text for b in slip.blocks if isinstance(b, Title)] == ["PHIẾU SỐ THỨ TỰ"]
    assert [b.text for b in slip.blocks if isinstance(b, BigNumber)] == ["A1-U001"]
    assert fields(slip) == {
        "Ưu tiên": "Người cao tuổi",
        "Dịch vụ": "Hộ tịch",
        "Quầy": "Quầy số 1",
        "Thủ tục": "Đăng ký khai sinh",
        "Số người chờ trước": "3",
        "Thời gian": "14:05 01/12/2026",
    }
    assert slip.qr_payloads() == [f"MOTCUA:R:{ticket.receipt_code}"]
    code = receipt_code.display(ticket.receipt_code)
    assert f"Mã biên nhận: {code}" in slip.plain_text()
    assert slip.plain_text().splitlines()[-1] == "Đường dây nóng: 1022"


def test_people_ahead_is_left_out_when_not_known(outbox: Outbox, catalog: Catalog) -> None:
    ticket = outbox.create(QueueTicketRequest("C"), now=AFTERNOON)
    slip = slip_for_submission(ticket, VI, catalog)
    assert "Số người chờ trước" not in fields(slip)
    assert "Ưu tiên" not in fields(slip)
    assert fields(slip)["Quầy"] == "Quầy số 3"


def test_submission_receipt_shows_code_masked_citizen_and_missing_papers(
    outbox: Outbox, catalog: Catalog
) -> None:
    # GIVEN an intake with the first of two papers present
    intake = outbox.create(IntakeRequest("1.001193", (0,)), citizen=CARD, now=AFTERNOON)
    # WHEN its receipt is made
    slip = slip_for_submission(intake, VI, catalog)
    # THEN the code is big, the citizen masked, the missing paper has a box to tick
    code = receipt_code.display(intake.receipt_code)
    assert slip.kind is SlipKind.SUBMISSION_RECEIPT
    assert slip.reference == code
    assert [b.text for b in slip.blocks if isinstance(b, BigNumber)] == [code]
    assert fields(slip) == {
        "Loại": "Kiểm tra giấy tờ",
        "Thủ tục": "Đăng ký khai sinh",
        "Chủ thẻ căn cước": "N. V. A. ********2345",
        "Thời gian": "14:05 01/12/2026",
    }
    items = [b for b in slip.blocks if isinstance(b, CheckItem)]
    assert items == [CheckItem("Tờ khai đăng ký khai sinh", checked=True),
                     CheckItem("Giấy chứng sinh")]
    assert slip.qr_payloads() == [receipt_code.qr_payload(intake.receipt_code)]
    assert "Nguyễn" not in slip.plain_text()  # the full name never reaches the paper
    assert "001099012345" not in slip.plain_text()


def test_feedback_receipt_names_the_category_in_english(
    outbox: Outbox, catalog: Catalog
) -> None:
    feedback = outbox.create(
        FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn tín hiệu hỏng"), now=AFTERNOON
    )
    slip = slip_for_submission(feedback, EN, catalog)
    assert slip.language == "en"
    assert fields(slip) == {"Type": "Feedback", "Category": "Traffic",
                            "Time": "14:05 01/12/2026"}
    assert [b.text for b in slip.blocks if isinstance(b, Title)] == ["FEEDBACK RECEIVED"]
    assert "Đèn tín hiệu" not in slip.plain_text()  # what was written stays off the slip


def test_rating_thanks_shows_level_counter_ticket_and_code(outbox: Outbox) -> None:
    rating = outbox.create(
        RatingRequest(RatingLevel.VERY_SATISFIED, "Quầy số 1", "A1-007"), now=AFTERNOON
    )
    slip = rating_thanks(rating, VI)
    assert slip.kind is SlipKind.RATING_THANKS
    assert fields(slip) == {
        "Mức đánh giá": "Rất hài lòng",
        "Quầy": "Quầy số 1",
        "Số phiếu": "A1-007",
        "Thời gian": "14:05 01/12/2026",
        "Mã biên nhận": receipt_code.display(rating.receipt_code),
    }
    assert slip.qr_payloads() == []


def test_checklist_lists_every_paper_fee_time_channel_and_portal_qr(catalog: Catalog) -> None:
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    slip = procedure_checklist(by_code["2.000815"], VI, printed_at=AFTERNOON)
    assert slip.kind is SlipKind.PROCEDURE_CHECKLIST
    assert [b for b in slip.blocks if isinstance(b, CheckItem)] == [
        CheckItem("Bản chính giấy tờ (1 bản chính, 1 bản sao)")
    ]
    assert fields(slip) == {
        "Mã thủ tục": "2.000815",
        "Nơi nộp hồ sơ": "Bộ phận một cửa UBND xã, phường",
        "Cơ quan giải quyết": "Ủy ban nhân dân cấp xã",
        "Lệ phí": "Trực tiếp: 2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang",
        "Thời hạn giải quyết": "Trong ngày",
        "Cách nộp": "Trực tiếp",
    }
    assert slip.qr_payloads() == [by_code["2.000815"].portal_url]
    assert "In lúc 14:05 01/12/2026 · Ki-ốt HN-4-K1" in slip.plain_text()


@pytest.mark.parametrize(
    ("code", "fees"),
    [
        ("1.001193", "Miễn phí"),  # one free fee with a note: the note is kept
        ("1.000656", "Miễn phí"),  # no fee at all
        ("1.004194", "Trực tuyến: 7.000 đồng"),
    ],
)
def test_checklist_fees(catalog: Catalog, code: str, fees: str) -> None:
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    slip = procedure_checklist(by_code[code], VI, printed_at=AFTERNOON)
    expected = "Trực tiếp: Miễn phí (đúng hạn)" if code == "1.001193" else fees
    assert fields(slip)["Lệ phí"] == expected


def test_several_fees_get_a_line_each(catalog: Catalog) -> None:
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    procedure = dataclasses.replace(
        by_code["1.004194"],
        fees=(Fee(Channel.IN_PERSON, 20000, "lệ phí"), Fee(Channel.ONLINE, 10000)),
    )
    slip = procedure_checklist(procedure, VI, printed_at=AFTERNOON)
    lines = slip.plain_text().splitlines()
    start = lines.index("Lệ phí:")
    assert lines[start + 1 : start + 3] == ["– Trực tiếp: 20.000 đồng (lệ phí)",
                                            "– Trực tuyến: 10.000 đồng"]
    assert "Lệ phí" not in fields(slip)


def test_checklist_without_papers_says_so_in_english(catalog: Catalog) -> None:
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    slip = procedure_checklist(by_code["1.004194"], EN, printed_at=AFTERNOON)
    assert "No papers required." in slip.plain_text()
    assert fields(slip)["Fees"] == "Online: 7.000 VND"
    assert fields(slip)["How to apply"] == "In person, Online"


def test_a_slip_of_the_wrong_kind_is_refused(outbox: Outbox) -> None:
    rating = outbox.create(RatingRequest(RatingLevel.SATISFIED), now=AFTERNOON)
    ticket = outbox.create(QueueTicketRequest("A"), now=AFTERNOON)
    with pytest.raises(ValueError, match="is not a queue ticket"):
        queue_ticket(rating, VI, service=None)
    with pytest.raises(ValueError, match="is not a rating"):
        rating_thanks(ticket, VI)
    assert submission_receipt(ticket, VI, words=FEEDBACK_WORDS).kind is SlipKind.SUBMISSION_RECEIPT


def test_receipt_survives_its_stored_json_form(outbox: Outbox, catalog: Catalog) -> None:
    intake = outbox.create(IntakeRequest("1.001193", (1,)), citizen=CARD, now=AFTERNOON)
    for slip in (
        slip_for_submission(intake, VI, catalog),
        procedure_checklist(catalog.procedures[0], EN, printed_at=AFTERNOON),
        printer_test_slip(VI, printer="file", printed_at=AFTERNOON),
    ):
        assert Receipt.from_json(slip.to_json()) == slip


def test_a_stored_receipt_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stored receipt"):
        Receipt.from_json({"kind": "test", "language": "vi"})
    with pytest.raises(ValueError, match="no slips in language 'fr'"):
        Receipt.from_json({"kind": "test", "language": "fr", "blocks": []})


def test_the_test_slip_carries_every_vietnamese_letter_and_a_valid_receipt_qr() -> None:
    slip = printer_test_slip(VI, printer="network printer 10.0.0.5:9100", printed_at=AFTERNOON)
    assert receipt_code.is_valid(TEST_RECEIPT_CODE)
    assert slip.qr_payloads() == [f"MOTCUA:R:{TEST_RECEIPT_CODE}"]
    assert "Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết" in slip.plain_text()
    assert fields(slip)["Máy in"] == "network printer 10.0.0.5:9100"
    assert any(isinstance(block, QrCode) for block in slip.blocks)


def test_every_string_exists_in_both_languages_and_english_differs_where_it_should() -> None:
    for key in keys():
        vietnamese, english = text(key, "vi"), text(key, "en")
        assert vietnamese.strip() and english.strip(), key
    assert text("queue_ticket.title", "en") != text("queue_ticket.title", "vi")
    assert format_vnd(1234567, "vi") == "1.234.567 đồng"
    assert format_vnd(7000, "en") == "7.000 VND"
    assert [check_language(language) for language in LANGUAGES] == ["vi", "en"]
    with pytest.raises(KeyError):
        text("no.such.key", "vi")


def test_slip_context_comes_from_the_configuration(tmp_path: object) -> None:
    from kiosk.config import load_config

    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path)})
    context = SlipContext.from_config(config)
    assert context == SlipContext(
        "Điểm phục vụ hành chính công phường Ba Đình (demo)", "1022", "DEMO-K1", "vi",
        ticket_page_url="http://127.0.0.1:8765/ve/",
        status_page_url="http://127.0.0.1:8765/tra-cuu",
    )
    assert SlipContext.from_config(config, "en").language == "en"


@pytest.mark.parametrize(("context", "label", "said"), [
    (VI, "Lệ phí", "Cổng Dịch vụ công chưa nêu lệ phí"),
    (EN, "Fees", "Fee not stated by the portal"),
])
def test_a_fee_the_portal_does_not_state_is_never_printed_as_free(
    catalog: Catalog, context: SlipContext, label: str, said: str
) -> None:
    # GIVEN a procedure whose fee list is empty (format 2: the portal states no fee)
    by_code = {procedure.code: procedure for procedure in catalog.procedures}
    procedure = dataclasses.replace(by_code["1.004194"], fees=())
    # THEN the checklist says the portal does not state it
    slip = procedure_checklist(procedure, context, printed_at=AFTERNOON)
    assert fields(slip)[label] == said
