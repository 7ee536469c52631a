"""Telling the updater, every second, whether a citizen is using the kiosk: the policy and
the file are kiosk/session_activity.py's; this only feeds them the screen shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from kiosk.session import Session
from kiosk.session_activity import ActivityFile, activity_file, session_activity


class ActivityReport:
    """Writes ``session-activity.json`` in the data directory when the activity changes."""

    def __init__(self, session: Session, data_dir: Path,
                 wall_clock: Callable[[], float]) -> None:
        self.session = session
        self.file = ActivityFile(activity_file(data_dir))
        self.wall_clock = wall_clock

    def check(self, screen: str) -> None:
        """Called with the idle timer (every second) with the screen shown now."""
        activity = session_activity(self.session.state, screen,
                                    self.session.seconds_since_activity())
        self.file.report(activity, dt.datetime.fromtimestamp(self.wall_clock(), dt.UTC))
