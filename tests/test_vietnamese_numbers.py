"""Numbers and queue numbers in Vietnamese words: every irregular form pinned by its rule."""

from __future__ import annotations

import pytest

from kiosk.vietnamese_numbers import (
    LETTER_NAMES,
    MAX_NUMBER,
    NumberStyle,
    digit_words,
    letter_words,
    number_words,
    serial_words,
    ticket_words,
)

# Hand-checked against how Hanoi officers and the Vietnamese number-reading rules say them.
EXAMPLES = {
    0: "không",
    1: "một",
    4: "bốn",
    5: "năm",
    10: "mười",
    11: "mười một",
    14: "mười bốn",
    15: "mười lăm",
    19: "mười chín",
    20: "hai mươi",
    21: "hai mươi mốt",
    24: "hai mươi tư",
    25: "hai mươi lăm",
    31: "ba mươi mốt",
    44: "bốn mươi tư",
    55: "năm mươi lăm",
    90: "chín mươi",
    99: "chín mươi chín",
    100: "một trăm",
    101: "một trăm linh một",
    104: "một trăm linh bốn",
    105: "một trăm linh năm",
    110: "một trăm mười",
    111: "một trăm mười một",
    115: "một trăm mười lăm",
    121: "một trăm hai mươi mốt",
    205: "hai trăm linh năm",
    999: "chín trăm chín mươi chín",
    1000: "một nghìn",
    1001: "một nghìn không trăm linh một",
    1005: "một nghìn không trăm linh năm",
    1010: "một nghìn không trăm mười",
    1015: "một nghìn không trăm mười lăm",
    1021: "một nghìn không trăm hai mươi mốt",
    1100: "một nghìn một trăm",
    1105: "một nghìn một trăm linh năm",
    2024: "hai nghìn không trăm hai mươi tư",
    5555: "năm nghìn năm trăm năm mươi lăm",
    9999: "chín nghìn chín trăm chín mươi chín",
    10_000: "mười nghìn",
    15_015: "mười lăm nghìn không trăm mười lăm",
    21_000: "hai mươi mốt nghìn",
    100_000: "một trăm nghìn",
    105_000: "một trăm linh năm nghìn",
    1_000_000: "một triệu",
    1_000_005: "một triệu không trăm linh năm",
    1_005_000: "một triệu không trăm linh năm nghìn",
    25_300_000: "hai mươi lăm triệu ba trăm nghìn",
    1_000_000_000: "một tỷ",
    MAX_NUMBER: "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
    "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
}

UNITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
         "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def parse_group(words: list[str]) -> int:
    """A group's words back to its value, by the plain reading (no irregular rule)."""
    value = 0
    if "trăm" in words:
        index = words.index("trăm")
        value += 100 * UNITS[words[index - 1]]
        words = words[index + 1 :]
    if words[:1] == ["linh"]:
        words = words[1:]
    if words[:1] == ["mười"]:
        value += 10
        words = words[1:]
    elif "mươi" in words:
        value += 10 * UNITS[words[0]]
        words = words[2:]
    if words:
        assert len(words) == 1, words
        value += UNITS[words[0]]
    return value


def parse(text: str) -> int:
    """Vietnamese number words back to the number (for numbers below a million)."""
    words = text.split()
    if "nghìn" in words:
        index = words.index("nghìn")
        return 1000 * parse_group(words[:index]) + (
            parse_group(words[index + 1 :]) if words[index + 1 :] else 0
        )
    return parse_group(words)


ALL = {n: number_words(n) for n in range(10_000)}


@pytest.mark.parametrize(("number", "words"), EXAMPLES.items())
def test_hand_checked_examples(number: int, words: str) -> None:
    assert number_words(number) == words


def test_every_number_to_9999_reads_back_to_itself_and_no_two_read_alike() -> None:
    for number, words in ALL.items():
        assert parse(words) == number, (number, words)
    assert len(set(ALL.values())) == len(ALL)


def test_one_after_mươi_is_mốt_and_một_everywhere_else() -> None:
    for number, words in ALL.items():
        tens, ones = divmod(number % 100, 10)
        if ones != 1:
            continue
        if tens >= 2:
            assert words.endswith(" mươi mốt"), words
        elif tens == 1:
            assert words.endswith("mười một"), words
        elif number > 100:
            assert words.endswith(" linh một"), words
        else:
            assert words == "một"
    assert not any(words.startswith("mốt") for words in ALL.values())


def test_four_after_mươi_is_tư_and_bốn_after_mười_linh_or_alone() -> None:
    for number, words in ALL.items():
        tens, ones = divmod(number % 100, 10)
        if ones != 4:
            continue
        if tens >= 2:
            assert words.endswith(" mươi tư"), words
        elif tens == 1:
            assert words.endswith("mười bốn"), words
        elif number > 100:
            assert words.endswith(" linh bốn"), words
        else:
            assert words == "bốn"


def test_five_after_mười_or_mươi_is_lăm_and_năm_alone_or_after_linh() -> None:
    for number, words in ALL.items():
        tens, ones = divmod(number % 100, 10)
        if ones != 5:
            continue
        if tens >= 1:
            assert words.endswith(" lăm") or words == "mười lăm", words
        elif number > 100:
            assert words.endswith(" linh năm"), words
        else:
            assert words == "năm"
        assert "lăm trăm" not in words and "lăm nghìn" not in words


def test_ten_is_mười_and_tens_from_twenty_are_mươi() -> None:
    for number, words in ALL.items():
        tens = number % 100 // 10
        last_group = words.split("nghìn")[-1]
        if tens == 1:
            assert "mười" in last_group and "mươi" not in last_group, words
        elif tens >= 2:
            assert "mươi" in last_group and "mười" not in last_group, words
        else:
            assert "mười" not in last_group and "mươi" not in last_group, words


def test_linh_bridges_hundreds_and_a_lone_digit_only() -> None:
    for number, words in ALL.items():
        expected = number >= 100 and 1 <= number % 100 <= 9
        assert ("linh" in words) == expected, words


def test_không_trăm_only_inside_thousands_and_không_alone_only_for_zero() -> None:
    for number, words in ALL.items():
        hundreds_zero = number >= 1000 and 0 < number % 1000 < 100
        assert ("không trăm" in words) == hundreds_zero, words
        assert words.count("không") == (1 if hundreds_zero or number == 0 else 0), words


def test_the_south_says_lẻ_and_ngàn() -> None:
    south = NumberStyle(zero_tens="lẻ", thousand="ngàn")
    assert number_words(1005, south) == "một ngàn không trăm lẻ năm"
    assert number_words(104, south) == "một trăm lẻ bốn"


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1])
def test_numbers_out_of_range_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        number_words(bad)


def test_true_is_not_a_number() -> None:
    with pytest.raises(TypeError):
        number_words(True)


def test_digits_and_letters_by_name() -> None:
    assert digit_words("0105") == "không một không năm"
    assert letter_words("abcdđ") == "a bê xê dê đê"
    assert letter_words("LMNRSX") == "e lờ em mờ en nờ e rờ ét xì ích xì"
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") <= set(LETTER_NAMES)
    with pytest.raises(ValueError, match="no Vietnamese letter name"):
        letter_words("Ж")


@pytest.mark.parametrize(
    ("serial", "words"),
    [
        ("005", "không trăm linh năm"),
        ("010", "không trăm mười"),
        ("021", "không trăm hai mươi mốt"),
        ("100", "một trăm"),
        ("000", "không"),
        ("1005", "một nghìn không trăm linh năm"),
    ],
)
def test_serials_are_read_with_their_hundreds(serial: str, words: str) -> None:
    assert serial_words(serial) == words


@pytest.mark.parametrize(
    ("ticket", "words"),
    [
        ("A1-005", "a một, không trăm linh năm"),
        ("A1-U007", "a một, u không trăm linh bảy"),
        ("B2-124", "bê hai, một trăm hai mươi tư"),
        ("CZ-015", "xê dét, không trăm mười lăm"),
        ("A1-1000", "a một, một nghìn"),
        ("105", "một trăm linh năm"),
        (" a1-005 ", "a một, không trăm linh năm"),
    ],
)
def test_queue_numbers_are_read_part_by_part(ticket: str, words: str) -> None:
    assert ticket_words(ticket) == words


@pytest.mark.parametrize("bad", ["", "A1_005", "A1-00#5", "A1+005"])
def test_a_queue_number_that_cannot_be_read_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        ticket_words(bad)
