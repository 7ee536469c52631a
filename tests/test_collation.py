"""Vietnamese alphabetical order (kiosk/collation.py) and the directory that uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.collation import sort_key
from kiosk.directory import area_text, load_directory, seed_directory
from kiosk.storage import open_database


def ordered(*names: str) -> list[str]:
    return sorted(names, key=sort_key)


def test_letters_with_marks_are_letters_of_their_own_after_their_base() -> None:
    # a ă â b c d đ e ê ... o ô ơ ... u ư v
    assert ordered("Âu", "Ăn", "An", "Ba") == ["An", "Ăn", "Âu", "Ba"]
    assert ordered("Đông Anh", "Dương Nội", "Em") == ["Dương Nội", "Đông Anh", "Em"]
    assert ordered("Ơn", "Ôn", "On", "Phú") == ["On", "Ôn", "Ơn", "Phú"]
    assert ordered("Vân Đình", "Ứng Hòa", "Uy Nỗ") == ["Uy Nỗ", "Ứng Hòa", "Vân Đình"]


def test_the_issue_s_examples() -> None:
    # Python's order puts "Chương Mỹ" first and "Đ...", "Ứ..." after "Y"; Vietnamese does not
    names = ["Yên Xuân", "Ứng Hòa", "Đông Anh", "Chương Mỹ", "Cầu Giấy", "Dương Nội", "Vân Đình"]
    assert sorted(names)[0] == "Chương Mỹ"
    assert ordered(*names) == [
        "Cầu Giấy", "Chương Mỹ", "Dương Nội", "Đông Anh", "Ứng Hòa", "Vân Đình", "Yên Xuân",
    ]  # fmt: skip


def test_tones_only_break_ties_in_dictionary_order() -> None:
    # ngang, huyền, hỏi, ngã, sắc, nặng
    assert ordered("mạ", "má", "mã", "mả", "mà", "ma") == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # a tone never outweighs a letter: "mà" before "mai" although "mai" has no tone
    assert ordered("mai", "mà") == ["mà", "mai"]
    # a tone on a marked letter is the tone, the mark is the letter ("ấ" is â with sắc)
    assert ordered("Ấp", "Ắp", "Áp") == ["Áp", "Ắp", "Ấp"]


def test_spaces_before_letters_and_nfd_like_nfc() -> None:
    assert ordered("Ana", "An Khánh") == ["An Khánh", "Ana"]
    nfd = "C\u0061\u0302\u0300u Gia\u0302\u0301y"  # "Cầu Giấy" decomposed
    assert sort_key(nfd) == sort_key("Cầu Giấy")
    assert ordered("cầu giấy", "Cầu Giấy") == ["Cầu Giấy", "cầu giấy"]


def test_directory_lists_wards_then_communes_in_vietnamese_order(tmp_path: Path) -> None:
    # GIVEN the shipped directory
    db = open_database(tmp_path / "kiosk.db")
    seed_directory(db)
    # WHEN it is listed
    communes = load_directory(db)
    wards = [c.short_name for c in communes if c.type.value == "phuong"]
    rural = [c.short_name for c in communes if c.type.value == "xa"]
    # THEN wards come first, each group in Vietnamese order
    assert [c.type.value for c in communes] == ["phuong"] * len(wards) + ["xa"] * len(rural)
    assert wards == sorted(wards, key=sort_key)
    assert rural == sorted(rural, key=sort_key)
    assert wards.index("Cầu Giấy") < wards.index("Chương Mỹ")
    assert rural.index("Ứng Hòa") < rural.index("Vân Đình")
    d_last = max(i for i, name in enumerate(rural) if name.startswith("D"))
    assert all(i > d_last for i, name in enumerate(rural) if name.startswith("Đ"))


@pytest.mark.parametrize(
    ("area", "language", "expected"),
    [(2.97, "vi", "2,97"), (2.97, "en", "2.97"), (1234.5, "vi", "1.234,50"),
     (1234.5, "en", "1,234.50"), (0.0, "vi", "0,00")],
)  # fmt: skip
def test_area_is_written_with_the_citizen_s_decimal_mark(
    area: float, language: str, expected: str
) -> None:
    assert area_text(area, language) == expected  # type: ignore[arg-type]
