"""What a printed slip says: a small document model and the builders of our four slips.

A :class:`Receipt` is a list of blocks (title, text, label and value, big number, box to
tick, separator, QR code). It says *what* is on the paper, never how: ``devices/`` lays it
out at the printer's width, draws the text with a font that has every Vietnamese letter and
encodes it as ESC/POS. The same receipt is stored in the print queue (as JSON) until it is
printed, and its :meth:`Receipt.plain_text` is what a screen or a log shows instead.

The builders here make the slips every kind shares: the receipt for a submission, the
checklist of a procedure and the test slip technicians print. The slips of one kind only
(the queue ticket, the thank-you for a rating) live with their kind in :mod:`kiosk.kinds`,
which also picks the slip for a submission. All words come from :mod:`kiosk.receipt_strings`
(amounts from :mod:`kiosk.money`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk import clock, receipt_code
from kiosk.catalog import Case, Document, Fee, Procedure, ProcessingTime, Receiver, Service
from kiosk.config import Config
from kiosk.language import Language
from kiosk.money import format_vnd
from kiosk.receipt_strings import check_language, text
from kiosk.text import nfc

if TYPE_CHECKING:
    # Only a type: the slips of each kind (kiosk.kinds) build on this module.
    from kiosk.submissions import Submission


class Align(enum.Enum):
    """Where a line sits across the paper."""

    LEFT = "left"
    CENTER = "center"


class TextSize(enum.Enum):
    """How large a line is printed; the renderer maps these to dots for the paper width."""

    SMALL = "small"
    NORMAL = "normal"
    LARGE = "large"


class SlipKind(enum.Enum):
    """Which slip a receipt is (for the print queue, logs and preview file names)."""

    QUEUE_TICKET = "queue_ticket"
    SUBMISSION_RECEIPT = "submission_receipt"
    PROCEDURE_CHECKLIST = "procedure_checklist"
    RATING_THANKS = "rating_thanks"
    TEST = "test"


@dataclass(frozen=True)
class Title:
    """The slip's heading: large, bold, centred."""

    text: str


@dataclass(frozen=True)
class Line:
    """A paragraph, wrapped at word boundaries to the paper width."""

    text: str
    size: TextSize = TextSize.NORMAL
    bold: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Field:
    """A label and its value: "Quầy: Quầy số 1"; the value goes under the label if long."""

    label: str
    value: str


@dataclass(frozen=True)
class BigNumber:
    """The one thing to read from across the room: a queue number or a receipt code."""

    text: str


@dataclass(frozen=True)
class CheckItem:
    """A box to tick and what it stands for (a paper to bring), with an optional note."""

    text: str
    note: str | None = None
    checked: bool = False


@dataclass(frozen=True)
class Separator:
    """A dashed rule across the paper."""


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred, with an optional caption under it."""

    payload: str
    caption: str | None = None


Block = Title | Line | Field | BigNumber | CheckItem | Separator | QrCode

_BLOCK_TYPES: Mapping[str, type[Block]] = {
    "title": Title,
    "line": Line,
    "field": Field,
    "big_number": BigNumber,
    "check_item": CheckItem,
    "separator": Separator,
    "qr": QrCode,
}
_TYPE_NAMES: Mapping[type[Block], str] = {kind: name for name, kind in _BLOCK_TYPES.items()}


@dataclass(frozen=True)
class Receipt:
    """One slip: its blocks in paper order.

    ``reference`` is what the citizen needs if the slip never comes out (the queue number
    or receipt code): the UI shows it on screen instead.
    """

    kind: SlipKind
    blocks: tuple[Block, ...]
    language: Language = "vi"
    reference: str | None = None

    def plain_text(self) -> str:
        """The slip as plain lines (for logs, tests and a screen without the paper)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Title | Line | BigNumber):
                lines.append(block.text)
            elif isinstance(block, Field):
                lines.append(f"{block.label}: {block.value}")
            elif isinstance(block, CheckItem):
                box = "[x]" if block.checked else "[ ]"
                lines.append(f"{box} {block.text}" + (f" ({block.note})" if block.note else ""))
            elif isinstance(block, Separator):
                lines.append("-" * 16)
            else:
                lines.append(f"[QR {block.payload}]")
                if block.caption:
                    lines.append(block.caption)
        return "\n".join(lines)

    def qr_payloads(self) -> list[str]:
        """What the slip's QR codes hold, in paper order."""
        return [block.payload for block in self.blocks if isinstance(block, QrCode)]

    def to_json(self) -> dict[str, Any]:
        """The receipt as JSON-ready data (what the print queue stores)."""
        blocks: list[dict[str, Any]] = []
        for block in self.blocks:
            item: dict[str, Any] = {"type": _TYPE_NAMES[type(block)]}
            for name, value in vars(block).items():
                item[name] = value.value if isinstance(value, enum.Enum) else value
            blocks.append(item)
        return {
            "kind": self.kind.value,
            "language": self.language,
            "reference": self.reference,
            "blocks": blocks,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        """The receipt stored by :meth:`to_json` (ValueError if it is not one)."""
        try:
            blocks = tuple(_block_from_json(item) for item in data["blocks"])
            return cls(
                kind=SlipKind(data["kind"]),
                blocks=blocks,
                language=check_language(data["language"]),
                reference=data.get("reference"),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a stored receipt: {error!r}") from None


def _block_from_json(item: Mapping[str, Any]) -> Block:
    fields = {key: value for key, value in item.items() if key != "type"}
    kind = _BLOCK_TYPES[item["type"]]
    if kind is Line:
        return Line(
            text=fields["text"],
            size=TextSize(fields.get("size", TextSize.NORMAL.value)),
            bold=bool(fields.get("bold", False)),
            align=Align(fields.get("align", Align.LEFT.value)),
        )
    return kind(**fields)


def _with_check_symbol(body: str) -> str:
    return next(body + s for s in receipt_code.ALPHABET if receipt_code.is_valid(body + s))


#: The receipt code on the test slip: valid, so a scan of it is classified as a receipt.
TEST_RECEIPT_CODE = _with_check_symbol("TESTQRK")


# -- where the slip comes from -----------------------------------------------------------


@dataclass(frozen=True)
class SlipContext:
    """What every slip says about where it was printed, and in which language."""

    service_point_name: str
    hotline: str
    kiosk_id: str
    language: Language = "vi"
    #: Where a queue ticket's QR leads (``queue.ticket_page_url``; "": its receipt code).
    ticket_page_url: str = ""
    #: Where a submission receipt's QR leads (``kiosk.status_page_url``; "": its code).
    status_page_url: str = ""

    @classmethod
    def from_config(cls, config: Config, language: str | None = None) -> SlipContext:
        """The context of this kiosk; ``language`` defaults to the configured UI language."""
        return cls(
            service_point_name=config.text("kiosk.service_point_name"),
            hotline=config.text("kiosk.hotline"),
            kiosk_id=config.text("kiosk.id"),
            language=check_language(language or config.text("ui.language")),
            ticket_page_url=config.text("queue.ticket_page_url"),
            status_page_url=config.text("kiosk.status_page_url"),
        )

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this slip's language."""
        return text(key, self.language, **values)


def format_moment(moment: dt.datetime) -> str:
    """A time as printed on slips, in Hanoi time: "14:05 01/12/2026"."""
    return moment.astimezone(clock.HANOI).strftime("%H:%M %d/%m/%Y")


def wait_text(minutes: int, context: SlipContext) -> str:
    """An estimated wait as printed: "khoảng 25 phút", or "ông/bà là người tiếp theo" at 0."""
    if minutes == 0:
        return context.t("queue_ticket.next")
    return context.t("queue_ticket.minutes").format(minutes=minutes)


def created_text(submission: Submission) -> str:
    """When ``submission`` was made, as printed on its slip."""
    return format_moment(dt.datetime.fromisoformat(submission.created_at))


def slip_header(context: SlipContext, title: str) -> list[Block]:
    """The top of every slip: the service point's name and the slip's title."""
    return [
        Line(nfc(context.service_point_name), TextSize.SMALL, bold=True, align=Align.CENTER),
        Separator(),
        Title(title),
    ]


def slip_footer(context: SlipContext) -> list[Block]:
    """The bottom of every slip: the hotline."""
    return [
        Separator(),
        Line(
            f"{context.t('label.hotline')}: {context.hotline}",
            bold=True,
            align=Align.CENTER,
        ),
    ]


# -- the slips -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionWords:
    """What a kind's slip calls itself: its title, the masked card holder's label and the
    line that says what the code looks up (keys of :mod:`kiosk.receipt_strings`).

    Each kind names its own: feedback is "received", never an application; a papers check
    lodges nothing, so it is no "receipt" of an application either.
    """

    title: str
    citizen: str
    lookup: str


def submission_receipt(
    submission: Submission,
    context: SlipContext,
    *,
    words: SubmissionWords,
    procedure: Procedure | None = None,
    fields: Sequence[Block] = (),
    papers: Sequence[Block] = (),
    notes: Sequence[Block] = (),
) -> Receipt:
    """The slip of feedback or a papers check: the code to look it up.

    Shows the receipt code large, what was handed in, the citizen masked ("N. V. A.
    ********2345": enough to recognise one's own slip, not to identify anyone) and a QR
    code holding the receipt code for the status look-up. What only one kind shows comes
    from its module (:mod:`kiosk.kinds`): ``words`` (its title and labels), ``fields``
    after the procedure (a feedback's category), ``papers`` before the QR code (the papers
    present and still missing), ``notes`` under the look-up line.
    """
    code = receipt_code.display(submission.receipt_code)
    blocks = slip_header(context, context.t(words.title))
    blocks.append(Line(context.t("label.receipt_code"), TextSize.SMALL, align=Align.CENTER))
    blocks.append(BigNumber(code))
    blocks.append(Field(context.t("label.kind"), context.t(f"kind.{submission.kind.value}")))
    if procedure is not None:
        blocks.append(Field(context.t("label.procedure"), procedure_title(procedure, context)))
    elif submission.procedure_code is not None:
        blocks.append(Field(context.t("label.procedure_code"), submission.procedure_code))
    blocks.extend(fields)
    if submission.ticket_number is not None:
        blocks.append(Field(context.t("label.ticket"), submission.ticket_number))
    if submission.citizen_masked:
        blocks.append(Field(context.t(words.citizen), submission.citizen_masked))
    blocks.append(Field(context.t("label.time"), created_text(submission)))
    blocks.extend(papers)
    blocks.append(QrCode(receipt_code.qr_payload(submission.receipt_code,
                                                 context.status_page_url), caption=code))
    blocks.append(Line(context.t(words.lookup), TextSize.SMALL, align=Align.CENTER))
    blocks.extend(notes)
    blocks.extend(slip_footer(context))
    return Receipt(SlipKind.SUBMISSION_RECEIPT, tuple(blocks), context.language, code)


def procedure_checklist(
    procedure: Procedure,
    context: SlipContext,
    *,
    case: Case | None = None,
    service: Service | None = None,
    printed_at: dt.datetime | None = None,
) -> Receipt:
    """What to bring for ``procedure`` in the citizen's ``case``, where to hand it in, what it
    costs, how long it takes, and a portal QR.

    Citizens take this home. The slip names the case when the procedure has several (the
    papers differ from case to case); without a case it lists every paper of every case,
    each once. Papers to hand in (nộp) and papers only shown (xuất trình) are two lists;
    every paper gets a box to tick, its originals, copies and form, and the catalog's note.
    The citizen is reminded to bring their ID card. ``service`` names the counter that
    takes the application at this service point. The QR code opens the procedure on the
    National Public Service Portal.
    """
    chosen = case if case is not None else procedure.case(None)
    blocks = slip_header(context, context.t("checklist.title"))
    blocks.append(
        Line(procedure_title(procedure, context), TextSize.LARGE, bold=True, align=Align.CENTER)
    )
    blocks.append(Field(context.t("label.procedure_code"), procedure.code))
    if chosen is not None and len(procedure.cases) > 1:
        blocks.append(Field(context.t("label.case"), chosen.title))
    blocks.append(Field(context.t("label.receiver"), receiver_text(procedure, service, context)))
    blocks.append(Field(context.t("label.agency"), procedure.agency))
    blocks.append(Separator())
    submit, show = (chosen.submit, chosen.show) if chosen is not None else (procedure.documents, ())
    if not submit and not show:
        blocks.append(Line(context.t("label.documents") + ":", bold=True))
        blocks.append(Line(context.t("checklist.no_documents")))
    if submit:
        label = "label.documents" if chosen is None else "label.submit"
        blocks.append(Line(context.t(label) + ":", bold=True))
        blocks.extend(_document_item(document, context) for document in submit)
    if show:
        blocks.append(Line(context.t("label.show") + ":", bold=True))
        blocks.extend(_document_item(document, context) for document in show)
    if chosen is not None and chosen.note:
        blocks.append(Line(chosen.note, TextSize.SMALL))
    blocks.append(Line(context.t("checklist.bring_id"), bold=True))
    blocks.append(Separator())
    _add_lines(blocks, context.t("label.fees"), _fees(procedure.fees, context))
    if procedure.fees_set_by_hanoi:
        blocks.append(Line(context.t("fee.set_by_hanoi"), TextSize.SMALL, bold=True))
    if procedure.local is not None and procedure.local.note:
        blocks.append(Line(procedure.local.note, TextSize.SMALL))
    _add_lines(blocks, context.t("label.processing_time"), _times(procedure.times, context))
    channels = ", ".join(context.t(f"channel.{channel.value}") for channel in procedure.channels)
    blocks.append(Field(context.t("label.channels"), channels))
    blocks.append(QrCode(procedure.portal_url, caption=context.t("checklist.portal")))
    moment = format_moment(printed_at or clock.now())
    blocks.append(
        Line(
            f"{context.t('label.printed_at')} {moment} · {context.t('label.kiosk')} "
            f"{context.kiosk_id}",
            TextSize.SMALL,
            align=Align.CENTER,
        )
    )
    blocks.extend(slip_footer(context))
    return Receipt(SlipKind.PROCEDURE_CHECKLIST, tuple(blocks), context.language, procedure.code)


def _add_lines(blocks: list[Block], label: str, values: Sequence[str]) -> None:
    """One value as a labelled field; several as a line each under the label (a paragraph
    of fees or times joined by ";" is hard to read)."""
    if len(values) == 1:
        blocks.append(Field(label, values[0]))
    else:
        blocks.append(Line(label + ":", bold=True))
        blocks.extend(Line(f"– {value}") for value in values)


def printer_test_slip(
    context: SlipContext, *, printer: str, printed_at: dt.datetime | None = None
) -> Receipt:
    """The technician's test slip: every Vietnamese letter, a big number and a QR code."""
    moment = printed_at or clock.now()
    blocks = slip_header(context, context.t("test.title"))
    blocks.append(BigNumber("A1-001"))
    blocks.append(Line(text("test.sample", "vi"), bold=True))
    blocks.append(Line(text("test.alphabet", "vi")))
    blocks.append(CheckItem(text("test.sample", "vi"), note=context.t("checklist.no_documents")))
    blocks.append(Field(context.t("label.printer"), printer))
    blocks.append(Field(context.t("label.kiosk"), context.kiosk_id))
    blocks.append(Field(context.t("label.printed_at"), format_moment(moment)))
    blocks.append(
        QrCode(receipt_code.qr_payload(TEST_RECEIPT_CODE),
               caption=receipt_code.display(TEST_RECEIPT_CODE))
    )
    blocks.append(Line(context.t("test.check"), TextSize.SMALL, align=Align.CENTER))
    blocks.extend(slip_footer(context))
    return Receipt(SlipKind.TEST, tuple(blocks), context.language, None)


# -- helpers -------------------------------------------------------------------------------


def procedure_title(procedure: Procedure, context: SlipContext) -> str:
    """The procedure's title in the slip's language (Vietnamese when no English one)."""
    if context.language == "en" and procedure.title_en:
        return procedure.title_en
    return procedure.title


def receiver_text(
    procedure: Procedure, service: Service | None, context: SlipContext
) -> str:
    """Where the citizen hands the application in: the commune's one-stop desk (with this
    service point's counter when known: Hà Nội's overlay's, else the queue service's), the
    commune police, or the agency itself."""
    if procedure.receiver is Receiver.OTHER:
        return procedure.agency
    where = context.t(f"receiver.{procedure.receiver.value}")
    counter = procedure.counter or (None if service is None else service.counter)
    if counter:
        where += f" – {counter}"
    return where


def _document_item(document: Document, context: SlipContext) -> CheckItem:
    details: list[str] = []
    if document.originals:
        details.append(context.t("document.originals", count=document.originals))
    if document.copies:
        details.append(context.t("document.copies", count=document.copies))
    if document.form:
        details.append(document.form)
    text_ = document.name + (f" ({', '.join(details)})" if details else "")
    return CheckItem(text_, note=document.note)


def _times(times: Sequence[ProcessingTime], context: SlipContext) -> list[str]:
    """One text when every channel takes the same time; else one per channel ("Trực
    tuyến: 05 ngày làm việc"). No time at all: the portal states none."""
    if not times:
        return [context.t("time.not_stated")]
    if len({(time.text, time.note) for time in times}) == 1:
        only = times[0]
        return [only.text + (f" ({only.note})" if only.note else "")]
    return [
        (f"{context.t(f'channel.{time.channel.value}')}: " if time.channel else "")
        + time.text
        + (f" ({time.note})" if time.note else "")
        for time in times
    ]


def _fees(fees: Sequence[Fee], context: SlipContext) -> list[str]:
    """One text per fee ("Trực tuyến: 7.000 đồng"); a single "free" when nothing is charged.

    No fee at all means the portal states none: the slip says so, never "free".
    """
    if not fees:
        return [context.t("fee.not_stated")]
    if all(fee.amount_vnd == 0 and not fee.note for fee in fees):
        return [context.t("fee.free")]
    parts: list[str] = []
    for fee in fees:
        if fee.amount_vnd is None:
            amount = fee.note or context.t("fee.varies")
            note = None
        else:
            amount = (
                context.t("fee.free")
                if fee.amount_vnd == 0
                else format_vnd(fee.amount_vnd, context.language)
            )
            note = fee.note
        channel = context.t(f"channel.{fee.channel.value}")
        parts.append(f"{channel}: {amount}" + (f" ({note})" if note else ""))
    return parts
