"""Numbers typed into the back office's query strings and forms."""

from __future__ import annotations

import pytest

from office.web.query_numbers import whole_number


@pytest.mark.parametrize(("text", "number"), [
    ("0", 0), ("4", 4), ("00126", 126), ("9" * 18, 10**18 - 1),
    ("", None), (" 4", None), ("4 ", None), ("-4", None), ("+4", None), ("4.0", None),
    ("²", None), ("٣", None), ("9" * 19, None), ("9" * 5000, None),
])
def test_only_ascii_digits_up_to_18_are_a_number(text: str, number: int | None) -> None:
    assert whole_number(text) == number
