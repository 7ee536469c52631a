"""Masking personal data for the screen and the printed slip."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.masking import mask_id_number, mask_name


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Nguyễn Văn An", "N. V. A."),
        ("Đỗ Thị Ánh", "Đ. T. Á."),
        ("đặng ngọc ước", "Đ. N. Ư."),
        ("Lê", "L."),
        ("  Trần   Thị\tBình  ", "T. T. B."),
        ("Nguyen Van An", "N. V. A."),
        ("Âu Dương Ơn", "Â. D. Ơ."),
        ("Nguyễn - An", "N. A."),
        ("(Lý) Hoa", "L. H."),
        ("", ""),
        ("   ", ""),
        ("123", ""),
    ],
)
def test_mask_name_gives_initials(full_name: str, expected: str) -> None:
    # GIVEN a full name WHEN it is masked THEN only upper-case initials remain
    assert mask_name(full_name) == expected


def test_mask_name_of_nfd_input_gives_nfc_initials() -> None:
    # GIVEN a decomposed name ("Ấ" as A + circumflex + acute)
    name = unicodedata.normalize("NFD", "Ấu Đức Ánh")
    # WHEN it is masked
    masked = mask_name(name)
    # THEN the initials are composed, as if the name had been NFC
    assert masked == "Ấ. Đ. Á."
    assert unicodedata.is_normalized("NFC", masked)


def test_mask_name_keeps_marks_that_have_no_precomposed_letter() -> None:
    # "q" with a dot below has no precomposed form: the mark stays with its letter.
    assert mask_name("q\u0323uang") == "Q\u0323."


def test_mask_id_number_shows_only_the_last_four_digits() -> None:
    assert mask_id_number("001099012345") == "********2345"


def test_mask_id_number_with_a_screen_mask_character() -> None:
    assert mask_id_number("001099012345", mask_char="•") == "••••••••2345"


@pytest.mark.parametrize("code_page", ["ascii", "cp437", "cp1258"])
def test_default_mask_prints_in_any_printer_code_page(code_page: str) -> None:
    # GIVEN a slip printer in its power-on PC437 or in CP1258
    # THEN the default mask encodes ("•" is not in PC437 and would print as "?")
    assert mask_id_number("001099012345").encode(code_page) == b"********2345"


def test_bullet_mask_does_not_print_in_pc437() -> None:
    with pytest.raises(UnicodeEncodeError):
        mask_id_number("001099012345", mask_char="•").encode("cp437")


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        ("123456789", "*****6789"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
        (" 001099012345\r\n", "********2345"),
    ],
)
def test_mask_id_number_of_other_lengths(id_number: str, expected: str) -> None:
    # Four characters or fewer are masked entirely: showing them would show all.
    assert mask_id_number(id_number) == expected


@pytest.mark.parametrize("mask_char", ["", "**", "ab"])
def test_mask_char_must_be_one_character(mask_char: str) -> None:
    with pytest.raises(ValueError, match="mask_char must be one character"):
        mask_id_number("001099012345", mask_char=mask_char)


@settings(max_examples=300)
@given(digits=st.text(alphabet="0123456789", min_size=5, max_size=20))
def test_masked_number_keeps_length_and_only_the_last_four(digits: str) -> None:
    masked = mask_id_number(digits)
    assert len(masked) == len(digits)
    assert masked[-4:] == digits[-4:]
    assert set(masked[:-4]) == {"*"}
