"""Folding Vietnamese text for matching."""

import unicodedata

from kiosk.text import fold, has_marks, strip_marks, words


def test_fold_removes_accents_case_and_maps_d_stroke() -> None:
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("đường Đê La Thành") == "duong de la thanh"


def test_fold_is_the_same_for_nfc_and_nfd() -> None:
    text = "Chứng thực bản sao từ bản chính"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == (
        "chung thuc ban sao tu ban chinh"
    )


def test_words_drop_punctuation() -> None:
    assert words("khai sinh (bản sao), số 1.001193") == [
        "khai", "sinh", "ban", "sao", "so", "1", "001193",
    ]


def test_strip_marks_keeps_spacing() -> None:
    assert strip_marks("Hà  Nội") == "ha  noi"


def test_has_marks_tells_whether_accents_were_typed() -> None:
    assert has_marks("đăng") is True
    assert has_marks("tử") is True
    assert has_marks("Dang") is False
    assert has_marks("khai") is False
