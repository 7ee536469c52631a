"""The lists every search screen shows: rows placed a batch per frame, and reused."""

from __future__ import annotations

from screens.widgets import ListRow, ResultList, Row
from tests.ui.conftest import Kiosk


def rows(*keys: str) -> list[Row]:
    return [Row(key, f"Thủ tục {key}", f"Hộ tịch · {key}") for key in keys]


def test_a_new_list_is_shown_in_the_rows_of_the_last_one(kiosk: Kiosk) -> None:
    results = ResultList()
    # GIVEN three rows shown
    results.show_rows(rows("1", "2", "3"))
    first = list(reversed(results.box.children))
    # WHEN the next search shows two others
    results.show_rows(rows("4", "5"))
    # THEN two of the same row widgets show them, in order, with their new texts
    shown = list(reversed(results.box.children))
    assert results.keys == ["4", "5"]
    assert {id(row) for row in shown} <= {id(row) for row in first}
    assert [(row.title, row.detail) for row in shown if isinstance(row, ListRow)] == [
        ("Thủ tục 4", "Hộ tịch · 4"), ("Thủ tục 5", "Hộ tịch · 5")]


def test_a_long_list_comes_a_batch_per_frame_and_clear_keeps_nothing(kiosk: Kiosk) -> None:
    results = ResultList()
    # GIVEN 40 rows, 16 per frame
    results.show_rows(rows(*(str(n) for n in range(40))))
    assert len(results.keys) == 16
    kiosk.driver.frames(3)
    assert results.keys == [str(n) for n in range(40)]
    # WHEN the list is cleared (a session wiped)
    results.clear()
    # THEN no row is shown and none is kept to be reused
    assert results.box.children == []
    assert results._spare == []
