"""Every fee amount in the shipped catalog is one the portal writes for that channel.

The portal's fee column is machine-formatted ("5,000 Việt Nam Đồng") and sometimes wrong
("40 Việt Nam Đồng" beside the words "4.000 đ/giấy thông hành"); the words in the cell,
written in Vietnamese notation ("4.000 đ", "5000 đồng", "4 nghìn"), are what a person wrote.
An amount the kiosk shows must be the one those words state, or the column's when the words
state none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk.catalog import Catalog, demo_catalog_bytes, parse_catalog_bytes

PORTAL = Path("/work/shared/data/reference/portal-2026")
CHANNELS = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Dịch vụ bưu chính"}
_ROW_START = re.compile(
    r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không quy định|Không có thông tin)")
#: The fee column: an amount and its currency, then (maybe) the cell's words in parentheses.
_COLUMN = re.compile(r"(\d[\d.,]*)\s*(?:VNĐ|Việt Nam Đồng)")
#: An amount in Vietnamese notation: dots group thousands ("4.000 đ", "25.000.000đ").
_WORDS_AMOUNT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:đồng|Đồng|VNĐ|vnđ|đ(?![a-zà-ỹ]))")
_WORDS_THOUSANDS = re.compile(r"(?<![\d.,])(\d+)\s*(nghìn|ngàn|triệu)")

needs_portal = pytest.mark.skipif(
    not (PORTAL / "commune-procedures-raw.json").is_file(),
    reason="the portal's reference records are not on this machine",
)


def rows(text: str, channel: str) -> list[str]:
    """The portal's run-together rows of one channel, each from its time to the next row."""
    starts = [(m.start(), m.end(), m.group(1)) for m in _ROW_START.finditer(text)]
    found = []
    for index, (_, end, name) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        if name == CHANNELS[channel]:
            found.append(text[end:stop])
    return found


def parenthesised(text: str, start: int) -> str:
    """The text inside the parenthesis opening at ``start`` ("" when none opens there)."""
    if not text.startswith("(", start):
        return ""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return text[start + 1:index]
    return text[start + 1:]


def amounts_in_words(words: str) -> set[int]:
    """Every amount of money the words write, in Vietnamese notation."""
    found = {int(m.group(1).replace(".", "")) for m in _WORDS_AMOUNT.finditer(words)}
    scale = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000}
    found |= {int(m.group(1)) * scale[m.group(2)] for m in _WORDS_THOUSANDS.finditer(words)}
    return found


def stated(row: str, amount: int) -> bool:
    """Whether ``row`` states ``amount``: in its words when they give an amount, else in the
    fee column."""
    for column in _COLUMN.finditer(row):
        words = amounts_in_words(parenthesised(row, column.end()))
        if words:
            if amount in words:
                return True
        elif int(re.sub(r"[.,]", "", column.group(1))) == amount:
            return True
    return False


def test_vietnamese_notation_is_read_as_a_person_wrote_it() -> None:
    assert amounts_in_words("4.000 đ/giấy thông hành") == {4000}
    assert amounts_in_words("thu 5000 đồng/lần; tối đa 200.000 đồng/bản") == {5000, 200_000}
    assert amounts_in_words("4 nghìn đồng") == {4000}
    assert amounts_in_words("Thông tư số 25/2021/TT-BTC ngày 07/4/2021") == set()
    assert not stated("1 Ngày làm việc40 Việt Nam Đồng(4.000 đ/giấy thông hành)", 40)
    assert stated("1 Ngày làm việc40 Việt Nam Đồng(4.000 đ/giấy thông hành)", 4000)
    assert stated("Không có thông tin8,000 VNĐ", 8000)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog_bytes(demo_catalog_bytes())


@needs_portal
def test_every_fee_amount_is_the_one_the_portal_writes_for_its_channel(
    catalog: Catalog,
) -> None:
    raw = json.loads((PORTAL / "commune-procedures-raw.json").read_text(encoding="utf-8"))
    methods = {record["ma_thu_tuc"]: record["cach_thuc_thuc_hien"] or "" for record in raw}
    checked, wrong = 0, []
    for procedure in catalog.procedures:
        if procedure.code not in methods:
            continue  # kept from the old demo catalog, not from the portal
        for fee in procedure.fees:
            if not fee.amount_vnd:
                continue  # "depends" and free are pinned by tests/test_convert_portal.py
            checked += 1
            channel_rows = rows(methods[procedure.code], fee.channel.value)
            if not any(stated(row, fee.amount_vnd) for row in channel_rows):
                wrong.append(f"{procedure.code} {fee.channel.value}: {fee.amount_vnd}")
    assert wrong == [], "amounts the portal does not write:\n" + "\n".join(wrong)
    assert checked >= 50  # the audit saw the catalog's fees, not an empty list
