"""Every choice a citizen touches by its picture has one, and every picture is drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.pictograms import (
    FIELDS,
    LIFE_EVENTS,
    RATING_FACES,
    WELCOME,
    Pictogram,
    field_pictogram,
    life_event_pictogram,
)

ROOT = Path(__file__).parents[1]
CATALOG = json.loads((ROOT / "kiosk" / "data" / "catalog-hanoi.json").read_text("utf-8"))
ATLASES = ROOT / "screens" / "pictograms"


def test_every_field_and_life_event_of_the_shipped_catalog_has_its_own_picture() -> None:
    fields = [field["name"] for field in CATALOG["fields"]]
    events = [event["key"] for event in CATALOG["life_events"]]
    assert sorted(FIELDS) == sorted(fields)
    assert sorted(LIFE_EVENTS) == sorted(events)
    assert Pictogram.DOCUMENT not in {field_pictogram(name) for name in fields}
    assert Pictogram.DOCUMENT not in {life_event_pictogram(key) for key in events}


def test_an_unknown_field_or_event_gets_the_document_never_nothing() -> None:
    assert field_pictogram("Lĩnh vực mới") is Pictogram.DOCUMENT
    assert life_event_pictogram("su-kien-moi") is Pictogram.DOCUMENT


def test_the_welcome_tiles_and_rating_levels_each_have_a_different_picture() -> None:
    assert len(set(WELCOME.values())) == len(WELCOME) == 7
    assert list(RATING_FACES) == ["very_satisfied", "satisfied", "acceptable", "unsatisfied"]
    assert len(set(RATING_FACES.values())) == 4


@pytest.mark.parametrize("side", [96, 128])
def test_each_atlas_holds_every_picture_at_its_size_inside_its_sheet(side: int) -> None:
    from PIL import Image

    atlas = json.loads((ATLASES / f"pictograms-{side}.atlas").read_text("utf-8"))
    [(sheet_name, index)] = atlas.items()
    with Image.open(ATLASES / sheet_name) as sheet:
        width, height = sheet.size
    assert sorted(index) == sorted(picture.value for picture in Pictogram)
    for x, y, w, h in index.values():
        assert (w, h) == (side, side)
        assert 0 <= x <= width - side and 0 <= y <= height - side


def test_the_committed_atlases_are_what_the_script_draws(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("draw", ROOT / "tools" / "draw_pictograms.py")
    assert spec is not None and spec.loader is not None
    draw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(draw)
    for side in (96, 128):
        written = draw.write_atlas(side, tmp_path)
        committed = ATLASES / written.name
        assert written.read_text() == committed.read_text()
        assert (tmp_path / f"pictograms-{side}.png").read_bytes() == (
            ATLASES / f"pictograms-{side}.png").read_bytes()
