"""Procedure search as citizens type on a touchscreen."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from kiosk.catalog import Procedure, load_catalog, parse_catalog, procedure_index
from kiosk.search import Field, SearchIndex
from kiosk.storage import Database


@pytest.fixture
def procedures(catalog_db: Database) -> list[Procedure]:
    catalog = load_catalog(catalog_db)
    assert catalog is not None
    return list(catalog.procedures)


def top(procedures: list[Procedure], query: str, limit: int = 10) -> list[str]:
    return [hit.key for hit in procedure_index(procedures).search(query, limit=limit)]


@pytest.mark.parametrize(
    "query",
    [
        "dang ky khai sinh",  # no accents, d for đ
        "Đăng ký khai sinh",  # as printed
        "DANG KY KHAI SINH",  # caps lock
        unicodedata.normalize("NFD", "đăng ký khai sinh"),  # decomposed input
        "dang ki khai sinh",  # ki for ký
        "dang ky khai sinhh",  # one typo
        "dnag ky khai sinh",  # two letters swapped
        "dang kyy khaii sinh",  # two typos
        "dang ky khai si",  # last word half typed
        "giay khai sinh",  # everyday words (alias)
        "khai sinh (",  # raw punctuation
    ],
)
def test_birth_registration_is_found_first(procedures: list[Procedure], query: str) -> None:
    assert top(procedures, query)[0] == "1.001193"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sao y", "2.000815"),
        ("sao y ban chinh", "2.000815"),
        ("bao tu", "1.000656"),
        ("khai tu", "1.000656"),
        ("khai tử", "1.000656"),
        ("tam tru", "1.004194"),
        ("1.004194", "1.004194"),
    ],
)
def test_everyday_words_and_folded_collisions_rank_the_right_procedure(
    procedures: list[Procedure], query: str, expected: str
) -> None:
    assert top(procedures, query)[0] == expected


def test_scores_are_between_zero_and_one_and_sorted(procedures: list[Procedure]) -> None:
    hits = procedure_index(procedures).search("dang ky", limit=10)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < score <= 1.0 for score in scores)
    assert {hit.key for hit in hits} >= {"1.001193", "1.000656", "1.004194"}


def test_nothing_to_find_gives_no_hits(procedures: list[Procedure]) -> None:
    assert top(procedures, "") == []
    assert top(procedures, "   ") == []
    assert top(procedures, "!!! ((( ***") == []
    assert top(procedures, "xyzzyqwv") == []


def test_limit_cuts_the_list(procedures: list[Procedure]) -> None:
    assert len(top(procedures, "dang ky", limit=2)) == 2
    assert top(procedures, "dang ky", limit=0) == []


def test_a_finished_last_word_is_not_read_as_a_prefix() -> None:
    index = SearchIndex(
        [("short", [Field("sao", 3.0, phrase=True)]), ("long", [Field("saoke", 3.0, phrase=True)])]
    )
    assert [hit.key for hit in index.search("sao ")] == ["short"]
    assert [hit.key for hit in index.search("sao")] == ["short", "long"]


def test_a_half_typed_word_counts_no_rarer_than_the_commonest_word_it_begins() -> None:
    # GIVEN "đỏ"/"đất" in many titles and "dấu" and "d" (a clause letter) in one title each
    land = [(f"land{n}", [Field(f"Đăng ký đất số {n}", 3.0, phrase=True)]) for n in range(6)]
    index = SearchIndex(
        [
            ("red book", [Field("Cấp đất", 3.0, phrase=True), Field("sổ đỏ", 3.0, phrase=True)]),
            ("seal", [Field("Số dấu của điểm d", 3.0, phrase=True)]),
            *land,
        ]
    )
    # WHEN the citizen has typed "so d" THEN the rare d-words do not win; the alias does
    assert index.search("so d")[0].key == "red book"
    # and a word typed whole still counts its own rarity
    assert index.search("so dau ")[0].key == "seal"


def test_accents_typed_pick_the_word_meant() -> None:
    index = SearchIndex(
        [
            ("death", [Field("Đăng ký khai tử", 3.0, phrase=True)]),
            ("from", [Field("Đăng ký khai từ", 3.0, phrase=True)]),
        ]
    )
    assert index.search("khai tử")[0].key == "death"
    assert index.search("khai từ")[0].key == "from"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1.001193", ["1.001193"]),  # a whole code
        ("001193", ["1.001193"]),  # without the part before the dot
        ("1.0011", ["1.001193"]),  # the beginning of a code, as typed so far
        ("1.00", ["1.000656", "1.001193", "1.004194"]),
        ("1.00 ", []),  # finished: not a whole code
        ("1.001194", []),  # codes are never typo-corrected
    ],
)
def test_codes_match_whole_or_by_their_beginning(
    procedures: list[Procedure], query: str, expected: list[str]
) -> None:
    assert sorted(top(procedures, query)) == expected


def test_a_whole_code_ranks_its_procedure_first_among_words(procedures: list[Procedure]) -> None:
    assert top(procedures, "dang ky 1.004194")[0] == "1.004194"


def test_code_fields_are_looked_up_not_typo_matched() -> None:
    index = SearchIndex(
        [
            (26734, [Field("Phường Cầu Giấy", 3.0, phrase=True), Field("26734", 2.0, code=True)]),
            (26737, [Field("Phường Nghĩa Đô", 3.0, phrase=True), Field("26737", 2.0, code=True)]),
        ]
    )
    assert [hit.key for hit in index.search("26734")] == [26734]
    assert sorted(hit.key for hit in index.search("2673")) == [26734, 26737]
    assert index.search("26735") == []
    assert [hit.key for hit in index.search("cau giay")] == [26734]


def _procedure(code: str, title: str, documents: list[str], aliases: list[str]) -> dict[str, Any]:
    return {
        "code": code, "title": title, "field": "Hộ tịch", "level": "commune",
        "agency": "Ủy ban nhân dân cấp xã", "processing_time": "Trong ngày",
        "channels": ["in_person"], "fees": [{"channel": "in_person", "amount_vnd": 0}],
        "documents": [{"name": name, "originals": 1, "copies": 0} for name in documents],
        "aliases": aliases,
    }


@pytest.fixture
def marriage_and_birth() -> list[Procedure]:
    """Marriage needs a single-status paper, which is a procedure of its own."""
    catalog = parse_catalog(
        {
            "format": "motcua-catalog/1", "version": 1, "services": [],
            "procedures": [
                _procedure(
                    "1.000894", "Đăng ký kết hôn",
                    ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân",
                     "Giấy cam đoan độc thân"],
                    [],
                ),
                _procedure(
                    "1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân",
                    ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"], ["giấy xác nhận độc thân"],
                ),
                _procedure(
                    "1.001193", "Đăng ký khai sinh",
                    ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"], ["làm giấy khai sinh"],
                ),
            ],
        }
    )
    return list(catalog.procedures)


@pytest.mark.parametrize(
    ("query", "title_or_alias", "papers_only"),
    [
        ("xac nhan tinh trang hon nhan", "1.004873", "1.000894"),  # a title, papers
        ("doc than", "1.004873", "1.000894"),  # an alias, papers
    ],
)
def test_words_from_papers_rank_below_titles_and_aliases(
    marriage_and_birth: list[Procedure], query: str, title_or_alias: str, papers_only: str
) -> None:
    assert top(marriage_and_birth, query)[:2] == [title_or_alias, papers_only]


def test_a_word_found_only_in_papers_still_finds_the_procedure(
    marriage_and_birth: list[Procedure],
) -> None:
    assert top(marriage_and_birth, "chung sinh")[0] == "1.001193"
