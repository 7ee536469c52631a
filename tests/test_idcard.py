"""The chip ID card QR parser: valid shapes, every refusal, and no crash on any text.

All people, numbers and addresses here are fictional.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.idcard import (
    ERROR_CODES,
    MAX_PAYLOAD_CHARS,
    CitizenCard,
    IdCardError,
    Sex,
    parse_id_qr,
    province_codes,
)
from kiosk.text import nfc

VALID = "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"
TODAY = dt.date(2026, 11, 27)

EXPECTED = CitizenCard(
    id_number="001099012345",
    old_id_number="123456789",
    full_name="Nguyễn Văn An",
    birth_date=dt.date(1999, 3, 15),
    sex=Sex.MALE,
    address="Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
    issue_date=dt.date(2021, 4, 20),
    extra_fields=(),
)

# A real-shaped card issued in 2024, for the clock tests.
ISSUED_2024 = "001099012345||Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|10052024"


def with_field(index: int, value: str, payload: str = VALID) -> str:
    """``payload`` with field ``index`` (0-based) replaced by ``value``."""
    fields = payload.split("|")
    fields[index] = value
    return "|".join(fields)


def refusal(payload: object, today: dt.date | None = TODAY) -> IdCardError:
    """The error ``parse_id_qr`` raises for ``payload``."""
    with pytest.raises(IdCardError) as raised:
        parse_id_qr(payload, today=today)  # type: ignore[arg-type]
    return raised.value


# --- valid payloads -----------------------------------------------------------------------


def test_seven_fields_with_old_id_number() -> None:
    # GIVEN a card QR with the old CMND number present
    # WHEN it is parsed
    card = parse_id_qr(VALID, today=TODAY)
    # THEN every field is read
    assert card == EXPECTED


def test_seven_fields_without_old_id_number() -> None:
    # GIVEN a card QR whose old CMND field is empty ("...||Name|...")
    payload = with_field(1, "")
    # WHEN it is parsed
    card = parse_id_qr(payload, today=TODAY)
    # THEN the old number is None and the rest is read
    assert card.old_id_number is None
    assert card == CitizenCard(
        id_number="001099012345",
        old_id_number=None,
        full_name="Nguyễn Văn An",
        birth_date=dt.date(1999, 3, 15),
        sex=Sex.MALE,
        address="Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
        issue_date=dt.date(2021, 4, 20),
        extra_fields=(),
    )


def test_eighth_field_is_kept_as_extra() -> None:
    # GIVEN a reader that appends an expiry date as field 8
    # WHEN it is parsed
    card = parse_id_qr(VALID + "|15032039", today=TODAY)
    # THEN the card is read and the extra field kept, uninterpreted
    assert card.extra_fields == ("15032039",)
    assert card.id_number == "001099012345"
    assert card.issue_date == dt.date(2021, 4, 20)


def test_several_extra_fields_are_kept_in_order_including_empty_ones() -> None:
    # GIVEN ten fields, two of them extra and one of those empty
    card = parse_id_qr(VALID + "||15032039", today=TODAY)
    # THEN both extras are kept in order
    assert card.extra_fields == ("", "15032039")


def test_to_json_gives_exactly_the_documented_object() -> None:
    # GIVEN a parsed card with an extra field
    card = parse_id_qr(VALID + "|15032039", today=TODAY)
    # WHEN it is turned into JSON
    # THEN it has exactly the documented keys, ISO dates and "male"/"female"
    assert card.to_json() == {
        "id_number": "001099012345",
        "old_id_number": "123456789",
        "full_name": "Nguyễn Văn An",
        "birth_date": "1999-03-15",
        "sex": "male",
        "address": "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội",
        "issue_date": "2021-04-20",
    }


def test_to_json_without_old_id_number_has_null() -> None:
    card = parse_id_qr(with_field(1, ""), today=TODAY)
    assert card.to_json()["old_id_number"] is None


def test_nfd_input_gives_nfc_fields() -> None:
    # GIVEN the payload in decomposed form, as some systems send it
    payload = unicodedata.normalize("NFD", VALID)
    assert payload != VALID
    # WHEN it is parsed
    card = parse_id_qr(payload, today=TODAY)
    # THEN name and address are NFC, equal to the composed reading
    assert card == EXPECTED
    assert unicodedata.is_normalized("NFC", card.full_name)
    assert unicodedata.is_normalized("NFC", card.address)


def test_nfd_female_sex_field_is_accepted() -> None:
    payload = with_field(4, unicodedata.normalize("NFD", "Nữ"), with_field(0, "001199012346"))
    assert parse_id_qr(payload, today=TODAY).sex is Sex.FEMALE


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r", "  ", "\t\r\n", " \n\n"])
def test_trailing_line_ending_and_whitespace_are_tolerated(ending: str) -> None:
    # GIVEN a scanner that ends its output with CR/LF or spaces
    # WHEN the payload is parsed
    # THEN the last field is read without them
    assert parse_id_qr(VALID + ending, today=TODAY) == EXPECTED


def test_crlf_after_an_extra_field_is_not_kept_in_it() -> None:
    card = parse_id_qr(VALID + "|15032039\r\n", today=TODAY)
    assert card.extra_fields == ("15032039",)


def test_leading_byte_order_mark_and_spaces_around_fields_are_tolerated() -> None:
    payload = "\ufeff 001099012345 | 123456789 |  Nguyễn   Văn  An | 15031999 | Nam |" + (
        " Số 1  Phố Huế, Hoàn Kiếm, Hà Nội | 20042021 "
    )
    assert parse_id_qr(payload, today=TODAY) == EXPECTED


@pytest.mark.parametrize("word", ["Nữ", "Nu", "nữ", "NỮ", "NU", "nu"])
def test_female_sex_field_with_or_without_accent(word: str) -> None:
    # GIVEN a woman's card, read by a scanner that may drop diacritics or change case
    payload = with_field(4, word, with_field(0, "001199012346"))
    # WHEN it is parsed
    # THEN she is female
    assert parse_id_qr(payload, today=TODAY).sex is Sex.FEMALE


@pytest.mark.parametrize("word", ["Nam", "nam", "NAM"])
def test_male_sex_field_in_any_case(word: str) -> None:
    assert parse_id_qr(with_field(4, word), today=TODAY).sex is Sex.MALE


@pytest.mark.parametrize(
    ("id_number", "birth", "sex_word", "sex", "birth_date"),
    [
        ("001099012345", "15031999", "Nam", Sex.MALE, dt.date(1999, 3, 15)),
        ("001199012346", "15031999", "Nữ", Sex.FEMALE, dt.date(1999, 3, 15)),
        ("079205001234", "01012005", "Nam", Sex.MALE, dt.date(2005, 1, 1)),
        ("079305001235", "31122005", "Nữ", Sex.FEMALE, dt.date(2005, 12, 31)),
        ("001899000001", "31121899", "Nam", Sex.MALE, dt.date(1899, 12, 31)),
        ("001100000001", "01011900", "Nữ", Sex.FEMALE, dt.date(1900, 1, 1)),
        ("048400000002", "01012100", "Nam", Sex.MALE, dt.date(2100, 1, 1)),
        ("048500000002", "28022100", "Nữ", Sex.FEMALE, dt.date(2100, 2, 28)),
        ("001601000003", "01012201", "Nam", Sex.MALE, dt.date(2201, 1, 1)),
        ("001799000004", "31122299", "Nữ", Sex.FEMALE, dt.date(2299, 12, 31)),
    ],
)
def test_digit_four_encodes_sex_and_century(
    id_number: str, birth: str, sex_word: str, sex: Sex, birth_date: dt.date
) -> None:
    # GIVEN cards of each century code (future births with an untrusted clock, so that
    # only the ID structure is tested)
    payload = "|".join([id_number, "", "Trần Thị Bình", birth, sex_word, "Hà Nội", birth])
    # WHEN it is parsed
    card = parse_id_qr(payload, today=None)
    # THEN sex and birth date agree with the ID number
    assert (card.sex, card.birth_date) == (sex, birth_date)


def test_29_february_is_real_in_2000_but_not_in_2100() -> None:
    # 2000 is a leap year (divisible by 400), 2100 is not (divisible by 100 only).
    def payload(id_number: str, date: str) -> str:
        return "|".join([id_number, "", "Trần Thị Bình", date, "Nữ", "Hà Nội", date])

    card = parse_id_qr(payload("001300000002", "29022000"), today=TODAY)
    assert card.birth_date == dt.date(2000, 2, 29)
    assert refusal(payload("048500000002", "29022100"), today=None).code == "bad_birth_date"


def test_issue_date_on_the_birth_date_is_accepted() -> None:
    # A newborn may get a card (Law on Căn cước 2023); same day is not "before birth".
    card = parse_id_qr(with_field(6, "15031999"), today=TODAY)
    assert card.issue_date == card.birth_date


def test_dates_on_today_are_accepted() -> None:
    payload = "|".join(["001226000123", "", "Lê Minh", "27112026", "Nam", "Hà Nội", "27112026"])
    card = parse_id_qr(payload, today=dt.date(2026, 11, 27))
    assert card.birth_date == card.issue_date == dt.date(2026, 11, 27)


def test_payload_of_exactly_the_size_cap_is_parsed() -> None:
    # GIVEN a valid payload padded to exactly MAX_PAYLOAD_CHARS with a long address
    padding = MAX_PAYLOAD_CHARS - len(VALID)
    payload = with_field(5, "Số 1 Phố Huế, Hoàn Kiếm, Hà Nội" + "x" * padding)
    assert len(payload) == MAX_PAYLOAD_CHARS
    # THEN it is parsed, not refused as too long
    assert parse_id_qr(payload, today=TODAY).address.endswith("x")


# --- the device clock ---------------------------------------------------------------------


def test_untrusted_clock_accepts_a_real_card_issued_in_2024() -> None:
    # GIVEN a Pi that booted in 1970, so trusted_today() said None
    # WHEN a real card issued in 2024 is parsed
    card = parse_id_qr(ISSUED_2024, today=None)
    # THEN it is accepted: the future checks are skipped
    assert card.issue_date == dt.date(2024, 5, 10)


def test_a_wrong_but_trusted_clock_refuses_the_same_card_as_issued_in_future() -> None:
    # GIVEN a clock believed to say 1 January 2020
    # WHEN the card issued in 2024 is parsed
    error = refusal(ISSUED_2024, today=dt.date(2020, 1, 1))
    # THEN it is refused, saying the clock may be wrong
    assert error.code == "issued_in_future"
    assert error.message == (
        "the issue date is after today (2020-01-01); if the card is real, the kiosk clock is wrong"
    )


def test_untrusted_clock_still_applies_every_other_check() -> None:
    assert refusal(with_field(6, "01011990"), today=None).code == "issued_before_birth"
    assert refusal(with_field(0, "001098012345"), today=None).code == "birth_year_mismatch"


def test_today_given_as_a_datetime_is_compared_as_its_date() -> None:
    today = dt.datetime(2021, 4, 20, 23, 59, tzinfo=dt.UTC)
    assert parse_id_qr(VALID, today=today).issue_date == dt.date(2021, 4, 20)
    assert refusal(VALID, today=dt.datetime(2021, 4, 19, 8, 0)).code == "issued_in_future"


# --- refusals -----------------------------------------------------------------------------

REFUSALS: list[tuple[str, object, dt.date | None, str]] = [
    ("not_text", VALID.encode(), TODAY, "the payload is not text but bytes"),
    ("not_text", None, TODAY, "the payload is not text but NoneType"),
    (
        "too_long",
        "1" * (MAX_PAYLOAD_CHARS + 1),
        TODAY,
        "the payload has 1,001 characters; an ID card QR code has at most 1,000",
    ),
    (
        "too_long",
        VALID + "|" + "x" * 2000,
        TODAY,
        f"the payload has {len(VALID) + 2001:,} characters; an ID card QR code has at most 1,000",
    ),
    (
        "bad_character",
        with_field(2, "Nguyễn\x00Văn An"),
        TODAY,
        "the payload contains U+0000, a control character, which no ID card QR code holds",
    ),
    (
        "bad_character",
        with_field(2, "Nguyễn\u200bVăn An"),
        TODAY,
        "the payload contains U+200B, an invisible formatting character, which no ID card QR "
        "code holds",
    ),
    (
        "bad_character",
        with_field(5, "Hà Nội\udcff"),
        TODAY,
        "the payload contains U+DCFF, a lone surrogate (bytes that were not valid UTF-8), "
        "which no ID card QR code holds",
    ),
    (
        "bad_character",
        with_field(2, "Nguyễn Văn An\ue000"),
        TODAY,
        "the payload contains U+E000, a private-use character, which no ID card QR code holds",
    ),
    (
        "bad_character",
        VALID.replace("|Nam|", "|Nam\r\n|"),
        TODAY,
        "the payload contains U+000D, a control character, which no ID card QR code holds",
    ),
    (
        "not_enough_fields",
        "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế",
        TODAY,
        "an ID card QR code has at least 7 fields separated by '|'; this payload has 6",
    ),
    (
        "not_enough_fields",
        "",
        TODAY,
        "an ID card QR code has at least 7 fields separated by '|'; this payload has 1",
    ),
    (
        "not_enough_fields",
        "https://dichvucong.gov.vn",
        TODAY,
        "an ID card QR code has at least 7 fields separated by '|'; this payload has 1",
    ),
    (
        "bad_id_number",
        with_field(0, "00109901234"),
        TODAY,
        "the ID number (field 1) must be exactly 12 digits; it has 11 digits",
    ),
    (
        "bad_id_number",
        with_field(0, "0010990123456"),
        TODAY,
        "the ID number (field 1) must be exactly 12 digits; it has 13 digits",
    ),
    (
        "bad_id_number",
        with_field(0, "00109901234O"),
        TODAY,
        "the ID number (field 1) must be exactly 12 digits; it has 12 characters, 1 of them "
        "not digits",
    ),
    (
        "bad_id_number",
        with_field(0, "００１０９９０１２３４５"),
        TODAY,
        "the ID number (field 1) must be exactly 12 digits; it has 12 characters, 12 of them "
        "not digits",
    ),
    (
        "bad_id_number",
        with_field(0, ""),
        TODAY,
        "the ID number (field 1) must be exactly 12 digits; it has nothing (the field is empty)",
    ),
    (
        "unknown_province",
        with_field(0, "003099012345"),
        TODAY,
        "the ID number starts with 003, which is not a province code in the official list",
    ),
    (
        "unknown_province",
        with_field(0, "000099012345"),
        TODAY,
        "the ID number starts with 000, which is not a province code in the official list",
    ),
    (
        "bad_old_id_number",
        with_field(1, "12345678"),
        TODAY,
        "the old ID number (field 2) must be empty or exactly 9 digits; it has 8 digits",
    ),
    (
        "bad_old_id_number",
        with_field(1, "001099012345"),
        TODAY,
        "the old ID number (field 2) must be empty or exactly 9 digits; it has 12 digits",
    ),
    (
        "bad_old_id_number",
        with_field(1, "12345678X"),
        TODAY,
        "the old ID number (field 2) must be empty or exactly 9 digits; it has 9 characters, 1 "
        "of them not digits",
    ),
    ("empty_name", with_field(2, ""), TODAY, "the full name (field 3) is empty"),
    ("empty_name", with_field(2, "   "), TODAY, "the full name (field 3) is empty"),
    (
        "bad_birth_date",
        with_field(3, "1503199"),
        TODAY,
        "the birth date (field 4) must be 8 digits DDMMYYYY; it has 7 digits",
    ),
    (
        "bad_birth_date",
        with_field(3, "15/03/1999"),
        TODAY,
        "the birth date (field 4) must be 8 digits DDMMYYYY; it has 10 characters, 2 of them "
        "not digits",
    ),
    (
        "bad_birth_date",
        with_field(3, "29021999"),
        TODAY,
        "the birth date (field 4) is not a real calendar date",
    ),
    (
        "bad_birth_date",
        with_field(3, "15131999"),
        TODAY,
        "the birth date (field 4) is not a real calendar date",
    ),
    (
        "bad_birth_date",
        with_field(3, "15030000"),
        TODAY,
        "the birth date (field 4) is not a real calendar date",
    ),
    (
        "bad_sex",
        with_field(4, "Male"),
        TODAY,
        "the sex (field 5) must be 'Nam' or 'Nữ', not 'Male'",
    ),
    ("bad_sex", with_field(4, ""), TODAY, "the sex (field 5) must be 'Nam' or 'Nữ', not ''"),
    (
        "bad_sex",
        with_field(4, "N?"),
        TODAY,
        "the sex (field 5) must be 'Nam' or 'Nữ', not 'N?'",
    ),
    (
        "bad_sex",
        with_field(4, "Nam giới, không rõ"),
        TODAY,
        "the sex (field 5) must be 'Nam' or 'Nữ', not 'Nam giới, kh…'",
    ),
    (
        "bad_issue_date",
        with_field(6, "31042021"),
        TODAY,
        "the issue date (field 7) is not a real calendar date",
    ),
    (
        "bad_issue_date",
        with_field(6, ""),
        TODAY,
        "the issue date (field 7) must be 8 digits DDMMYYYY; it has nothing (the field is empty)",
    ),
    (
        "bad_issue_date",
        with_field(6, "2021-04-20"),
        TODAY,
        "the issue date (field 7) must be 8 digits DDMMYYYY; it has 10 characters, 2 of them "
        "not digits",
    ),
    (
        "sex_century_mismatch",
        with_field(0, "001299012345"),
        TODAY,
        "ID digit 4 is 2, meaning born 2000-2099, but the birth date is not in those years",
    ),
    (
        "sex_century_mismatch",
        with_field(0, "001899012345"),
        TODAY,
        "ID digit 4 is 8, meaning born 1800-1899, but the birth date is not in those years",
    ),
    (
        "sex_century_mismatch",
        with_field(4, "Nữ"),
        TODAY,
        "ID digit 4 is 0, meaning male, but the sex field says female",
    ),
    (
        "sex_century_mismatch",
        with_field(0, "001199012345"),
        TODAY,
        "ID digit 4 is 1, meaning female, but the sex field says male",
    ),
    (
        "birth_year_mismatch",
        with_field(0, "001098012345"),
        TODAY,
        "ID digits 5-6 must be the last two digits of the birth year, and they are not",
    ),
    (
        "born_in_future",
        VALID,
        dt.date(1998, 12, 31),
        "the birth date is after today (1998-12-31); if the card is real, the kiosk clock is wrong",
    ),
    (
        "issued_before_birth",
        with_field(6, "14031999"),
        TODAY,
        "the issue date is before the birth date",
    ),
    (
        "issued_in_future",
        VALID,
        dt.date(2021, 4, 19),
        "the issue date is after today (2021-04-19); if the card is real, the kiosk clock is wrong",
    ),
]


@pytest.mark.parametrize(("code", "payload", "today", "message"), REFUSALS)
def test_refusal_has_its_code_and_message(
    code: str, payload: object, today: dt.date | None, message: str
) -> None:
    # GIVEN a payload wrong in one way
    # WHEN it is parsed
    error = refusal(payload, today=today)
    # THEN the error names that way, in code and words
    assert (error.code, error.message) == (code, message)
    assert str(error) == message
    assert isinstance(error, ValueError)


def test_every_error_code_has_a_refusal_test() -> None:
    assert {code for code, *_ in REFUSALS} == ERROR_CODES


def test_refusal_messages_do_not_repeat_personal_data() -> None:
    # Messages go to logs: no name, address, whole ID number or birth date in them.
    for _code, payload, today, _message in REFUSALS:
        if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_CHARS:
            continue
        message = refusal(payload, today=today).message
        for secret in ("Nguyễn", "Phố Huế", "001099012345", "123456789", "15031999"):
            assert secret not in message


def test_error_survives_pickling_with_code_and_message() -> None:
    error = refusal(with_field(0, "003099012345"))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, str(copy)) == (error.code, error.message, str(error))


def test_size_cap_is_checked_before_anything_else() -> None:
    # GIVEN a long payload that is also wrong in every other way
    payload = "\x00" * (MAX_PAYLOAD_CHARS + 1)
    # THEN it is refused for its size
    assert refusal(payload).code == "too_long"


def test_future_checks_come_after_the_structure_checks() -> None:
    # An ID number that disagrees with the birth date is reported as such, not as a clock
    # problem, even when the dates are also in the future.
    payload = with_field(0, "001098012345")
    assert refusal(payload, today=dt.date(1990, 1, 1)).code == "birth_year_mismatch"


# --- province codes -----------------------------------------------------------------------


def test_province_codes_are_the_63_official_ones() -> None:
    codes = province_codes()
    assert len(codes) == 63
    assert codes["001"] == "Thành phố Hà Nội"
    assert codes["079"] == "Thành phố Hồ Chí Minh"
    assert codes["096"] == "Tỉnh Cà Mau"
    assert all(re.fullmatch(r"[0-9]{3}", code) for code in codes)
    assert all(nfc(name) == name for name in codes.values())


def test_every_province_code_opens_a_valid_id_number() -> None:
    for code in province_codes():
        card = parse_id_qr(with_field(0, code + "099012345"), today=TODAY)
        assert card.id_number.startswith(code)


# --- no crash on any text -----------------------------------------------------------------

_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậđéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợ"
_NAME_CHARS = _LETTERS + _LETTERS.upper() + " "
_ADDRESS_CHARS = _NAME_CHARS + "0123456789,./-"
_CENTURY_DIGITS = {1800: 8, 1900: 0, 2000: 2, 2100: 4, 2200: 6}
_PROVINCES = sorted(province_codes())


def _digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=min_size, max_size=max_size)


def _ddmmyyyy(date: dt.date) -> str:
    return f"{date.day:02d}{date.month:02d}{date.year:04d}"


@st.composite
def valid_fields(draw: st.DrawFn) -> list[str]:
    """The fields of a card that parse_id_qr accepts with today=None."""
    birth = draw(st.dates(dt.date(1800, 1, 1), dt.date(2299, 12, 31)))
    issue = draw(st.dates(birth, dt.date(2299, 12, 31)))
    female = draw(st.booleans())
    digit = _CENTURY_DIGITS[birth.year // 100 * 100] + female
    province = draw(st.sampled_from(_PROVINCES))
    serial = draw(st.integers(0, 999_999))
    old_id_number = draw(st.sampled_from(["", "123456789", "987654321"]))
    name = draw(st.sampled_from(_LETTERS.upper())) + draw(st.text(_NAME_CHARS, max_size=20))
    sex_word = draw(st.sampled_from(["Nữ", "Nu", "NỮ"] if female else ["Nam", "nam"]))
    return [
        f"{province}{digit}{birth.year % 100:02d}{serial:06d}",
        old_id_number,
        name,
        _ddmmyyyy(birth),
        sex_word,
        draw(st.text(_ADDRESS_CHARS, max_size=30)),
        _ddmmyyyy(issue),
        *draw(st.lists(st.text(_ADDRESS_CHARS, max_size=10), max_size=2)),
    ]


_FIELD_VALUES = st.one_of(
    st.text(max_size=15),
    _digits(0, 14),
    st.sampled_from(["Nam", "Nữ", "Nu", "nu", "N", "", " ", "00000000", "31022000", "29022000"]),
    st.text(alphabet=_ADDRESS_CHARS + "|\r\n\t\x00\u200b\ufeff", max_size=20),
)
_MUTATIONS = ("replace", "drop", "add", "swap", "edit", "digit", "date", "nfd")


@st.composite
def near_valid_payloads(draw: st.DrawFn) -> str:
    """A valid payload with up to three mutations: the inputs most likely to find a bug.

    "digit" and "date" keep each field well-formed but break the agreement between
    fields (province, century, birth year, order of dates), which random text rarely does.
    """
    fields = draw(valid_fields())
    for _ in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(fields) - 1))
        mutation = draw(st.sampled_from(_MUTATIONS))
        field = fields[index]
        if mutation == "replace":
            fields[index] = draw(_FIELD_VALUES)
        elif mutation == "drop":
            del fields[index]
        elif mutation == "add":
            fields.insert(index, draw(_FIELD_VALUES))
        elif mutation == "swap":
            other = draw(st.integers(0, len(fields) - 1))
            fields[index], fields[other] = fields[other], field
        elif mutation == "edit" and field:
            at = draw(st.integers(0, len(field) - 1))
            fields[index] = field[:at] + draw(st.text(max_size=2)) + field[at + 1 :]
        elif mutation == "digit" and fields[0]:
            # One digit of the ID number: province, sex/century or birth year breaks.
            at = draw(st.integers(0, min(5, len(fields[0]) - 1)))
            fields[0] = fields[0][:at] + draw(_digits(1, 1)) + fields[0][at + 1 :]
        elif mutation == "date" and len(fields) > 6:
            # Another real date for birth or issue: the order of the two may break.
            date = draw(st.dates(dt.date(1800, 1, 1), dt.date(2299, 12, 31)))
            fields[draw(st.sampled_from([3, 6]))] = _ddmmyyyy(date)
        elif mutation == "nfd":
            fields[index] = unicodedata.normalize("NFD", field)
    ending = draw(st.sampled_from(["", "\r\n", "\n", " "]))
    return "|".join(fields) + ending


_ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)
_TODAYS = st.one_of(st.none(), st.dates())


def _check_outcome(payload: str, today: dt.date | None) -> None:
    """parse_id_qr returns a consistent card or raises a documented IdCardError."""
    try:
        card = parse_id_qr(payload, today=today)
    except IdCardError as error:
        event(error.code)
        assert error.code in ERROR_CODES
        assert error.message
        assert str(error) == error.message
        return
    event("accepted")
    assert re.fullmatch(r"[0-9]{12}", card.id_number)
    assert card.id_number[:3] in province_codes()
    assert card.old_id_number is None or re.fullmatch(r"[0-9]{9}", card.old_id_number)
    assert card.full_name
    assert card.full_name == nfc(card.full_name).strip()
    assert card.issue_date >= card.birth_date
    if today is not None:
        assert card.issue_date <= today
    assert set(card.to_json()) == {
        "id_number",
        "old_id_number",
        "full_name",
        "birth_date",
        "sex",
        "address",
        "issue_date",
    }


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.one_of(_ANY_TEXT, near_valid_payloads()), today=_TODAYS)
def test_any_text_gives_a_card_or_an_id_card_error(payload: str, today: dt.date | None) -> None:
    # GIVEN any text at all, or a card payload with a few fields mutated
    # WHEN it is parsed
    # THEN the result is a consistent card or an IdCardError with a documented code
    _check_outcome(payload, today)


@settings(max_examples=500, deadline=None)
@given(fields=valid_fields(), ending=st.sampled_from(["", "\r\n", "\n"]))
def test_every_well_formed_card_is_accepted_as_written(fields: list[str], ending: str) -> None:
    # GIVEN a well-formed card payload (clock untrusted, so any century is allowed)
    # WHEN it is parsed
    card = parse_id_qr("|".join(fields) + ending, today=None)
    # THEN the fields come back as written
    assert card.id_number == fields[0]
    assert card.old_id_number == (fields[1] or None)
    assert card.full_name == " ".join(fields[2].split())
    assert _ddmmyyyy(card.birth_date) == fields[3]
    assert _ddmmyyyy(card.issue_date) == fields[6]
    assert card.sex is (Sex.MALE if fields[4] in {"Nam", "nam"} else Sex.FEMALE)
    assert card.address == " ".join(fields[5].split())
    assert card.extra_fields == tuple(field.strip() for field in fields[7:])


def test_repr_of_a_card_reveals_nothing_personal() -> None:
    # GIVEN a valid card WHEN it ends up in a log line THEN no personal field is in it
    card = parse_id_qr(
        "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế|20042021",
        today=None,
    )
    text = repr(card)
    for secret in ("001099012345", "123456789", "Nguyễn", "1999", "Phố Huế"):
        assert secret not in text
