"""The back office's unit picker (office/web/unit_picker.py): typed without accents, 'd' for
'đ', it finds the unit; the typed text becomes the ``unit`` code the pages filter on; and
with the national list loaded the pages do not grow with it."""

from __future__ import annotations

import functools

import pytest
from fastapi.testclient import TestClient

from office.app import create_app
from office.store.served_units import hanoi_units
from office.store.users import UserRole
from office.units_file import NATIONAL_UNITS, parse_units, province_names
from office.web.unit_picker import (
    MAX_CHOICES,
    UnitChoice,
    UnitFinder,
    UnitPicker,
    finder_for,
    pick_unit,
)
from tests.sync.back_office import PASSWORD, signed_in
from tests.sync.conftest import Backend

BA_DINH, DONG_DA, HOAN_KIEM = 4, 235, 70
THANH_HOA_BA_DINH = 16171


@functools.cache
def national() -> dict[int, str]:
    """The names the served units give with the national list loaded (Hà Nội's first)."""
    names = dict(hanoi_units())
    provinces = province_names()
    for unit in parse_units(NATIONAL_UNITS.read_text(encoding="utf-8")):
        names.setdefault(unit.unit_code, f"{unit.name} ({provinces[unit.province_code]})")
    return names


@pytest.mark.parametrize("typed", ["dong da", "Dong Da", "đống đa", "DONG DA ", "dong"])
def test_typed_without_accents_or_with_d_for_đ_finds_the_ward(typed: str) -> None:
    choices, total = UnitFinder(national()).search(typed)
    assert choices[0] == UnitChoice(DONG_DA, "Phường Đống Đa")
    assert total == len(choices) or len(choices) == MAX_CHOICES


def test_units_named_so_whole_come_first_then_the_words_in_order() -> None:
    choices, total = UnitFinder(national()).search("Ba Dinh")
    assert [choice.name for choice in choices] == [
        "Phường Ba Đình", "Xã Ba Đình (Thanh Hóa)", "Xã Ba Dinh (Quảng Ngãi)",
        "Xã Đình Phong (Cao Bằng)", "Xã Tân Dĩnh (Bắc Ninh)", "Xã Yên Định (Bắc Ninh)"]
    assert total == 6


def test_the_province_and_the_code_are_searched_too() -> None:
    finder = UnitFinder(national())
    assert finder.search("cai khe can tho") == ([UnitChoice(31120, "Phường Cái Khế (Cần Thơ)")], 1)
    assert finder.search("4")[0][0] == UnitChoice(BA_DINH, "Phường Ba Đình")
    assert finder.search("khong co dau") == ([], 0)


def test_a_link_or_a_bookmark_keeps_its_code() -> None:
    assert pick_unit({"unit": str(HOAN_KIEM), "kind": "feedback"}, national()) == (
        {"unit": str(HOAN_KIEM), "kind": "feedback"}, UnitPicker(HOAN_KIEM, "Phường Hoàn Kiếm"))
    # An unknown code is left for the page to refuse
    assert pick_unit({"unit": "99999"}, national())[0] == {"unit": "99999"}


def test_one_unit_found_or_named_whole_is_chosen() -> None:
    assert pick_unit({"unit_q": "hoan kiem", "unit": ""}, national()) == (
        {"unit": str(HOAN_KIEM)}, UnitPicker(HOAN_KIEM, "Phường Hoàn Kiếm"))
    # 44 units hold "dong" and "da", one is named "Đống Đa" whole
    assert pick_unit({"unit_q": "dong da"}, national()) == (
        {"unit": str(DONG_DA)}, UnitPicker(DONG_DA, "Phường Đống Đa"))


def test_several_named_so_keep_the_filter_and_offer_the_matches() -> None:
    params, picker = pick_unit({"unit_q": "ba dinh", "unit": str(HOAN_KIEM)}, national())
    assert params == {"unit": str(HOAN_KIEM)}
    assert picker.code == HOAN_KIEM and picker.query == "ba dinh" and picker.searched
    assert picker.total == 6
    assert picker.choices[:2] == (UnitChoice(BA_DINH, "Phường Ba Đình"),
                                  UnitChoice(THANH_HOA_BA_DINH, "Xã Ba Đình (Thanh Hóa)"))
    nothing = pick_unit({"unit_q": "khong co dau", "unit": ""}, national())[1]
    assert nothing == UnitPicker(None, "khong co dau", (), 0, searched=True)


def test_the_unit_chosen_from_the_matches_wins_while_the_text_still_finds_it() -> None:
    assert pick_unit({"unit_q": "ba dinh", "unit": str(THANH_HOA_BA_DINH)}, national()) == (
        {"unit": str(THANH_HOA_BA_DINH)},
        UnitPicker(THANH_HOA_BA_DINH, "Xã Ba Đình (Thanh Hóa)"))


def test_a_box_left_as_shown_leaves_the_choice_to_the_radio_buttons() -> None:
    # "Every unit" chosen under Ba Đình's name: not Ba Đình again
    assert pick_unit({"unit_q": "Phường Ba Đình", "unit_shown": "Phường Ba Đình", "unit": ""},
                     national()) == ({"unit": ""}, UnitPicker(None, ""))
    # An emptied box: every unit
    assert pick_unit({"unit_q": " ", "unit_shown": "Phường Ba Đình", "unit": str(BA_DINH)},
                     national()) == ({"unit": ""}, UnitPicker(None, ""))


@pytest.fixture
def admin(backend: Backend) -> TestClient:
    backend.store.users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    client = TestClient(create_app(backend.store, rate_limit="10000/second",
                                   session_secret="test"), base_url="http://127.0.0.1")
    signed_in(client, "admin")
    return client


def picker_of(page: str) -> str:
    """The unit picker's markup in ``page``."""
    start = page.index('<div class="unit-picker"')
    return page[start:page.index("</fieldset>", start)]


PAGES = ("/bo/inbox", "/bo/satisfaction", "/bo/fleet", "/bo/users", "/bo/service-points")


def test_the_pages_do_not_grow_with_the_national_list(admin: TestClient, backend: Backend
                                                      ) -> None:
    hanoi = {page: admin.get(page).text for page in PAGES}
    assert backend.store.served_units.load(
        parse_units(NATIONAL_UNITS.read_text(encoding="utf-8"))) == 3321
    for page in PAGES:
        text = admin.get(page).text
        # Not one option per unit, nor one choice: the very picker Hà Nội's 126 give
        assert picker_of(text) == picker_of(hanoi[page]), page
        assert text.count('name="unit"') == text.count('type="radio" name="unit"') <= 1, page
        assert "<option" not in picker_of(text)
        if page != "/bo/satisfaction":  # its ranking counts the units (below)
            assert text == hanoi[page], page
    # The ranking lists the ranked units and counts the others (the CSV lists them all)
    ranking = admin.get("/bo/satisfaction").text
    assert 'id="ranking"' not in ranking
    assert "Chưa có đơn vị nào được đánh giá trong khoảng này." in ranking
    assert "3321 đơn vị khác chưa có đánh giá trong khoảng này" in ranking
    assert len(ranking.encode()) < len(hanoi["/bo/satisfaction"].encode()) * 2
    every = admin.get("/bo/satisfaction.csv").text
    assert every.count("\n") > 3321
    # Typing offers a bounded list, the count said beside it
    offered = admin.get("/bo/units/choices", params={"unit_q": "xa"}).text
    assert offered.count('type="radio" name="unit"') == MAX_CHOICES + 1  # and "every unit"
    assert "2623 đơn vị khớp “xa”; hiện 12 đơn vị đầu, gõ thêm để thu hẹp." in offered


def test_the_filter_pages_take_the_typed_name(admin: TestClient) -> None:
    for page in ("/bo/inbox", "/bo/satisfaction", "/bo/fleet"):
        text = admin.get(page, params={"unit_q": "hoan kiem", "unit": ""}).text
        assert (f'<input type="radio" name="unit" value="{HOAN_KIEM}" checked> '
                "Phường Hoàn Kiếm</label>") in text, page
    # The exports and the page links carry the code, not the text
    inbox = admin.get("/bo/inbox", params={"unit_q": "hoan kiem", "kind": "feedback"}).text
    assert f'href="/bo/inbox.csv?kind=feedback&amp;unit={HOAN_KIEM}"' in inbox


@pytest.mark.parametrize("code", ["²", "٣", "9" * 5000, "-4"])
def test_a_unit_code_that_is_not_plain_digits_is_no_unit_not_a_server_error(
        admin: TestClient, code: str) -> None:
    # "²".isdigit() is true and int("²") raises: each page reads it as no unit chosen
    # Each page answers as it does for a unit nobody has (the filters: 422, said on the page)
    answers = {page: admin.get(page, params={"unit": code}).status_code for page in PAGES}
    unknown = {page: admin.get(page, params={"unit": "99999"}).status_code for page in PAGES}
    assert answers == unknown
    assert 500 not in answers.values()
    choices = admin.get("/bo/units/choices", params={"unit": code, "unit_q": "ba dinh"})
    assert choices.status_code == 200
    assert 'checked' not in choices.text.split("Phường Ba Đình")[0].rsplit("<input", 1)[-1]


def test_an_officer_s_own_unit_does_not_push_the_whole_list_s_search_out() -> None:
    whole = national()
    first = finder_for(whole)
    assert finder_for({HOAN_KIEM: whole[HOAN_KIEM]}).names == {HOAN_KIEM: whole[HOAN_KIEM]}
    assert finder_for(whole) is first
