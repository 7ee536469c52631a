"""One money formatter: the slips, the screens and the command line write đồng alike."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from kiosk.catalog import Channel, Fee
from kiosk.money import format_vnd, group_thousands
from tests.conftest import Result


def test_amounts_have_dots_between_thousands_and_the_currency_in_the_language() -> None:
    assert [group_thousands(n) for n in (0, 999, 1000, 1234567)] == [
        "0", "999", "1.000", "1.234.567",
    ]  # fmt: skip
    assert format_vnd(200000, "vi") == "200.000 đồng"
    assert format_vnd(200000, "en") == "200.000 VND"


def test_the_command_line_shows_a_fee_as_the_slip_prints_it(
    kiosk: Callable[..., Result],
) -> None:
    # GIVEN the demo's procedure 1.002755 and its fee of 10,000 đồng at the counter
    result = kiosk("--demo", "catalog", "show", "1.002755")
    # THEN its fee line carries the formatted amount
    assert result.status == 0
    assert "    - in_person: 10.000 đồng (- Gia hạn tạm trú theo danh sách: + Trường hợp công " \
        "dân nộp hồ sơ trực tiếp thu 10.000 đồng/người/lần đăng ký;)\n" in result.out


def test_the_procedure_screen_shows_a_fee_as_the_slip_prints_it() -> None:
    pytest.importorskip("kivy")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from screens.i18n import translator
    from screens.procedure_detail import fee_lines

    fees = (Fee(Channel.IN_PERSON, 10000, None),)
    try:
        translator.switch("en")
        english = fee_lines(fees)
        translator.switch("vi")
        vietnamese = fee_lines(fees)
    finally:
        translator.switch("vi")
    assert english == "• In person: 10.000 VND"
    assert vietnamese == "• Trực tiếp: 10.000 đồng"
