"""Whether a citizen is using the kiosk: the policy, the UI's file, and the updater's reader
(a missing, broken or stale file is idle: a crashed UI never holds updates back)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.session import Session, SessionState
from kiosk.session_activity import (
    REFRESH,
    STALE_AFTER,
    Activity,
    ActivityFile,
    activity_file,
    busy_until,
    is_idle,
    session_activity,
    wait_until_idle,
)

T0 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("state", "screen", "since_input", "expected"), [
    (SessionState.WELCOME, "welcome", 30.0, Activity.IDLE),
    (SessionState.WELCOME, "welcome", 29.9, Activity.IN_SESSION),  # just pressed "finished"
    (SessionState.BROWSING, "welcome", 600.0, Activity.IN_SESSION),  # touched, not wiped yet
    (SessionState.IDLE_WARNING, "procedure", 70.0, Activity.IN_SESSION),
    (SessionState.IDENTIFIED, "feedback", 1.0, Activity.IN_SESSION),
    (SessionState.WELCOME, "technician", 600.0, Activity.IN_SESSION),  # a technician at work
])
def test_the_policy(state: SessionState, screen: str, since_input: float,
                    expected: Activity) -> None:
    assert session_activity(state, screen, since_input) is expected


def test_the_session_counts_the_seconds_since_the_last_input() -> None:
    now = [100.0]
    session = Session(idle_seconds=60, warning_seconds=20, clock=lambda: now[0])
    now[0] = 112.5
    assert session.seconds_since_activity() == 12.5
    session.on_activity()
    now[0] = 115.0
    assert session.seconds_since_activity() == 2.5


def read(path: Path) -> dict[str, str]:
    return dict(json.loads(path.read_text()))


def test_the_ui_writes_on_change_and_refreshes_only_while_in_session(tmp_path: Path) -> None:
    path = activity_file(tmp_path)
    writer = ActivityFile(path)
    assert writer.report(Activity.IDLE, T0) is True
    assert read(path) == {"activity": "idle", "at": "2026-12-07T02:00:00+00:00"}
    # Idle stays idle: never rewritten, however long.
    assert writer.report(Activity.IDLE, T0 + dt.timedelta(hours=5)) is False
    assert read(path)["at"] == "2026-12-07T02:00:00+00:00"
    # A citizen: written at once, then again only once a minute as a sign of life.
    busy_at = T0 + dt.timedelta(hours=5, seconds=1)
    assert writer.report(Activity.IN_SESSION, busy_at) is True
    assert writer.report(Activity.IN_SESSION, busy_at + REFRESH - dt.timedelta(seconds=1)) \
        is False
    assert writer.report(Activity.IN_SESSION, busy_at + REFRESH) is True
    assert read(path) == {"activity": "in_session", "at": "2026-12-07T07:01:01+00:00"}
    assert writer.report(Activity.IDLE, busy_at + REFRESH + dt.timedelta(seconds=1)) is True
    assert read(path)["activity"] == "idle"
    assert sorted(item.name for item in tmp_path.iterdir()) == ["session-activity.json"]


def test_a_write_that_fails_is_logged_and_the_ui_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = ActivityFile(activity_file(tmp_path / "missing"))
    with caplog.at_level(logging.WARNING):
        assert writer.report(Activity.IN_SESSION, T0) is False
    assert "updates cannot see the session" in caplog.text
    # It tries again next time (nothing was written).
    (tmp_path / "missing").mkdir()
    assert writer.report(Activity.IN_SESSION, T0 + dt.timedelta(seconds=1)) is True


def test_the_reader(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = activity_file(tmp_path)
    # No file (no UI ever ran here): idle.
    assert busy_until(path, T0) is None and is_idle(path, T0)
    ActivityFile(path).report(Activity.IDLE, T0)
    assert is_idle(path, T0)
    ActivityFile(path).report(Activity.IN_SESSION, T0)
    assert busy_until(path, T0 + dt.timedelta(minutes=3)) == T0 + STALE_AFTER
    assert not is_idle(path, T0 + dt.timedelta(minutes=3))
    assert not is_idle(path, T0 + STALE_AFTER)
    # A UI that crashed mid-session: idle once its file is stale.
    assert is_idle(path, T0 + STALE_AFTER + dt.timedelta(seconds=1))
    # The clock set back by more than that since it was written: stale too.
    assert is_idle(path, T0 - STALE_AFTER - dt.timedelta(seconds=1))
    # Half a file, an unknown word, a time without its zone: idle, and said in the log.
    for text in ('{"activity": "in_sess', '{"activity": "busy", "at": "2026-12-07T02:00:00"}',
                 '{"activity": "in_session", "at": "2026-12-07T02:00:00"}', "[]"):
        path.write_text(text)
        assert is_idle(path, T0), text
    assert caplog.text.count("counted as idle") == 3


class Time:
    """The updater's clock and sleep; ``on_sleep`` is what the UI does meanwhile."""

    def __init__(self, on_sleep: Callable[[dt.datetime], None] = lambda _now: None) -> None:
        self.now = T0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)
        self.on_sleep(self.now)


def test_the_updater_waits_for_the_citizen_to_leave(tmp_path: Path) -> None:
    path = activity_file(tmp_path)
    ui = ActivityFile(path)
    ui.report(Activity.IN_SESSION, T0)

    def citizen_leaves_after_12_s(now: dt.datetime) -> None:
        if now >= T0 + dt.timedelta(seconds=12):
            ui.report(Activity.IDLE, now)

    time = Time(citizen_leaves_after_12_s)
    assert wait_until_idle(path, dt.timedelta(minutes=5), clock=lambda: time.now,
                           sleep=time.sleep) is True
    assert time.slept == [5.0, 5.0, 5.0]


def test_the_updater_gives_up_at_its_timeout_while_the_citizen_stays(tmp_path: Path) -> None:
    path = activity_file(tmp_path)
    ActivityFile(path).report(Activity.IN_SESSION, T0)
    time = Time()
    assert wait_until_idle(path, dt.timedelta(seconds=12), clock=lambda: time.now,
                           sleep=time.sleep) is False
    assert time.slept == [5.0, 5.0, 2.0]
