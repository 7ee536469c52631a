"""The device clock, and whether to believe it.

A Raspberry Pi has no clock battery: until NTP answers it may think it is 1970 (or the
last shutdown time). Anything that compares real-world dates with "today" asks
:func:`trusted_today`, which says None when the clock is evidently wrong, and then skips
the comparison instead of refusing a real ID card as "issued in the future".
"""

from __future__ import annotations

import datetime as dt

#: No kiosk runs this release before this day: a clock showing an earlier date is wrong.
RELEASE_FLOOR = dt.date(2026, 11, 1)

#: Hanoi's time zone (UTC+7, no daylight saving): service days follow it.
HANOI = dt.timezone(dt.timedelta(hours=7), "ICT")


def now() -> dt.datetime:
    """The device's current time in Hanoi."""
    return dt.datetime.now(HANOI)


def trusted_today(current: dt.datetime | None = None) -> dt.date | None:
    """Today's date in Hanoi, or None when the device clock cannot be right."""
    moment = now() if current is None else current.astimezone(HANOI)
    today = moment.date()
    return today if today >= RELEASE_FLOOR else None
