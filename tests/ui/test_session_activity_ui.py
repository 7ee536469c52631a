"""The running app tells the updater whether a citizen is using it (kiosk/session_activity.py):
in session from the first touch until the idle wipe and a quiet half minute after it."""

from __future__ import annotations

import datetime as dt
import json

from kiosk.session_activity import activity_file, busy_until, is_idle
from tests.ui.conftest import CARD_AN, Kiosk


def test_the_file_follows_the_citizen_from_the_first_touch_to_the_wipe(kiosk: Kiosk) -> None:
    app, clock = kiosk.app, kiosk.clock
    path = activity_file(kiosk.config.data_dir)

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(clock.now, dt.UTC)

    def written() -> str:
        return str(json.loads(path.read_text())["activity"])

    # GIVEN the kiosk at welcome, untouched for half a minute: idle
    clock.advance(30)
    app.check_idle()
    assert written() == "idle" and is_idle(path, now())
    # WHEN a citizen scans their card and moves on to a screen
    kiosk.scan(CARD_AN)
    kiosk.driver.tap_id("choice_feedback")
    app.check_idle()
    # THEN an update would wait
    assert written() == "in_session"
    assert busy_until(path, now()) == now() + dt.timedelta(minutes=10)
    # WHEN they walk away: the idle prompt, then the wipe back to welcome
    clock.advance(60)
    app.check_idle()
    clock.advance(20)
    app.check_idle()
    kiosk.driver.settle()
    assert kiosk.screen.name == "welcome"
    # THEN still in session for the quiet half minute after the wipe, then idle
    assert written() == "in_session"
    clock.advance(30)
    app.check_idle()
    assert written() == "idle" and is_idle(path, now())
