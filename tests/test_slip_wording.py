"""The slips say what happened, in words a first-time citizen reads right (issue 15).

Feedback is *received* (not an application); a papers check lodges nothing and is no
appointment slip (phiếu hẹn); a ticket's number and its people ahead are explained; the
receipt code has one name on screen and on paper; the ID card's QR is said to be on the
back of the 2024 căn cước card and on the front of the 2021 chip CCCD.
"""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from kiosk import receipt_code
from kiosk.catalog import Catalog, load_catalog
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    PriorityGroup,
    QueueTicketRequest,
    slip_for_submission,
)
from kiosk.queue_state import WaitEstimate
from kiosk.receipt import SlipContext, Title
from kiosk.sealing import SealedBoxSealer
from kiosk.storage import Database
from kiosk.submissions import Outbox
from kiosk.translations import LOCALE_DIR, catalog
from office.keys import SealingKeys
from tests.test_receipt import AFTERNOON, CARD, EN, VI

#: Words of an application's receipt that a slip for anything else must not say.
APPLICATION_WORDS = ("GIẤY BIÊN NHẬN", "Người nộp", "tình trạng hồ sơ", "Nộp hồ sơ")


@pytest.fixture
def outbox(catalog_db: Database) -> Outbox:
    return Outbox(catalog_db, kiosk_id="HN-4-K1", queue_prefix="1",
                  sealer=SealedBoxSealer(SealingKeys.generate().public_key))


@pytest.fixture
def shipped(catalog_db: Database) -> Catalog:
    loaded = load_catalog(catalog_db)
    assert loaded is not None
    return loaded


def titles(slip: object) -> list[str]:
    return [block.text for block in slip.blocks if isinstance(block, Title)]  # type: ignore[attr-defined]


def test_feedback_slip_says_feedback_received_not_an_application(
    outbox: Outbox, shipped: Catalog
) -> None:
    feedback = outbox.create(
        FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn tín hiệu hỏng"), citizen=CARD,
        now=AFTERNOON,
    )
    slip = slip_for_submission(feedback, VI, shipped)
    text = slip.plain_text()
    assert titles(slip) == ["ĐÃ NHẬN PHẢN ÁNH, KIẾN NGHỊ"]
    assert "Người gửi: N. V. A. ********2345" in text
    assert "để xem câu trả lời" in text
    assert [word for word in APPLICATION_WORDS if word in text] == []
    assert titles(slip_for_submission(feedback, EN, shipped)) == ["FEEDBACK RECEIVED"]


def test_papers_check_slip_says_plainly_it_is_not_an_appointment_slip(
    outbox: Outbox, shipped: Catalog
) -> None:
    check = outbox.create(IntakeRequest("1.001193", (0,)), citizen=CARD, now=AFTERNOON)
    slip = slip_for_submission(check, VI, shipped)
    text = slip.plain_text()
    assert titles(slip) == ["PHIẾU KIỂM TRA GIẤY TỜ TRƯỚC KHI ĐẾN QUẦY"]
    assert "Loại: Kiểm tra giấy tờ" in text
    assert "Đây KHÔNG phải phiếu hẹn trả kết quả: hồ sơ chưa được nộp." in text
    assert [word for word in APPLICATION_WORDS if word in text] == []
    english = slip_for_submission(check, EN, shipped).plain_text()
    assert "This is NOT an appointment slip (phiếu hẹn)" in english


def test_ticket_slip_explains_people_ahead_and_the_priority_letter(
    outbox: Outbox, shipped: Catalog
) -> None:
    # GIVEN the kiosk's first priority ticket while six people wait at the point
    ticket = outbox.create(QueueTicketRequest("A", PriorityGroup.ELDERLY), now=AFTERNOON)
    slip = slip_for_submission(ticket, VI, shipped, wait=WaitEstimate(6, 25, AFTERNOON))
    text = slip.plain_text()
    # THEN "A1-U001" and "6 ahead" come with why both are right, and the U is explained
    assert slip.reference == "A1-U001"
    assert "Số người chờ trước: 6" in text
    assert "số người chờ trước ông/bà được tính chung cho cả điểm phục vụ" in " ".join(
        text.split()
    )
    assert "Chữ U trong số của ông/bà nghĩa là ưu tiên" in " ".join(text.split())


def test_a_ticket_without_priority_does_not_explain_a_letter_it_lacks(
    outbox: Outbox, shipped: Catalog
) -> None:
    ticket = outbox.create(QueueTicketRequest("A"), now=AFTERNOON)
    text = slip_for_submission(ticket, VI, shipped).plain_text()
    assert "Chữ U" not in text
    assert "cả điểm phục vụ" not in text  # nobody ahead was counted: nothing to explain


@pytest.mark.parametrize(("context", "name"), [(VI, "Mã biên nhận"), (EN, "Receipt code")])
def test_the_receipt_code_has_one_name_on_every_slip_and_the_screen(
    outbox: Outbox, shipped: Catalog, context: SlipContext, name: str
) -> None:
    # The done screen says "Receipt code: {code}"; each slip names the code the same way.
    screen = catalog(context.language).gettext("Receipt code: {code}")
    assert screen.startswith(name + ":")
    for request in (QueueTicketRequest("A"),
                    FeedbackRequest(FeedbackCategory.OTHER, "Góp ý"),
                    IntakeRequest("1.001193", (0,))):
        submission = outbox.create(request, citizen=CARD, now=AFTERNOON)
        text = slip_for_submission(submission, context, shipped).plain_text()
        code = receipt_code.display(submission.receipt_code)
        assert name in text, request
        assert "Mã phiếu" not in text and "Ticket code" not in text
        assert code in text


def test_every_id_card_prompt_says_where_the_qr_is_on_both_cards() -> None:
    # GIVEN every message on the screens and slips that tells where the card's QR code is
    with (LOCALE_DIR / "vi" / "LC_MESSAGES" / "kiosk.po").open("rb") as stream:
        messages = [m for m in read_po(stream, locale="vi") if isinstance(m.id, str) and m.id]
    prompts = [m for m in messages if "QR" in m.id and ("back" in m.id or "front" in m.id)]
    # THEN there are the three prompts, and each names both sides, in both languages
    assert len(prompts) == 3
    for message in prompts:
        assert "back of the new căn cước card" in message.id, message.id
        assert "front of the older chip CCCD" in message.id, message.id
        assert "mặt sau" in message.string and "mặt trước" in message.string, message.id
        assert "CCCD gắn chip" in message.string
