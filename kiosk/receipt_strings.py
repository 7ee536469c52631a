"""Every word printed on a slip, and the printer messages shown with them, by key.

Slips are Vietnamese by default; a citizen who switched the screen to English gets an
English slip. The words come from the same gettext catalog as the screens
(:mod:`kiosk.translations`): this module names each English message once, and
``kiosk/locale/vi/LC_MESSAGES/kiosk.po`` has its Vietnamese, shared with the screens
wherever they say the same thing. Proper names from the catalog (procedure titles,
service names) stay as the catalog has them.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.language import LANGUAGES, Language
from kiosk.language import check_language as check_any_language
from kiosk.translations import N_, NC_, NP_, Message

# key -> the English message; its Vietnamese is in the catalog. Placeholders are
# str.format fields.
_MESSAGES: Mapping[str, Message] = {
    # -- titles ----------------------------------------------------------------------------
    "queue_ticket.title": N_("QUEUE TICKET"),
    "feedback.title": N_("FEEDBACK RECEIVED"),
    "intake.title": N_("PAPERS CHECKED BEFORE THE COUNTER"),
    "checklist.title": N_("DOCUMENTS TO BRING"),
    "rating.title": N_("THANK YOU FOR YOUR RATING"),
    "test.title": N_("TEST SLIP"),
    # -- labels ----------------------------------------------------------------------------
    "label.service": N_("Service"),
    "label.counter": N_("Counter"),
    "label.procedure": N_("Procedure"),
    "label.procedure_code": N_("Procedure code"),
    "label.agency": N_("Handled by"),
    "label.people_ahead": N_("People ahead"),
    "label.estimated_wait": N_("Estimated wait"),
    "label.priority": N_("Priority"),
    "label.time": N_("Time"),
    "label.kind": N_("Type"),
    "label.sender": N_("Sent by"),
    "label.card_holder": N_("ID card holder"),
    "label.receipt_code": N_("Receipt code"),
    "label.ticket": N_("Ticket"),
    "label.rating": N_("Your rating"),
    "label.category": N_("Category"),
    "label.documents": N_("Papers to bring"),
    "label.case": N_("Your case"),
    "label.submit": N_("Papers to hand in"),
    "label.show": N_("Papers to show"),
    "label.receiver": N_("Hand in at"),
    "label.documents_present": N_("Papers handed in"),
    "label.documents_missing": N_("Papers still missing"),
    "label.fees": NC_("slip", "Fees"),
    "label.processing_time": N_("Processing time"),
    "label.channels": N_("How to apply"),
    "label.hotline": N_("Hotline"),
    "label.printed_at": N_("Printed"),
    "label.kiosk": N_("Kiosk"),
    "label.printer": N_("Printer"),
    # -- sentences -------------------------------------------------------------------------
    "queue_ticket.minutes": N_("about {minutes} minutes"),
    "queue_ticket.next": N_("you are next"),
    "queue_ticket.no_counter": N_("No counter is serving it right now."),
    "queue_ticket.as_of": N_("As counted by the service point at {time}."),
    "queue_ticket.wait": N_("Please wait until your number is called."),
    "queue_ticket.phone_page": N_("Scan with your phone: your place in the queue."),
    "feedback.lookup": N_(
        "Scan the QR code or type the receipt code at the kiosk to see the answer."
    ),
    "intake.lookup": N_(
        "Scan the QR code or type the receipt code at the kiosk to see what the counter "
        "recorded."
    ),
    "intake.not_appointment": N_(
        "This is NOT an appointment slip (phiếu hẹn): nothing has been handed in yet. Take a "
        "queue number and bring your papers and this slip to the counter; the officer there "
        "receives your application and gives you the appointment slip."
    ),
    "queue_ticket.order": N_(
        "Counters call the numbers of every kiosk here in the order they were taken: the "
        "people ahead of you are counted across the whole service point."
    ),
    "queue_ticket.priority_letter": N_(
        "The letter U in your number means priority: you are called sooner, taking turns "
        "with the others."
    ),
    "checklist.portal": N_("Scan to open this procedure on the National Public Service Portal"),
    "checklist.no_documents": N_("No papers required."),
    "checklist.bring_id": N_("Bring your ID card."),
    "rating.thanks": N_("Your opinion helps us serve you better."),
    "test.check": N_(
        "If every Vietnamese mark above is clear and the QR code scans, the printer is ready."
    ),
    # -- values ----------------------------------------------------------------------------
    "fee.free": N_("Free"),
    "fee.varies": N_("Depends on the case"),
    "fee.not_stated": N_("Fee not stated by the portal"),
    "fee.set_by_hanoi": N_("Fee set by Hanoi"),
    "time.not_stated": N_("Not stated by the portal"),
    "receiver.commune_desk": N_("One-stop desk of the commune People's Committee"),
    "receiver.commune_police": N_("Commune police"),
    "document.originals": NP_("{count} original", "{count} originals"),
    "document.copies": NP_("{count} copy", "{count} copies"),
    "kind.queue_ticket": N_("Queue ticket"),
    "kind.application_intake": N_("Papers check"),
    "kind.feedback": N_("Feedback"),
    "kind.rating": N_("Rating"),
    "priority.none": N_("None"),
    "priority.elderly": N_("Elderly person"),
    "priority.disabled": N_("Person with a disability"),
    "priority.pregnant": N_("Pregnant woman"),
    "priority.small_children": N_("Person with a small child"),
    "rating.very_satisfied": N_("Very satisfied"),
    "rating.satisfied": N_("Satisfied"),
    "rating.acceptable": N_("Acceptable"),
    "rating.unsatisfied": N_("Unsatisfied"),
    "feedback.construction_order": N_("Construction order"),
    "feedback.environment_sanitation": N_("Environment and sanitation"),
    "feedback.land": N_("Land"),
    "feedback.traffic": N_("Traffic"),
    "feedback.service_attitude": N_("Service attitude"),
    "feedback.other": N_("Other"),
    "channel.in_person": N_("In person"),
    "channel.online": N_("Online"),
    "channel.post": N_("By post"),
    # -- printer states, for the screen and the technician ---------------------------------
    "printer.ready": N_("Printer ready"),
    "printer.paper_near_end": N_("Printer paper is running low"),
    "printer.paper_out": N_("Printer is out of paper"),
    "printer.cover_open": N_("Printer cover is open"),
    "printer.offline": N_("Printer is offline"),
    "printer.error": N_("Printer error"),
    "printer.unreachable": N_("Cannot reach the printer"),
    "printer.unknown": N_("Printer status unknown"),
    "printer.disabled": N_("This kiosk has no printer"),
    "printer.unavailable": N_("Printer cannot be used"),
    "printer.not_printed": N_(
        "The slip could not be printed. Please note or photograph the code: {reference}"
    ),
}

# Printed as they are in every language: the test slip's sample of Vietnamese letters.
_VERBATIM: Mapping[str, str] = {
    "test.sample": "Đăng ký khai sinh – Nguyễn Thị Ánh Tuyết",
    "test.alphabet": (
        "ĂÂĐÊÔƠƯ ăâđêôơư ÀẢÃÁẠ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ "
        "ùủũúụ ừửữứự ỳỷỹýỵ"
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    """The string ``key`` in ``language``, with ``values`` filled in.

    A message that changes with a number takes it from ``values["count"]``. Raises
    KeyError for an unknown key: a missing string is a bug to see in tests, not a blank on
    paper.
    """
    if key in _VERBATIM:
        template = _VERBATIM[key]
    else:
        count = values.get("count", 1)
        template = _MESSAGES[key].translate(language, count if isinstance(count, int) else 1)
    return template.format(**values) if values else template


def keys() -> tuple[str, ...]:
    """Every key (for tests and translators)."""
    return (*_MESSAGES, *_VERBATIM)


def check_language(language: str) -> Language:
    """``language`` if it is one we print in; else ValueError."""
    try:
        return check_any_language(language)
    except ValueError:
        raise ValueError(
            f"no slips in language {language!r}: use one of {', '.join(LANGUAGES)}"
        ) from None
