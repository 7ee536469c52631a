"""Memory the app gives back (screens/memory.py): label surfaces, and a wiped journey's."""

from __future__ import annotations

import pytest
from kivy.uix.label import Label

import screens.app
from tests.ui.conftest import CARD_AN, Kiosk


def test_labels_keep_their_texture_and_not_a_second_copy_of_their_pixels(kiosk: Kiosk) -> None:
    # GIVEN every screen built and the search screen drawn with results
    kiosk.scan(CARD_AN)
    kiosk.driver.tap_id("choice_procedures")
    kiosk.driver.type("khai sinh")
    assert kiosk.app.manager is not None
    labels = [
        widget
        for screen in kiosk.app.manager.screens
        for widget in screen.walk()
        if isinstance(widget, Label) and widget.text
    ]
    # THEN each label's text is in its texture, and no label keeps the surface it was drawn on
    assert len(labels) > 100
    assert all(label.texture is not None for label in labels)
    kept = [label.text for label in labels if getattr(label._label, "_surface", None) is not None]
    assert kept == []


def test_a_wiped_session_gives_its_memory_back_after_the_welcome_screen(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_back: list[str] = []
    monkeypatch.setattr(
        screens.app, "give_back_memory", lambda: given_back.append(kiosk.screen.name)
    )
    # GIVEN a citizen on the search screen
    kiosk.scan(CARD_AN)
    kiosk.driver.tap_id("choice_procedures")
    assert given_back == []
    # WHEN they walk away and the idle timer wipes the session
    kiosk.clock.advance(kiosk.app.session.idle_seconds)
    kiosk.app.check_idle()
    kiosk.clock.advance(kiosk.app.session.warning_seconds)
    kiosk.app.check_idle()
    kiosk.driver.settle()
    # THEN the memory is given back once, with the welcome screen already up
    assert given_back == ["welcome"]
