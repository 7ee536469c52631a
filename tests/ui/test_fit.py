"""Everything fits: every screen of the tour, in normal and large text, portrait and
landscape, Vietnamese and English (issue 15).

The check itself (:mod:`motcua.tour.fit`) is shown to see each kind of fault first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from motcua.tour.fit import Problem, min_target_pixels, misfits
from motcua.tour.tour import run_tour

PPI = 102


def test_nine_millimetres_at_the_kiosk_screen_density() -> None:
    assert round(min_target_pixels(PPI), 1) == 36.1
    assert round(min_target_pixels(200), 1) == 70.9


def test_the_check_sees_clipped_text_small_targets_split_words_and_spilled_text(
    kiosk: object,
) -> None:
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label

    from screens.widgets import KioskButton

    driver = kiosk.driver  # type: ignore[attr-defined]
    window = driver.window
    # GIVEN, over the app, a box holding: a label too small for its text, a button 20 px
    # high, a button too narrow for "Demo", a plain wrapping label too narrow for "Phường",
    # and a label taller than the box it is in
    box = BoxLayout(size_hint=(None, None), size=(800, 200), pos=(100, 600))
    clipped = Label(text="Một dòng chữ khá dài", font_size=40, size_hint=(None, None),
                    size=(100, 30))
    tiny = KioskButton(text="x", size_hint=(None, None), size=(200, 20), font_size=14)
    narrow = KioskButton(text="Demo", size_hint=(None, None), size=(90, 120), font_size=32)
    split = Label(text="Phường", font_size=32, size_hint=(None, None), size=(60, 120),
                  text_size=(60, None))
    spilled = Label(text="A", size_hint=(None, None), size=(50, 400))
    for widget in (clipped, tiny, narrow, split, spilled):
        box.add_widget(widget)
    window.add_widget(box)
    try:
        driver.frames(3)
        seen = misfits(window, PPI)
        found = {(m.problem, m.widget.split(" ")[0]) for m in seen}
    finally:
        window.remove_widget(box)
    # THEN each is reported, as what is wrong with it
    assert (Problem.TEXT_OVERFLOW, "Label") in found
    assert (Problem.SMALL_TARGET, "KioskButton") in found
    assert (Problem.WORD_SPLIT, "KioskButton") in found
    assert (Problem.WORD_SPLIT, "Label 'Phường'") in {
        (m.problem, m.widget) for m in seen}
    assert (Problem.OUTSIDE, "Label") in found


def test_the_welcome_screen_fits_as_it_starts(kiosk: object) -> None:
    driver = kiosk.driver  # type: ignore[attr-defined]
    assert misfits(driver.window, PPI) == []


@pytest.mark.slow
def test_every_screen_fits_in_every_text_size_orientation_and_language(tmp_path: Path) -> None:
    # GIVEN the demo configuration
    config = load_config(demo=True, environ={"KIOSK_DATA_DIR": str(tmp_path / "kiosk")})
    # WHEN the tour walks every screen in normal and large text, both orientations and
    # both languages, checking each screenshot as it takes it
    result = run_tour(config, tmp_path / "tour")
    # THEN it took all of them, and nothing anywhere did not fit
    assert len(result.screenshots) == 30 * 2 * 2 * 2
    problems = [f"{path.name}: {misfit}" for path, found in sorted(result.misfits.items())
                for misfit in found]
    assert problems == []
