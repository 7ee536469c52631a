"""Every word printed on a slip, and the printer messages shown with them, in both languages.

Slips are Vietnamese by default; a citizen who switched the screen to English gets an
English slip. The strings live here, in one table, so the UI can show the same words as the
paper (and so a reviewer can read every printed sentence in one place). Proper names from
the catalog (procedure titles, service names) stay as the catalog has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")

# key -> (Vietnamese, English). Placeholders are str.format fields.
_TABLE: Mapping[str, tuple[str, str]] = {
    # -- titles ---------------------------------------------------------------------------
    "queue_ticket.title": ("PHIẾU SỐ THỨ TỰ", "QUEUE TICKET"),
    "submission.title": ("GIẤY BIÊN NHẬN", "RECEIPT"),
    "checklist.title": ("HỒ SƠ CẦN CHUẨN BỊ", "DOCUMENTS TO BRING"),
    "rating.title": ("CẢM ƠN ÔNG/BÀ ĐÃ ĐÁNH GIÁ", "THANK YOU FOR YOUR RATING"),
    "test.title": ("PHIẾU IN THỬ", "TEST SLIP"),
    # -- labels ---------------------------------------------------------------------------
    "label.service": ("Dịch vụ", "Service"),
    "label.counter": ("Quầy", "Counter"),
    "label.procedure": ("Thủ tục", "Procedure"),
    "label.procedure_code": ("Mã thủ tục", "Procedure code"),
    "label.agency": ("Cơ quan giải quyết", "Handled by"),
    "label.people_ahead": ("Số người chờ trước", "People ahead"),
    "label.estimated_wait": ("Thời gian chờ dự kiến", "Estimated wait"),
    "label.priority": ("Ưu tiên", "Priority"),
    "label.time": ("Thời gian", "Time"),
    "label.kind": ("Loại", "Type"),
    "label.citizen": ("Người nộp", "Submitted by"),
    "label.receipt_code": ("Mã biên nhận", "Receipt code"),
    "label.ticket_code": ("Mã phiếu", "Ticket code"),
    "label.ticket": ("Số phiếu", "Ticket"),
    "label.rating": ("Mức đánh giá", "Your rating"),
    "label.category": ("Lĩnh vực", "Category"),
    "label.documents": ("Giấy tờ cần mang", "Papers to bring"),
    "label.documents_present": ("Giấy tờ đã có", "Papers handed in"),
    "label.documents_missing": ("Giấy tờ còn thiếu", "Papers still missing"),
    "label.fees": ("Lệ phí", "Fees"),
    "label.processing_time": ("Thời hạn giải quyết", "Processing time"),
    "label.channels": ("Cách nộp", "How to apply"),
    "label.hotline": ("Đường dây nóng", "Hotline"),
    "label.printed_at": ("In lúc", "Printed"),
    "label.kiosk": ("Ki-ốt", "Kiosk"),
    "label.printer": ("Máy in", "Printer"),
    # -- sentences ------------------------------------------------------------------------
    "queue_ticket.minutes": ("khoảng {minutes} phút", "about {minutes} minutes"),
    "queue_ticket.next": ("sắp đến lượt", "you are next"),
    "queue_ticket.no_counter": (
        "Hiện chưa có quầy nào phục vụ dịch vụ này.",
        "No counter is serving it right now.",
    ),
    "queue_ticket.as_of": (
        "Theo số liệu của bộ phận một cửa lúc {time}.",
        "As counted by the service point at {time}.",
    ),
    "queue_ticket.wait": (
        "Vui lòng chờ đến khi số của ông/bà được gọi.",
        "Please wait until your number is called.",
    ),
    "submission.lookup": (
        "Quét mã QR hoặc nhập mã biên nhận tại ki-ốt để tra cứu tình trạng hồ sơ.",
        "Scan the QR code or type the receipt code at the kiosk to see the status.",
    ),
    "submission.keep": (
        "Vui lòng giữ giấy này đến khi nhận kết quả.",
        "Please keep this slip until you receive the result.",
    ),
    "checklist.portal": (
        "Quét mã để xem thủ tục trên Cổng Dịch vụ công quốc gia",
        "Scan to open this procedure on the National Public Service Portal",
    ),
    "checklist.no_documents": ("Không yêu cầu giấy tờ.", "No papers required."),
    "rating.thanks": (
        "Ý kiến của ông/bà giúp chúng tôi phục vụ tốt hơn.",
        "Your opinion helps us serve you better.",
    ),
    "test.sample": (
        "Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết",
        "Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết",
    ),
    "test.alphabet": (
        "ĂÂĐÊÔƠƯ ăâđêôơư ÀẢÃÁẠ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ "
        "ùủũúụ ừửữứự ỳỷỹýỵ",
        "ĂÂĐÊÔƠƯ ăâđêôơư ÀẢÃÁẠ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ "
        "ùủũúụ ừửữứự ỳỷỹýỵ",
    ),
    "test.check": (
        "Nếu mọi dấu tiếng Việt ở trên in rõ và mã QR quét được, máy in đã sẵn sàng.",
        "If every Vietnamese mark above is clear and the QR code scans, the printer is ready.",
    ),
    # -- values ---------------------------------------------------------------------------
    "fee.free": ("Miễn phí", "Free"),
    "fee.varies": ("Tùy trường hợp", "Depends on the case"),
    "fee.amount": ("{amount} đồng", "{amount} VND"),
    "document.originals": ("{count} bản chính", "{count} original{plural}"),
    "document.copies": ("{count} bản sao", "{count} {copies}"),
    "kind.queue_ticket": ("Lấy số thứ tự", "Queue ticket"),
    "kind.application_intake": ("Nộp hồ sơ", "Application"),
    "kind.feedback": ("Phản ánh, kiến nghị", "Feedback"),
    "kind.rating": ("Đánh giá", "Rating"),
    "priority.none": ("Không", "None"),
    "priority.elderly": ("Người cao tuổi", "Elderly person"),
    "priority.disabled": ("Người khuyết tật", "Person with a disability"),
    "priority.pregnant": ("Phụ nữ mang thai", "Pregnant woman"),
    "priority.small_children": ("Người đi cùng trẻ nhỏ", "Person with a small child"),
    "rating.very_satisfied": ("Rất hài lòng", "Very satisfied"),
    "rating.satisfied": ("Hài lòng", "Satisfied"),
    "rating.acceptable": ("Chấp nhận được", "Acceptable"),
    "rating.unsatisfied": ("Không hài lòng", "Unsatisfied"),
    "feedback.construction_order": ("Trật tự xây dựng", "Construction order"),
    "feedback.environment_sanitation": ("Vệ sinh môi trường", "Environment and sanitation"),
    "feedback.land": ("Đất đai", "Land"),
    "feedback.traffic": ("Giao thông", "Traffic"),
    "feedback.service_attitude": ("Thái độ phục vụ", "Service attitude"),
    "feedback.other": ("Khác", "Other"),
    "channel.in_person": ("Trực tiếp", "In person"),
    "channel.online": ("Trực tuyến", "Online"),
    "channel.post": ("Qua bưu chính", "By post"),
    # -- printer states, for the screen and the technician --------------------------------
    "printer.ready": ("Máy in sẵn sàng", "Printer ready"),
    "printer.paper_near_end": ("Máy in sắp hết giấy", "Printer paper is running low"),
    "printer.paper_out": ("Máy in hết giấy", "Printer is out of paper"),
    "printer.cover_open": ("Nắp máy in đang mở", "Printer cover is open"),
    "printer.offline": ("Máy in đang tạm dừng", "Printer is offline"),
    "printer.error": ("Máy in gặp lỗi", "Printer error"),
    "printer.unreachable": ("Không kết nối được máy in", "Cannot reach the printer"),
    "printer.unknown": ("Không rõ trạng thái máy in", "Printer status unknown"),
    "printer.disabled": ("Ki-ốt không có máy in", "This kiosk has no printer"),
    "printer.unavailable": ("Không dùng được máy in", "Printer cannot be used"),
    "printer.not_printed": (
        "Chưa in được phiếu. Vui lòng ghi lại hoặc chụp mã: {reference}",
        "The slip could not be printed. Please note or photograph the code: {reference}",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    """The string ``key`` in ``language``, with ``values`` filled in.

    Raises KeyError for an unknown key: a missing string is a bug to see in tests, not a
    blank on paper.
    """
    vietnamese, english = _TABLE[key]
    template = vietnamese if language == "vi" else english
    return template.format(**values) if values else template


def keys() -> tuple[str, ...]:
    """Every key in the table (for tests and translators)."""
    return tuple(_TABLE)


def format_vnd(amount: int, language: Language) -> str:
    """An amount of đồng as Vietnamese write it: 7000 -> "7.000 đồng"."""
    grouped = f"{amount:,}".replace(",", ".")
    return text("fee.amount", language, amount=grouped)


def check_language(language: str) -> Language:
    """``language`` if it is one we print in; else ValueError."""
    for known in LANGUAGES:
        if language == known:
            return known
    raise ValueError(f"no slips in language {language!r}: use one of {', '.join(LANGUAGES)}")
