"""How each kiosk and hub is doing, and what needs someone: alerts as computed states.

One function, :func:`assess`, turns a device's last two heartbeats (or, for a hub that has
sent none, its last delivery of queue events) and the city's clock into a
:class:`DeviceHealth`; the fleet page and ``kiosk backend fleet`` both show what it says.
Kiosks and hubs are judged by the same rules; only the printer is a kiosk's alone.

- **offline**: the last heartbeat is older than :data:`OFFLINE_AFTER` (15 minutes; a kiosk
  or hub beats every few minutes); **never seen**: an enrolled kiosk, no heartbeat yet.
- **paper out** / **paper near end**: as the kiosk's printer reported it.
- **printer fault**: the printer reported another problem (cover open, error, offline,
  unreachable).
- **backlog growing**: the outbox backlog (pending + failed; a hub: queue events not yet
  delivered) is larger than at the heartbeat before: data piles up instead of reaching the
  city.
- **clock off**: the kiosk's clock differs from the city's by more than
  :data:`CLOCK_TOLERANCE` (its slips and tickets would show a wrong time).
- **update rolled back** / **update not applied**: its last update failed its trial and
  was rolled back, or the release its channel offers was refused or could not be applied
  (kiosk/update_report.py). The kiosk goes on serving on its running release: a warning,
  for whoever publishes releases.

A revoked device raises no alert (it is expected to be silent). A hub that has never sent a
heartbeat (software from before hubs sent them) is listed with its last delivery of queue
events and no alert, since a point with no tickets to report is silent too.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from kiosk.update_policy import UpdateState
from kiosk.update_report import UpdateProblem
from sync import wire

#: A kiosk silent this long is offline.
OFFLINE_AFTER = dt.timedelta(minutes=15)
#: A kiosk clock this far from the city's is flagged.
CLOCK_TOLERANCE = dt.timedelta(minutes=2)
#: Printer states (kiosk.printing.PrinterState values) that are a fault other than paper.
PRINTER_FAULTS = frozenset({"cover_open", "offline", "error", "unreachable"})


class Severity(enum.Enum):
    """How urgent an alert is."""

    CRITICAL = "critical"
    WARNING = "warning"


class Alert(enum.Enum):
    """What needs someone's attention at a device."""

    OFFLINE = "offline"
    NEVER_SEEN = "never_seen"
    PAPER_OUT = "paper_out"
    PRINTER_FAULT = "printer_fault"
    PAPER_NEAR_END = "paper_near_end"
    BACKLOG_GROWING = "backlog_growing"
    CLOCK_OFF = "clock_off"
    UPDATE_ROLLED_BACK = "update_rolled_back"
    UPDATE_NOT_APPLIED = "update_not_applied"

    @property
    def severity(self) -> Severity:
        """Critical: citizens cannot be served or their submissions do not arrive."""
        if self in {Alert.PAPER_NEAR_END, Alert.CLOCK_OFF, Alert.NEVER_SEEN,
                    Alert.UPDATE_ROLLED_BACK, Alert.UPDATE_NOT_APPLIED}:
            return Severity.WARNING
        return Severity.CRITICAL


class DeviceKind(enum.Enum):
    """A kiosk, or a service point's hub (delivers queue events; its heartbeat has ``hub``)."""

    KIOSK = "kiosk"
    HUB = "hub"


@dataclass(frozen=True)
class DeviceRecord:
    """What the city holds about one device (office.store.fleet reads it)."""

    device_id: str
    kind: DeviceKind
    enrolled: bool
    unit_code: int | None
    #: The city's clock when the last heartbeat (a hub without one: its last delivery) arrived.
    last_seen_at: str | None
    heartbeat: wire.Heartbeat | None = None
    previous_heartbeat: wire.Heartbeat | None = None


@dataclass(frozen=True)
class DeviceHealth:
    """A device's state as the fleet page shows it."""

    record: DeviceRecord
    #: How long since it was last heard from.
    silent_for: dt.timedelta | None
    #: Its clock minus the city's at its last heartbeat (None: unknown).
    clock_offset: dt.timedelta | None
    #: Outbox pending + failed at the last heartbeat, and the change since the one before.
    backlog: int | None
    backlog_change: int | None
    alerts: tuple[Alert, ...]

    @property
    def severity(self) -> Severity | None:
        """The worst of its alerts; None when it has none."""
        if not self.alerts:
            return None
        return min((alert.severity for alert in self.alerts),
                   key=lambda severity: list(Severity).index(severity))


def _backlog(beat: wire.Heartbeat | None) -> int | None:
    return None if beat is None else beat.outbox_pending + beat.outbox_failed


def _clock_offset(beat: wire.Heartbeat, received_at: str) -> dt.timedelta | None:
    try:
        device = dt.datetime.fromisoformat(beat.device_time)
    except ValueError:
        return None
    if device.tzinfo is None:
        return None
    return device - dt.datetime.fromisoformat(received_at)


def assess(record: DeviceRecord, now: dt.datetime) -> DeviceHealth:
    """The device's health at ``now`` (the city's clock)."""
    silent_for = (None if record.last_seen_at is None
                  else now - dt.datetime.fromisoformat(record.last_seen_at))
    beat = record.heartbeat
    backlog = _backlog(beat)
    previous = _backlog(record.previous_heartbeat)
    change = None if backlog is None or previous is None else backlog - previous
    offset = (None if beat is None or record.last_seen_at is None
              else _clock_offset(beat, record.last_seen_at))
    alerts: list[Alert] = []
    kiosk = record.kind is DeviceKind.KIOSK
    # A hub is judged once it beats: before that its silence says nothing (see above).
    if record.enrolled and (kiosk or beat is not None):
        if silent_for is None:
            alerts.append(Alert.NEVER_SEEN)
        elif silent_for > OFFLINE_AFTER:
            alerts.append(Alert.OFFLINE)
        if beat is not None:
            if kiosk:
                alerts += _printer_alerts(beat)
            if change is not None and change > 0:
                alerts.append(Alert.BACKLOG_GROWING)
            if offset is not None and abs(offset) > CLOCK_TOLERANCE:
                alerts.append(Alert.CLOCK_OFF)
            alerts += _update_alerts(beat.update)
    return DeviceHealth(record, silent_for, offset, backlog, change, tuple(alerts))


def _update_alerts(update: wire.UpdateReport | None) -> list[Alert]:
    if update is None:
        return []
    found = []
    # Rolled back, then a later offer refused: both are true, both are shown.
    if update.state is UpdateState.ROLLED_BACK:
        found.append(Alert.UPDATE_ROLLED_BACK)
    if update.problem in {UpdateProblem.REFUSED, UpdateProblem.FAILED}:
        found.append(Alert.UPDATE_NOT_APPLIED)
    return found


def _printer_alerts(beat: wire.Heartbeat) -> list[Alert]:
    if beat.printer_paper == "out" or beat.printer_state == "paper_out":
        return [Alert.PAPER_OUT]
    if beat.printer_state in PRINTER_FAULTS:
        return [Alert.PRINTER_FAULT]
    if beat.printer_paper == "near_end" or beat.printer_state == "paper_near_end":
        return [Alert.PAPER_NEAR_END]
    return []
