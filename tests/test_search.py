"""Procedure search as citizens type on a touchscreen."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.catalog import Procedure, load_catalog, procedure_index
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


def test_accents_typed_pick_the_word_meant() -> None:
    index = SearchIndex(
        [
            ("death", [Field("Đăng ký khai tử", 3.0, phrase=True)]),
            ("from", [Field("Đăng ký khai từ", 3.0, phrase=True)]),
        ]
    )
    assert index.search("khai tử")[0].key == "death"
    assert index.search("khai từ")[0].key == "from"
