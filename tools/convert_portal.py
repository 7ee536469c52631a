"""Convert the national portal's commune-level records into the kiosk's catalog (format 2).

Run by hand (``scripts/convert-portal``); its output, ``kiosk/data/catalog-hanoi.json``, is
committed. The raw portal records are the source of truth; the portal's normalized file
helps only with the legal-basis numbers and the "handled outside the commune office" hint.
What a person decided is in ``tools/catalog/*.toml`` (curation, everyday words, life
events) and in the old demo catalog's hand-written facts (``catalog-demo-v1.json``).

The output depends on nothing but these inputs: the same inputs give the same bytes.
Everything is checked by the kiosk's own importer before the file is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.catalog import catalog_stats, parse_catalog  # noqa: E402
from kiosk.text import fold, nfc  # noqa: E402

DATA = ROOT / "tools" / "catalog"
DEFAULT_PORTAL = Path("/work/shared/data/reference/portal-2026")
DEFAULT_OUTPUT = ROOT / "kiosk" / "data" / "catalog-hanoi.json"

CHANNELS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
_ROW = re.compile(
    r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không quy định|Không có thông tin)"
)
_TIME = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút)"
    r"|Không quy định|Không có thông tin"
)
_BARE_TIME = re.compile(
    r"\d+(?:[.,]\d+)?(?=Miễn phí|Không có thông tin|Không quy định|Phí|Lệ phí|\d)"
)
_MONEY = re.compile(
    r"(?:(?:Phí|Lệ phí)\s*:?\s*)?(\d[\d.,]*)\s*(VNĐ|Việt Nam Đồng|đồng|Đồng|USD)"
)
#: An amount as the fee column writes it (a description says "2.000 đồng" in words).
_ROW_MONEY = re.compile(r"(\d[\d.,]*)\s*(VNĐ|Việt Nam Đồng|USD)")
#: A "free" whose note says a council or the fee law sets the amount: not free.
_SET_ELSEWHERE = ("hội đồng nhân dân", "luật phí và lệ phí", "mức thu", "trả phí")
_DOC_HEAD = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_QTY = re.compile(r"(\d+)\s*bản chính(?:\s*,\s*(\d+)\s*bản sao)?|(\d+)\s*bản sao")
_FILE = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip)$", re.IGNORECASE)
_FORM = re.compile(
    r"\b[Mm]ẫu\s+(?:số\s+)?([A-ZĐ]{1,4}[0-9][0-9A-Za-z./\-]*|[0-9]{1,2}[a-z]?"
    r"(?:/[A-ZĐ0-9\-]+)?|TP/HT[0-9A-Z.\-/]*)"
)
_BULLET = re.compile(r"^(?:[-+*•]|[a-zđ]\)|[a-zđ]\.|\d+[.)]|\(\d+(?:\.\d+)*\))\s*")
_RESULT_CODE = re.compile(r"Mã:\s*KQ\.[A-Z0-9.]+")
#: Longest paper name on the kiosk; the rest of a longer text goes to its note.
NAME_LIMIT = 240


@dataclass
class Paper:
    """A paper while it is read from the portal's text."""

    name: str
    originals: int
    copies: int
    note: str | None = None
    form: str | None = None

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"name": self.name, "originals": self.originals,
                                  "copies": self.copies}
        if self.form:
            record["form"] = self.form
        if self.note:
            record["note"] = self.note
        return record


@dataclass
class CaseDraft:
    """A case while it is read: its heading and its two lists."""

    title: str | None
    submit: list[Paper] = field(default_factory=list)
    show: list[Paper] = field(default_factory=list)


# -- text helpers -----------------------------------------------------------------------------


def clean(text: str) -> str:
    """One line, single spaces, NFC."""
    return nfc(" ".join(text.replace("\u200e", "").split()))


def slug(text: str, words: int = 6) -> str:
    """A case key from its title: the first folded words joined by '-'."""
    folded = fold(text).split()
    stop = {"truong", "hop", "doi", "voi", "cua", "va", "cho", "the", "thi"}
    kept = [word for word in folded if word not in stop] or folded
    return "-".join(kept[:words]) or "mac-dinh"


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def bare(text: str) -> str:
    """``text`` without a leading bullet ("- ", "a) ", "1. ") and trailing ';' or ':'."""
    text = clean(text)
    while True:
        stripped = _BULLET.sub("", text, count=1).strip()
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"(?<=[).;])\s*\d+\.$", "", text)  # the next row's number, run in
    return text.rstrip(" ;:,").strip()


# -- documents --------------------------------------------------------------------------------


def split_file_name(item: str) -> tuple[str, str]:
    """Split an attached form's file name off the end of a paper ("...Mẫu CT01.docx")."""
    if not _FILE.search(item):
        return item, ""
    ext_at = _FILE.search(item)
    assert ext_at is not None
    end = ext_at.start()
    cuts = [m.end() for m in re.finditer(r"[.;:)](?=\S)", item[:end])]
    cuts += [m.end() for m in re.finditer(r"[A-ZĐ0-9]{2,}(?=[A-ZĐ][a-zà-ỹ])", item[:end])]
    cuts += [m.start() for m in re.finditer(r"(?<=[a-zà-ỹ)])(?=Mẫu)", item[:end])]
    cuts = [c for c in cuts if 3 <= end - c <= 150]
    if not cuts:
        return item, ""
    cut = max(cuts)
    return item[:cut].strip(), item[cut:].strip()


def form_of(text: str) -> str | None:
    """The form a paper names ("mẫu CT01 ban hành kèm ..." -> "Mẫu CT01"; "Phiếu CC01")."""
    leading = re.match(r"(?:Phiếu|Tờ khai)\s+([A-Z]{2}[0-9]{2}[a-z]?)\b", text)
    if leading is not None:
        return f"Mẫu {leading.group(1)}"
    match = _FORM.search(text)
    if match is None:
        return None
    return f"Mẫu {match.group(1).rstrip('.,;)')}"


#: Forms filled in on the portal's own pages: nothing to bring to a desk.
_ONLINE_FORMS = ("mẫu hộ tịch điện tử tương tác", "mẫu điện tử tương tác")
_PROXY_NOTE = "Chỉ khi ủy quyền cho người khác làm thay"


def paper(item: str, originals: int, copies: int) -> Paper | None:
    """One paper from its text and counts; None for a note written as a row (0 and 0) and
    for a form filled in online."""
    if originals == 0 and copies == 0:
        return None
    name, file_name = split_file_name(clean(item))
    name = bare(name)
    if not name or name.casefold().startswith(_ONLINE_FORMS):
        return None
    form = form_of(name) or (form_of(file_name) if file_name else None)
    note = None
    if len(name) > NAME_LIMIT:
        cut = _cut_at(name, NAME_LIMIT)
        name, note = name[:cut].rstrip(" ,;:"), name[cut:].strip(" ,;:.")
    if name.casefold().startswith(("văn bản ủy quyền", "giấy ủy quyền")):
        note = f"{_PROXY_NOTE}; {note}" if note else _PROXY_NOTE
    return Paper(sentence_case(name), originals, copies, note=note or None, form=form)


def _cut_at(text: str, limit: int) -> int:
    """Where to cut ``text`` near ``limit``: after a sentence or clause, else a word."""
    # A sentence's end, also where the portal ran two together ("xác nhận.Trường hợp").
    ends = [m.end() for m in re.finditer(r"[.;:](?=\s|[A-ZĐ])", text[:limit]) if m.end() > 40]
    if ends:
        return ends[-1]
    at = text.rfind(", ", 40, limit)
    if at > 0:
        return at + 1
    at = text.rfind(" ", 40, limit)
    return at if at > 0 else limit


class Heading:
    """What a heading above one of the portal's tables of papers says."""

    SUBMIT = "submit"
    SHOW = "show"
    PROXY = "proxy"  # papers added when someone else applies for the citizen
    ONLINE = "online"  # papers for online applications only: not listed at a desk
    CASE = "case"


def heading_kind(text: str) -> str:
    lowered = clean(text).casefold().strip(" -*:")
    if lowered in ("", "--", "-") or lowered.startswith(("lưu ý", "thành phần hồ sơ", "bao gồm")):
        return Heading.SUBMIT
    if "ủy quyền" in lowered or "uỷ quyền" in lowered:
        return Heading.PROXY
    if "môi trường điện tử" in lowered or "trực tuyến" in lowered:
        return Heading.ONLINE
    if "xuất trình" in lowered and "nộp" not in lowered:
        return Heading.SHOW
    if lowered.startswith(("giấy tờ phải nộp", "các giấy tờ phải nộp", "giấy tờ nộp",
                           "hồ sơ gồm", "người yêu cầu chứng thực nộp", "hồ sơ khác")):
        return Heading.SUBMIT
    return Heading.CASE


def case_title(heading: str) -> str:
    text = bare(heading)
    text = re.sub(r"^Trường hợp\s+\d+\s*:\s*", "", text)
    text = re.sub(r",?\s*(?:thì\s+)?(?:hồ sơ\s+)?(?:gồm|bao gồm)$", "", text)
    return sentence_case(text.rstrip(" :."))


def _target(kind: str, case: CaseDraft, proxy: list[Paper]) -> list[Paper] | None:
    """The list a table's papers go to: the case's papers to show or to submit, the proxy's
    papers, or none (papers for online applications only)."""
    if kind == Heading.SHOW:
        return case.show
    if kind == Heading.PROXY:
        return proxy
    if kind == Heading.ONLINE:
        return None
    return case.submit


def read_papers(text: str) -> tuple[list[CaseDraft], list[Paper], int]:
    """The cases of ``thanh_phan_ho_so``: drafts, the papers added for a proxy, and how many
    rows were notes (0 originals, 0 copies) rather than papers."""
    segments = (text or "").split(_DOC_HEAD)
    common = CaseDraft(None)
    cases: list[CaseDraft] = []
    proxy: list[Paper] = []
    notes = 0
    heading = segments[0]
    for segment in segments[1:]:
        kind = heading_kind(heading)
        if kind == Heading.CASE:
            cases.append(CaseDraft(case_title(heading)))
        target = _target(kind, cases[-1] if cases else common, proxy)
        position = 0
        for match in _QTY.finditer(segment):
            item = segment[position:match.start()]
            position = match.end()
            if match.group(1) is not None:
                originals = int(match.group(1))
                copies = int(match.group(2) or 0)
            else:
                originals, copies = 0, int(match.group(3))
            found = paper(item, originals, copies)
            if found is None:
                notes += 1
            elif found.name.startswith("Xuất trình") and kind != Heading.PROXY:
                # "Xuất trình thẻ căn cước ..." listed among the papers to hand in.
                (cases[-1] if cases else common).show.append(found)
            elif target is not None:
                target.append(found)
        heading = segment[position:]
    if not cases:
        return [common], proxy, notes
    for case in cases:  # papers listed before any case heading belong to every case
        case.submit[:0] = common.submit
        case.show[:0] = common.show
    return cases, proxy, notes


# -- channels, times and fees -----------------------------------------------------------------


@dataclass
class Row:
    channel: str
    time: str | None
    time_note: str | None
    fees: list[dict[str, Any]]


def _money_note(amount: int, unit: str, detail: str) -> str:
    grouped = f"{amount:,}".replace(",", ".")
    return clean(f"{grouped} đồng{unit}" + (f"; {detail}" if detail else ""))


def _balanced(text: str, start: int) -> int:
    """The index after the parenthesis opening at ``start`` (``start`` when none opens)."""
    if start >= len(text) or text[start] != "(":
        return start
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


#: An amount of money in Vietnamese notation: dots group thousands ("4.000 đ", "25.000.000đ").
_WORDS_AMOUNT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:đồng|Đồng|VNĐ|vnđ|đ(?![a-zà-ỹ]))"
)
_WORDS_SCALED = re.compile(r"(?<![\d.,])(\d+)\s*(nghìn|ngàn|triệu)")
_SCALE = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000}
_PER_PAGE = re.compile(r"(?:đồng|đ)\s*/\s*trang")
#: The fee column's number: thousands grouped by ',' ("4,500,000") or '.' ("20.000").
_COLUMN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+|\d+")


def column_amount(text: str) -> int | None:
    """The fee column's number in đồng; None when it is not a plain grouped integer."""
    if _COLUMN_NUMBER.fullmatch(text) is None:
        return None
    return int(re.sub(r"[.,]", "", text))


def amounts_in_words(words: str) -> set[int]:
    """Every amount of money a cell's words write, read as a person writes it in Vietnamese
    (dots group thousands; "4 nghìn" is 4000); dates and decree numbers are not amounts."""
    found = {int(m.group(1).replace(".", "")) for m in _WORDS_AMOUNT.finditer(words)}
    found |= {int(m.group(1)) * _SCALE[m.group(2)] for m in _WORDS_SCALED.finditer(words)}
    return found


def amount_fee(
    channel: str, match: re.Match[str], detail: str, description: str
) -> dict[str, Any]:
    """The fee of one amount in the fee column: a number only when it is certain."""
    amount = column_amount(match.group(1))
    written = amounts_in_words(detail)
    if detail.startswith("/"):  # per page, per copy: depends on the case
        return {"channel": channel, "amount_vnd": None,
                "note": description or _money_note(amount or 0, detail, "")}
    if amount is None or (written and amount not in written):
        # The column and the cell's words disagree ("40 Việt Nam Đồng" beside "4.000
        # đ/giấy thông hành", "700 VNĐ" beside "700.000 đồng/cơ sở"): which one the desk
        # charges is not certain, so the kiosk shows the portal's words, no number.
        stated = clean(match.group(0))
        return {"channel": channel, "amount_vnd": None,
                "note": f"Cổng ghi \"{stated}\"" + (f"; {detail}" if detail else "")}
    if _PER_PAGE.search(detail):
        # "2.000 đồng/trang; từ trang thứ 3 ... 1.000 đồng/trang": the total depends on the
        # pages the citizen brings.
        return {"channel": channel, "amount_vnd": None, "note": detail}
    fee: dict[str, Any] = {"channel": channel, "amount_vnd": amount}
    # The cell's own words say who pays what; the description only when there are none (it
    # mostly says where and when to hand in).
    if detail or description:
        fee["note"] = detail or description
    return fee


def read_fees(rest: str, channel: str) -> tuple[list[dict[str, Any]], str]:
    """The fees at the start of a row's text after its time, and the description after."""
    fees: list[dict[str, Any]] = []
    head = re.match(r"Miễn phí|Không có thông tin|Không quy định", rest)
    if head is not None:
        end = _balanced(rest, head.end())
        detail = clean(rest[head.end() + 1:end - 1]) if end > head.end() else ""
        if head.group(0) == "Miễn phí" and any(
            marker in detail.casefold() for marker in _SET_ELSEWHERE
        ):
            # The portal says "free" and, in the same cell, that someone else sets the
            # amount: the kiosk says both rather than "free".
            fees.append({"channel": channel, "amount_vnd": None,
                         "note": f"Cổng ghi \"Miễn phí\"; {detail}"})
        elif head.group(0) == "Miễn phí":
            fee: dict[str, Any] = {"channel": channel, "amount_vnd": 0}
            if detail:
                fee["note"] = detail
            fees.append(fee)
        # "Không có thông tin" and "Không quy định": the portal states no fee.
        return fees, rest[end:]
    position = 0
    while True:
        match = _MONEY.match(rest, position)
        if match is None and rest[position:position + 1] in (",", ";", "+", " "):
            match = _MONEY.match(rest, position + 1)
        if match is None:
            break
        end = _balanced(rest, match.end())
        detail = clean(rest[match.end() + 1:end - 1]) if end > match.end() else ""
        if detail.count("(") > detail.count(")"):
            detail = detail.lstrip("( ")  # "((Phí thẩm định )" never closes its first '('
        # The row's description runs to the next amount: it often says how a fee is set.
        following = _ROW_MONEY.search(rest, end)
        description = clean(rest[end:following.start() if following else len(rest)])
        position = end
        if match.group(2) == "USD":
            continue  # charged by a consulate abroad, never at a commune desk
        fees.append(amount_fee(channel, match, detail, description))
    return fees, rest[position:]


_UNITS = {"ngày làm việc": "ngày làm việc", "ngày": "ngày", "giờ làm việc": "giờ làm việc",
          "giờ": "giờ", "tháng": "tháng", "năm": "năm", "phút": "phút"}


def read_rows(text: str) -> list[Row]:
    """The rows of ``cach_thuc_thuc_hien``: channel, time, fees.

    A bare number without a unit gets "ngày làm việc" only when the row's description
    states that same number of working days; else it is kept as the portal wrote it, with
    a note saying so.
    """
    body = (text or "").replace("Hình thức nộpThời gianPhí, lệ phíMô tả", "", 1).strip()
    starts = [(m.start(), m.group(1)) for m in _ROW.finditer(body)]
    rows = []
    for index, (position, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(body)
        row = body[position + len(name):end]
        channel = CHANNELS[name]
        time: str | None = None
        time_note: str | None = None
        match = _TIME.match(row)
        if match is not None:
            rest = row[match.end():]
            if match.group(1):
                time = f"{match.group(1)} {_UNITS[match.group(2).casefold()]}"
        else:
            bare_time = _BARE_TIME.match(row)
            rest = row[bare_time.end():] if bare_time else row
            if bare_time is not None:
                number = bare_time.group(0)
                _, description = read_fees(rest, channel)
                # Only the row's own description makes the unit certain: the steps name
                # other periods too (a verification's "03 ngày làm việc").
                said = re.search(rf"(?<!\d)0?{re.escape(number)}\s*ngày làm việc", description)
                if said is not None:
                    time = f"{number} ngày làm việc"
                    time_note = "Đơn vị lấy từ mô tả trên Cổng (bảng chỉ ghi số)"
                else:
                    time = number
                    time_note = "Cổng chỉ ghi số, không ghi đơn vị"
        fees, _ = read_fees(rest, channel)
        rows.append(Row(channel, time, time_note, fees))
    return rows


# -- the other sections -----------------------------------------------------------------------


def lines_of(text: str, *, limit: int = 40) -> list[str]:
    """Non-empty lines of a portal text, cleaned; "Không có thông tin" is nothing."""
    if not text or clean(text) in ("Không có thông tin", "--"):
        return []
    lines = [clean(line) for line in text.splitlines()]
    return [line for line in lines if line and line != "--"][:limit]


def result_of(text: str) -> str | None:
    """The result's names, without the portal's result codes and the page's chrome."""
    text = (text or "").split("Từ khóa", 1)[0]
    names = [clean(part) for part in _RESULT_CODE.split(text)]
    names = [name for name in names if name and name != "Không có thông tin"]
    return "; ".join(dict.fromkeys(names)) or None


# -- curation -----------------------------------------------------------------------------------


def load_toml(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as stream:
        return tomllib.load(stream)


@dataclass(frozen=True)
class Inputs:
    raw: list[dict[str, Any]]
    normalized: dict[str, dict[str, Any]]
    curation: dict[str, Any]
    aliases: dict[str, Any]
    events: dict[str, Any]
    demo: dict[str, Any]


def read_inputs(portal: Path) -> Inputs:
    raw = json.loads((portal / "commune-procedures-raw.json").read_text(encoding="utf-8"))
    normalized = json.loads((portal / "commune-procedures.json").read_text(encoding="utf-8"))
    demo = json.loads((DATA / "catalog-demo-v1.json").read_text(encoding="utf-8"))
    return Inputs(
        raw=sorted(raw, key=lambda record: record["ma_thu_tuc"]),
        normalized={record["code"]: record for record in normalized},
        curation=load_toml("curation.toml"),
        aliases=load_toml("aliases.toml"),
        events=load_toml("life-events.toml"),
        demo=demo,
    )


def receiver_of(record: Mapping[str, Any], field_name: str, curation: Mapping[str, Any]) -> str:
    """Who takes it at the commune: the police for police fields or agencies."""
    code = record["ma_thu_tuc"]
    if code in curation["receiver"]:
        return str(curation["receiver"][code])
    agency = f"{record.get('co_quan_thuc_hien', '')} {record.get('co_quan_co_tham_quyen', '')}"
    if field_name in curation["police_fields"] or "Công an cấp Xã" in agency:
        return "commune_police"
    return "commune_desk"


def agency_of(record: Mapping[str, Any], receiver: str) -> str:
    """The agency as the portal names it when that names the commune; else who receives
    it at the commune (the portal often lists notaries or consulates first)."""
    default = "Công an cấp xã" if receiver == "commune_police" else "Ủy ban nhân dân cấp xã"
    for key in ("co_quan_thuc_hien", "co_quan_co_tham_quyen"):
        value = clean(record.get(key) or "").replace("cấp Xã", "cấp xã")
        if not value or value == "Không có thông tin" or len(value) <= 8:
            continue
        if receiver == "other" or "xã" in value.casefold():
            return value
    return default


def title_of(record: Mapping[str, Any]) -> str:
    title = clean(record["ten_thu_tuc"])
    title = re.sub(r"\s*\(\d\.\d{6}\)$", "", title)  # a code repeated in the title
    title = re.sub(r"^Thủ tục\s+", "", title)
    return sentence_case(title.rstrip("."))


def is_hidden(title: str, code: str, curation: Mapping[str, Any]) -> bool:
    if code in curation["hidden"]:
        return True
    if code in curation["shown_despite_markers"]:
        return False
    lowered = title.casefold()
    markers = [*curation["hidden_markers"], *curation["hidden_markers_hanoi"]]
    return any(marker in lowered for marker in markers)


# -- one procedure ------------------------------------------------------------------------------


def convert_record(record: Mapping[str, Any], inputs: Inputs, report: Report) -> dict[str, Any]:
    code = record["ma_thu_tuc"].strip()
    curation = inputs.curation
    portal_field = clean(record["linh_vuc"])
    field_name = curation["fields"].get(portal_field, {}).get("short", portal_field)
    receiver = receiver_of(record, portal_field, curation)
    title = title_of(record)
    steps_text = record.get("trinh_tu_thuc_hien") or ""
    rows = read_rows(record.get("cach_thuc_thuc_hien") or "")
    channels = list(dict.fromkeys(row.channel for row in rows)) or ["in_person"]
    fees = [fee for row in rows for fee in row.fees]
    times = []
    for row in rows:
        if row.time is not None:
            time: dict[str, Any] = {"channel": row.channel, "text": row.time}
            if row.time_note:
                time["note"] = row.time_note
                report.bare_times.append(f"{code} {row.channel}: {row.time}")
            times.append(time)
    drafts, proxy, notes = read_papers(record.get("thanh_phan_ho_so") or "")
    report.note_rows += notes
    cases = build_cases(code, title, drafts, proxy, curation)
    procedure: dict[str, Any] = {
        "code": code,
        "title": title,
        "field": field_name,
        "level": "commune",
        "receiver": receiver,
        "agency": agency_of(record, receiver),
        "cases": cases,
        "fees": fees,
        "times": times,
        "channels": channels,
    }
    who = clean(record.get("doi_tuong_thuc_hien") or "")
    if who and who != "Không có thông tin":
        procedure["who_may_apply"] = who
    conditions = lines_of(record.get("yeu_cau_dieu_kien") or "", limit=20)
    if conditions:
        procedure["conditions"] = conditions
    steps = lines_of(steps_text)
    if steps:
        procedure["steps"] = steps
    result = result_of(record.get("ket_qua_xu_ly") or "")
    if result:
        procedure["result"] = result
    legal = inputs.normalized.get(code, {}).get("legal_basis", [])
    if legal:
        procedure["legal_basis"] = list(legal)
    if is_hidden(title, code, curation):
        procedure["hidden"] = True
    apply_overrides(procedure, curation.get("override", {}).get(code, {}), report)
    return procedure


def build_cases(
    code: str, title: str, drafts: Sequence[CaseDraft], proxy: Sequence[Paper],
    curation: Mapping[str, Any],
) -> list[dict[str, Any]]:
    titles = curation.get("case_titles", {}).get(code, {})
    cases: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, draft in enumerate(drafts):
        case_name = titles.get(str(index)) or draft.title or title
        key = "mac-dinh" if len(drafts) == 1 else slug(case_name)
        base, number = key, 2
        while key in keys:
            key, number = f"{base}-{number}", number + 1
        keys.add(key)
        submit = [*draft.submit, *(_proxy_paper(p) for p in proxy)]
        cases.append({
            "key": key,
            "title": case_name,
            "submit": [p.to_json() for p in _unique(submit)],
            "show": [p.to_json() for p in _unique(draft.show)],
        })
    return cases


def _proxy_paper(paper_: Paper) -> Paper:
    if paper_.note and paper_.note.startswith(_PROXY_NOTE):
        return paper_
    note = _PROXY_NOTE
    return Paper(paper_.name, paper_.originals, paper_.copies,
                 note=f"{note}; {paper_.note}" if paper_.note else note, form=paper_.form)


def _unique(papers: Iterable[Paper]) -> list[Paper]:
    seen: set[str] = set()
    kept = []
    for item in papers:
        if item.name not in seen:
            seen.add(item.name)
            kept.append(item)
    return kept


def apply_overrides(procedure: dict[str, Any], override: Mapping[str, Any], report: Report) -> None:
    """Facts a person corrected after checking the raw record (docs/catalog-check.md)."""
    for key, value in override.items():
        if key == "why":
            continue
        procedure[key] = value
    if override:
        report.overridden.append(procedure["code"])


# -- the whole catalog --------------------------------------------------------------------------


@dataclass
class Report:
    kept: int = 0
    dropped: dict[str, list[str]] = field(default_factory=dict)
    bare_times: list[str] = field(default_factory=list)
    note_rows: int = 0
    overridden: list[str] = field(default_factory=list)

    def drop(self, why: str, code: str) -> None:
        self.dropped.setdefault(why, []).append(code)


def select(inputs: Inputs, report: Report) -> list[dict[str, Any]]:
    """The raw records a citizen can start at a commune desk or the commune police."""
    curation = inputs.curation
    by_title: dict[str, str] = {}
    kept = []
    for record in inputs.raw:
        code = record["ma_thu_tuc"].strip()
        title = title_of(record)
        if code in curation["drop"]:
            report.drop(curation["drop"][code], code)
            continue
        if inputs.normalized[code].get("handled_outside_commune_office_hint"):
            report.drop("handled by a tax, customs, treasury or social-insurance office", code)
            continue
        if title.startswith(tuple(curation["decision_prefixes"])):
            report.drop("a decision, not a procedure", code)
            continue
        key = fold(title)
        if key in by_title:
            report.drop(f"duplicate of {by_title[key]}", code)
            continue
        by_title[key] = code
        kept.append(record)
    return kept


def merge_demo(procedures: dict[str, dict[str, Any]], inputs: Inputs) -> None:
    """Keep the old demo catalog's hand-written facts and map its codes to the new ones.

    ``curation.toml [demo]`` maps each old code to its portal code; an old procedure the
    portal no longer lists at communes (passports, military service) is kept from the old
    catalog, hidden when a commune kiosk cannot take it.
    """
    mapping: Mapping[str, str] = inputs.curation["demo"]["new_code"]
    keep_old: Sequence[str] = inputs.curation["demo"]["keep"]
    for old in inputs.demo["procedures"]:
        old_code = old["code"]
        if old_code in keep_old:
            procedures[old_code] = demo_record(old, inputs.curation)
            continue
        new_code = mapping.get(old_code, old_code)
        target = procedures[new_code]
        if new_code != old_code:
            target.setdefault("former_codes", []).append(old_code)
        for key in ("title_en", "summary"):
            if key in old and key not in target:
                target[key] = old[key]
        if "service" in old:
            target.setdefault("service", old["service"])


def demo_record(old: Mapping[str, Any], curation: Mapping[str, Any]) -> dict[str, Any]:
    """An old demo procedure the portal's commune records do not have, as format 2."""
    documents = [dict(document) for document in old["documents"]]
    fees = [dict(fee) for fee in old["fees"]] or [
        {"channel": channel, "amount_vnd": 0} for channel in old["channels"]
    ]
    record: dict[str, Any] = {
        "code": old["code"],
        "title": old["title"],
        "title_en": old.get("title_en"),
        "field": old["field"],
        "level": old["level"],
        "receiver": curation["demo"]["receiver"].get(old["code"], "other"),
        "agency": old["agency"],
        "service": old.get("service"),
        "summary": old.get("summary"),
        "cases": [{"key": "mac-dinh", "title": old["title"], "submit": documents, "show": []}],
        "fees": fees,
        "times": [{"text": old["processing_time"]}],
        "channels": old["channels"],
        "legal_basis": old.get("legal_basis", []),
    }
    if old["code"] in curation["hidden"]:
        record["hidden"] = True
    return {key: value for key, value in record.items() if value is not None}


def services(curation: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(service) for service in curation["services"]]


def assign_services(procedures: Iterable[dict[str, Any]], curation: Mapping[str, Any]) -> None:
    by_field: Mapping[str, str] = curation["service_by_field"]
    for procedure in procedures:
        if "service" not in procedure:
            service = by_field.get(procedure["field"], curation["service_default"])
            if service:
                procedure["service"] = service


def merge_aliases(procedures: Mapping[str, dict[str, Any]], inputs: Inputs) -> None:
    for code, entry in inputs.aliases.items():
        if code not in procedures:
            raise SystemExit(f"aliases.toml: {code} is not in the catalog")
        words = list(dict.fromkeys(nfc(word) for word in entry["words"]))
        procedures[code]["aliases"] = words
        if "title_en" in entry:
            procedures[code]["title_en"] = entry["title_en"]


def order(procedure: Mapping[str, Any]) -> dict[str, Any]:
    keys = ["code", "former_codes", "title", "title_en", "field", "level", "receiver",
            "agency", "hidden", "service", "summary", "who_may_apply", "conditions", "cases",
            "fees", "times", "channels", "steps", "result", "legal_basis", "aliases"]
    unknown = set(procedure) - set(keys)
    if unknown:
        raise SystemExit(f"{procedure['code']}: unknown keys {sorted(unknown)}")
    return {key: procedure[key] for key in keys if key in procedure}


def build(portal: Path) -> tuple[dict[str, Any], Report]:
    inputs = read_inputs(portal)
    report = Report()
    procedures: dict[str, dict[str, Any]] = {}
    for record in select(inputs, report):
        converted = convert_record(record, inputs, report)
        procedures[converted["code"]] = converted
    merge_demo(procedures, inputs)
    merge_aliases(procedures, inputs)
    assign_services(procedures.values(), inputs.curation)
    report.kept = len(procedures)
    fields_used = sorted({procedure["field"] for procedure in procedures.values()}, key=fold)
    english = {
        entry.get("short", name): entry["en"] for name, entry in inputs.curation["fields"].items()
    }
    missing = [name for name in fields_used if name not in english]
    if missing:
        raise SystemExit(f"curation.toml [fields]: no English name for {missing}")
    catalog = {
        "format": "motcua-catalog/2",
        "version": inputs.curation["catalog"]["version"],
        "published": inputs.curation["catalog"]["published"],
        "services": services(inputs.curation),
        "fields": [{"name": name, "name_en": english[name]} for name in fields_used],
        "life_events": [
            {key: value for key, value in event.items() if key != "why"}
            for event in inputs.events["event"]
        ],
        "procedures": [
            order(procedures[code]) for code in sorted(procedures, key=_catalog_order)
        ],
    }
    return catalog, report


def _catalog_order(code: str) -> tuple[int, str]:
    return (int(code.split(".", maxsplit=1)[0]), code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", type=Path, default=DEFAULT_PORTAL,
                        help="the portal-2026 reference directory")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--report", action="store_true", help="print what was dropped")
    args = parser.parse_args(argv)
    catalog, report = build(args.portal)
    checked = parse_catalog(catalog)  # the kiosk's own importer: refuses a bad file
    text = json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"
    args.output.write_text(text, encoding="utf-8")
    stats = catalog_stats(checked).to_json()
    print(f"wrote {args.output}: {json.dumps(stats)}; dropped "
          f"{sum(len(codes) for codes in report.dropped.values())}, overridden "
          f"{len(report.overridden)}, bare times {len(report.bare_times)}, note rows "
          f"{report.note_rows}")
    if args.report:
        for why, codes in sorted(report.dropped.items()):
            print(f"dropped ({why}): {', '.join(codes)}")
        for line in report.bare_times:
            print(f"bare time: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
