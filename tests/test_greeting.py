"""The greeting by title and given name (kiosk/greeting.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kiosk.greeting import Greeting, Honorific, greeting_for
from kiosk.idcard import CitizenCard, Sex, parse_id_qr

CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=dt.date(2026, 12, 1),
)


def card(full_name: str, sex: Sex) -> CitizenCard:
    return dataclasses.replace(CARD, full_name=full_name, sex=sex)


@pytest.mark.parametrize(
    ("full_name", "sex", "expected"),
    [
        ("Nguyễn Văn An", Sex.MALE, Greeting(Honorific.ONG, "An")),
        ("Trần Thị Bình", Sex.FEMALE, Greeting(Honorific.BA, "Bình")),
        # the given name whole, with its marks; never initials
        ("Đỗ Thị Ánh Nguyệt", Sex.FEMALE, Greeting(Honorific.BA, "Nguyệt")),
        # a card written in capitals greets as people write their name
        ("LÊ VĂN ĐỨC", Sex.MALE, Greeting(Honorific.ONG, "Đức")),
        # decomposed input greets in NFC
        ("Ngô Gia Tu\u0309", Sex.MALE, Greeting(Honorific.ONG, "Tủ")),
    ],
)  # fmt: skip
def test_greets_by_title_and_given_name(full_name: str, sex: Sex, expected: Greeting) -> None:
    assert greeting_for(card(full_name, sex)) == expected


def test_a_name_without_a_letter_at_its_end_is_not_greeted() -> None:
    assert greeting_for(card("Nguyễn 3", Sex.MALE)) is None
