"""Whether a citizen is using the kiosk, told by the UI to the updater through a small file.

An update stops the UI. It must not do that in front of someone filling in a form, so the
updater (root, another process) waits until the kiosk is idle. The UI knows; it writes
what it knows to ``session-activity.json`` in the data directory, and the updater reads it:

- **the policy** (:func:`session_activity`): a citizen session is in progress while any
  screen but the welcome (attract) screen is shown, while the session is not back at
  welcome (someone touched the screen and the idle timer has not wiped yet), or within
  :data:`QUIET_SECONDS` of the last touch or scan (a citizen who pressed "I am finished"
  may still be taking their slip);
- **the writer** (:class:`ActivityFile`), called by the UI every second: writes atomically
  (a temporary file renamed over the old one, so a reader never sees half a file), only
  when the activity changes, and while in session every :data:`REFRESH` so the file's
  time says the UI is alive;
- **the reader** (:func:`busy_until`, :func:`is_idle`, :func:`wait_until_idle`), for the
  updater. A missing or unreadable file is idle (no UI ever ran, or it cannot tell); a
  busy file not rewritten for :data:`STALE_AFTER` is idle too: a UI that crashed or froze
  mid-session must not hold updates back forever (its watchdog restarts it, and the new
  UI writes "idle" at once).

Times are wall-clock UTC: two processes, and a reboot between them, share no other clock.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.session import SessionState

log = logging.getLogger(__name__)

#: The file in the data directory.
ACTIVITY_FILE = "session-activity.json"
#: The screen nobody is using (screens/app.py's first screen).
WELCOME_SCREEN = "welcome"
#: Seconds after the last touch or scan during which the kiosk still counts as in use.
QUIET_SECONDS = 30.0
#: How often the UI rewrites an "in session" file (its sign of life).
REFRESH = dt.timedelta(minutes=1)
#: An "in session" file older than this (or as far in the future: the clock was set back)
#: is from a UI that no longer runs: idle.
STALE_AFTER = dt.timedelta(minutes=10)


class Activity(enum.Enum):
    """What the UI says about the person in front of the kiosk."""

    IDLE = "idle"
    IN_SESSION = "in_session"


def activity_file(data_dir: Path) -> Path:
    """Where the UI of the kiosk whose data directory is ``data_dir`` writes."""
    return data_dir / ACTIVITY_FILE


def session_activity(state: SessionState, screen: str, seconds_since_input: float,
                     quiet_seconds: float = QUIET_SECONDS) -> Activity:
    """The policy: in session on any screen but welcome, while the session has not been
    wiped back to welcome, and for ``quiet_seconds`` after the last input."""
    if screen != WELCOME_SCREEN or state is not SessionState.WELCOME:
        return Activity.IN_SESSION
    if seconds_since_input < quiet_seconds:
        return Activity.IN_SESSION
    return Activity.IDLE


class ActivityFile:
    """The UI's side: :meth:`report` the activity every second; the file changes rarely."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: Activity | None = None
        self._written_at: dt.datetime | None = None

    def report(self, activity: Activity, now: dt.datetime) -> bool:
        """Write ``activity`` if it changed, or if in session and the file is
        :data:`REFRESH` old; whether it wrote. A failed write is logged, never raised: the
        kiosk serves citizens whether or not updates can see it."""
        if activity is self._written and self._written_at is not None and (
                activity is Activity.IDLE or now - self._written_at < REFRESH):
            return False
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_text(json.dumps({"activity": activity.value,
                                             "at": now.astimezone(dt.UTC).isoformat()}) + "\n",
                                 encoding="utf-8")
            temporary.replace(self.path)  # rename(2): a reader sees the old or the new
        except OSError as error:
            log.warning("cannot write %s: %s (updates cannot see the session)",
                        self.path, error.strerror)
            return False
        self._written, self._written_at = activity, now
        return True


def busy_until(path: Path, now: dt.datetime) -> dt.datetime | None:
    """Until when the kiosk counts as in use if the UI writes nothing more (then the file
    is stale); None when it is idle now: no file, an unreadable one, "idle", or stale."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        activity = Activity(record["activity"])
        written_at = dt.datetime.fromisoformat(record["at"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("%s unreadable (%s): counted as idle", path, error)
        return None
    if activity is Activity.IDLE or written_at.tzinfo is None:
        return None
    if abs(now - written_at) > STALE_AFTER:
        return None  # a UI that crashed or froze; or the clock was set back since
    return written_at + STALE_AFTER


def is_idle(path: Path, now: dt.datetime) -> bool:
    """Whether nobody is using the kiosk (see :func:`busy_until`)."""
    return busy_until(path, now) is None


def wait_until_idle(
    path: Path,
    timeout: dt.timedelta,
    *,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 5.0,
) -> bool:
    """Look every ``poll_seconds`` until the kiosk is idle (True) or ``timeout`` has passed
    while it was in use (False: the caller tries again later, e.g. at its next check)."""
    deadline = clock() + timeout
    while True:
        now = clock()
        if is_idle(path, now):
            return True
        if now >= deadline:
            return False
        sleep(min(poll_seconds, (deadline - now).total_seconds()))
