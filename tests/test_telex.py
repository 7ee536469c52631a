"""The on-screen keyboard's Vietnamese typing: Telex and the tone keys."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.telex import Tone, backspace, set_tone, telex, type_key


@pytest.mark.parametrize(
    ("keys", "text"),
    [
        ("Nguyeenx", "Nguyễn"),
        ("Traanf Thij Bichs", "Trần Thị Bích"),
        ("DDoox", "Đỗ"),
        ("dd", "đ"),
        ("Phamj", "Phạm"),
        ("hoaf", "hòa"),  # two vowels, no final consonant: the first takes the tone
        ("hoafn", "hoàn"),  # a final consonant moves it to the last vowel
        ("cuar", "của"),
        ("thuyr", "thủy"),
        ("quas", "quá"),  # the u of "qu" is a consonant
        ("gif", "gì"),
        ("giuwx", "giữ"),  # the i of "gi" is a consonant before a vowel
        ("nguwowif", "người"),
        ("nguoiwf", "người"),  # w after "uo" gives ươ
        ("khuyru", "khuỷu"),  # three vowels: the middle one
        ("ngoaif", "ngoài"),
        ("Tuyeets", "Tuyết"),
        ("muoons", "muốn"),
        ("DDawng kys khai sinh", "Đăng ký khai sinh"),
        ("w", "ư"),
        ("aaw", "ă"),
        ("ass", "as"),  # the same tone key again undoes it and types the letter
        ("aaa", "aa"),
        ("hoafz", "hoa"),  # z removes the tone
        ("sms", "sms"),  # no vowel: tone keys are letters
        ("0912 345", "0912 345"),
    ],
)
def test_telex(keys: str, text: str) -> None:
    # GIVEN nothing typed, WHEN the keys are pressed one by one, THEN the text reads so
    assert telex(keys) == text


def test_output_is_nfc() -> None:
    assert unicodedata.is_normalized("NFC", telex("Nguyeenx Vaawn Ddeeuf"))


def test_telex_off_types_letters_as_they_are() -> None:
    assert type_key("thanks", "s", telex=False) == "thankss"


def test_only_the_last_word_changes() -> None:
    # GIVEN two words typed, WHEN a tone key is pressed, THEN only the second takes it
    assert type_key("Lê Vân", "f") == "Lê Vần"


def test_tone_keys_for_citizens_who_do_not_know_telex() -> None:
    assert set_tone("Nguyên", Tone.TILDE) == "Nguyễn"
    assert set_tone("hoa", Tone.GRAVE) == "hòa"
    assert set_tone("hòa", Tone.GRAVE) == "hoa"  # the same tone again removes it
    assert set_tone("hòa", Tone.DOT) == "họa"
    assert set_tone("xyz ", Tone.DOT) == "xyz "  # nowhere to put it
    assert set_tone("", Tone.ACUTE) == ""


def test_backspace_removes_one_letter_with_its_marks() -> None:
    assert backspace("Nguyễn") == "Nguyễ"
    assert backspace("Nguye\u0302\u0303") == "Nguy"  # NFD input: one letter, two marks
    assert backspace("") == ""


def test_one_key_at_a_time() -> None:
    with pytest.raises(ValueError, match="one key at a time"):
        type_key("", "ab")
