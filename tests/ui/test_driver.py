"""The test driver's touches land where a finger would, whatever the next frame moves."""

from __future__ import annotations

from kivy.clock import Clock

from tests.ui.conftest import Kiosk


def test_a_tap_lands_although_the_banner_goes_away_in_the_next_frame(kiosk: Kiosk) -> None:
    # GIVEN a procedure on screen and a passing message above the bottom bar, due to go
    # away in the very next frame (its timer runs out), which moves the buttons down
    kiosk.app.do_go("procedure", code="1.001193")
    kiosk.driver.settle()
    kiosk.app.show_banner("Your ID card was read. Welcome!")
    kiosk.driver.settle()
    Clock.schedule_once(lambda _dt: kiosk.app.clear_banner(), 0)
    # WHEN the button is touched
    kiosk.driver.tap_id("print_checklist_button")
    # THEN it was pressed: the checklist slip is being printed
    assert kiosk.screen.name == "done"
