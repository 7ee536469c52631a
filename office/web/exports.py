"""The inbox's filtered list as CSV or XLSX; personal columns only when asked and allowed.

Columns are the same in both: the list's own, then (``personal``) the applicant's opened
identity and the feedback's contact. The caller records the export in the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from kiosk.clock import HANOI
from office.store.cases import InboxRow
from office.web.labels import KINDS, RATINGS, STATES
from office.web.units import unit_label
from sync import wire

#: The opened identity's fields, in column order (kiosk.submissions.PERSONAL_FIELDS).
IDENTITY_FIELDS = ("full_name", "id_number", "birth_date", "sex", "address")

HEADER = ["Thời điểm nhận", "Đơn vị", "Loại", "Mã biên nhận", "Mã thủ tục", "Trạng thái",
          "Người xử lý", "Hạn xử lý", "Mã hồ sơ", "Công dân (che)", "Nội dung"]
PERSONAL_HEADER = ["Họ tên", "Số định danh", "Ngày sinh", "Giới tính", "Địa chỉ",
                   "Liên hệ"]

#: Opens a submission's sealed identity (the store's keys); None when it has none.
Opener = Callable[[wire.WireSubmission], dict[str, object] | None]


def local_time(stamp: str) -> str:
    """A backend stamp (UTC) as Hà Nội time, to the minute."""
    return dt.datetime.fromisoformat(stamp).astimezone(HANOI).strftime("%Y-%m-%d %H:%M")


def summary(submission: wire.WireSubmission) -> str:
    """What a row is about, in a few words (no identity)."""
    details: dict[str, Any] = dict(submission.details)
    if submission.kind.value == "feedback":
        return str(details.get("text", ""))
    if submission.kind.value == "rating":
        return RATINGS.get(str(details.get("level")), str(details.get("level", "")))
    if submission.kind.value == "application_intake":
        missing = details.get("documents_missing") or []
        return f"thiếu {len(missing)} giấy tờ" if missing else "đủ giấy tờ"
    return f"{details.get('service', '')} {submission.ticket_number or ''}".strip()


def table(rows: Sequence[InboxRow], opener: Opener | None,
          units: Mapping[int, str]) -> list[list[str]]:
    """The header and one list of cells per row (units named from ``units``); ``opener``
    given: personal columns too."""
    lines = [HEADER + (PERSONAL_HEADER if opener else [])]
    for row in rows:
        cells = [local_time(row.received_at), unit_label(units, row.unit_code),
                 KINDS[row.kind.value], row.receipt_code, row.procedure_code or "",
                 STATES.get(row.state or "", ""), row.assignee or "", row.due_date or "",
                 row.dossier_code or "", row.submission.citizen_masked or "",
                 summary(row.submission)]
        if opener is not None:
            identity = opener(row.submission) or {}
            details: dict[str, Any] = dict(row.submission.details)
            contact = details.get("contact") if row.submission.kind.value == "feedback" else None
            cells += [str(identity.get(key) or "") for key in IDENTITY_FIELDS]
            cells.append(str(contact or ""))
        lines.append([_safe(cell) for cell in cells])
    return lines


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (citizens' text could start with =)."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


def to_csv(lines: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel reads the Vietnamese letters right."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(lines: list[list[str]]) -> bytes:
    """One sheet, the header in the first row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
