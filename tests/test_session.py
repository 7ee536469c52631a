"""The citizen session: states, identification, preferences, the idle timer and the wipe."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.greeting import Greeting, Honorific
from kiosk.idcard import parse_id_qr
from kiosk.session import IdleAction, Preferences, Session, SessionState

CARD = parse_id_qr(
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hà Nội|20042021",
    today=dt.date(2026, 12, 1),
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def session(clock: Clock, **preferences: object) -> Session:
    return Session(
        idle_seconds=60, warning_seconds=10, clock=clock,
        defaults=Preferences(**preferences),  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_touch_starts_browsing_and_a_card_identifies() -> None:
    clock = Clock()
    current = session(clock)
    assert current.state is SessionState.WELCOME
    current.on_activity()
    assert current.state is SessionState.BROWSING
    current.identify(CARD)
    assert current.state is SessionState.IDENTIFIED
    assert current.greeting == Greeting(Honorific.ONG, "An")


def test_idle_warning_then_wipe() -> None:
    # GIVEN an identified citizen who switched to English and large text
    clock = Clock()
    current = session(clock)
    current.identify(CARD)
    current.set_language("en")
    current.toggle_large_text()
    # WHEN 59 s pass, nothing; at 60 s the warning
    clock.now += 59
    assert current.poll() is IdleAction.NONE
    clock.now += 1
    assert current.poll() is IdleAction.SHOW_WARNING
    assert current.state is SessionState.IDLE_WARNING
    clock.now += 4.5
    assert current.warning_seconds_left() == 6
    assert current.poll() is IdleAction.NONE
    # WHEN the warning's 10 s run out
    clock.now += 5.5
    assert current.poll() is IdleAction.WIPE
    # THEN everything is back to the kiosk's defaults, in a new generation
    assert (current.state, current.citizen, current.language, current.large_text) == (
        SessionState.WELCOME, None, "vi", False,
    )  # fmt: skip
    assert current.generation == 1
    assert current.poll() is IdleAction.NONE


def test_activity_during_the_warning_keeps_the_session() -> None:
    clock = Clock()
    current = session(clock)
    current.identify(CARD)
    clock.now += 60
    assert current.poll() is IdleAction.SHOW_WARNING
    clock.now += 9
    current.on_activity()
    assert current.state is SessionState.IDENTIFIED
    clock.now += 59
    assert current.poll() is IdleAction.NONE
    assert current.citizen is CARD


def test_nobody_at_the_welcome_screen_is_never_warned() -> None:
    clock = Clock()
    current = session(clock)
    clock.now += 3600
    assert current.poll() is IdleAction.NONE


def test_start_over_wipes_at_once() -> None:
    current = session(Clock(), language="en", high_contrast=True)
    current.identify(CARD)
    current.toggle_high_contrast()
    current.start_over()
    assert (current.citizen, current.language, current.high_contrast) == (None, "en", True)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no language 'fr'"):
        session(Clock()).set_language("fr")
