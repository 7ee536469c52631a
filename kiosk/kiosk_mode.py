"""Whom the kiosk serves now: citizens, or a technician (asked for the PIN, or let in).

One value says it, instead of several flags that had to agree (a "technician is in" flag,
the technician worker's presence, the screen on show): the app holds a :class:`KioskMode`,
the scan routing (:mod:`kiosk.scan_routing`) reads it, and leaving technician mode in any
way (Home, the idle wipe, Back from the PIN pad) puts it back to :attr:`KioskMode.CITIZEN`.
"""

from __future__ import annotations

import enum


class KioskMode(enum.Enum):
    """Whom the kiosk serves now."""

    CITIZEN = "citizen"  # the citizen's screens: scans are a citizen's
    TECHNICIAN_PIN = "technician_pin"  # the hidden entry was used: the PIN pad is up
    TECHNICIAN = "technician"  # the PIN was accepted: the technician's screens


#: The modes in which a technician is at the kiosk (the technician worker runs, scans are
#: never a citizen's business).
TECHNICIAN_MODES = frozenset({KioskMode.TECHNICIAN_PIN, KioskMode.TECHNICIAN})
