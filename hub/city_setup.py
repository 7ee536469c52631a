"""The point's counters and officers as the city publishes them, pulled and applied at the hub.

The back office publishes a service point's counters and officers
(``kiosk backend publish-point``; officers' PINs as scrypt hashes only). The hub pulls its
own unit's set-up (``GET /v1/hub/service-point`` with its hub token) every few minutes from
its forwarding thread, or at once with ``kiosk hub pull-setup``.

Which wins: **the city, once per publication.** A version the hub has not applied yet
overwrites the counters and officers it names (name, services, PIN hash), in one
transaction. Edits made at the hub afterwards (``kiosk hub add-counter``/``add-officer``)
stay until the city publishes a *new* version naming the same counter or officer; pulling
the same version again changes nothing. Counters and officers the city does not name are
the hub's own and are kept (the city cannot remove them). A counter naming a service the
hub does not have is skipped and reported, the rest applied.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from pydantic import ValidationError

from hub.queue import HubQueue
from kiosk import __version__
from sync import hub_wire, wire

log = logging.getLogger(__name__)
_VERSION_KEY = "city_setup_version"
#: Seconds between pulls from the serving hub's forwarding thread.
PULL_EVERY_SECONDS = 300.0


class SetupPullError(Exception):
    """The city could not be asked, or did not answer usably."""


@dataclass
class SetupReport:
    """What one pull did."""

    version: int | None = None  # the city's version (None: nothing published)
    applied: bool = False
    counters: int = 0
    officers: int = 0
    skipped: list[str] = field(default_factory=list)


def applied_version(queue: HubQueue) -> int:
    """The city's set-up version last applied here (0: none)."""
    row = queue.db.connection().execute(
        "SELECT value FROM settings WHERE key = ?", [_VERSION_KEY]).fetchone()
    return int(row[0]) if row else 0


def apply_setup(queue: HubQueue, state: hub_wire.PointSetupState) -> SetupReport:
    """Apply ``state`` if its version is newer than the one applied (see the module)."""
    report = SetupReport(version=state.version)
    known = {service.code for service in queue.services()}
    with queue.db.write() as db:
        row = db.execute("SELECT value FROM settings WHERE key = ?", [_VERSION_KEY]).fetchone()
        if row is not None and int(row[0]) >= state.version:
            return report
        for counter in state.setup.counters:
            unknown = sorted(set(counter.services) - known)
            if unknown:
                report.skipped.append(f"counter {counter.number}: unknown service(s) "
                                      f"{', '.join(unknown)} at this hub")
                continue
            db.execute("INSERT INTO counters (number, name, services) VALUES (?, ?, ?) "
                       "ON CONFLICT (number) DO UPDATE SET name = excluded.name, "
                       "services = excluded.services",
                       [counter.number, counter.name, json.dumps(counter.services)])
            report.counters += 1
        for officer in state.setup.officers:
            db.execute("INSERT INTO officers (login, name, pin_hash) VALUES (?, ?, ?) "
                       "ON CONFLICT (login) DO UPDATE SET name = excluded.name, "
                       "pin_hash = excluded.pin_hash",
                       [officer.login, officer.name, officer.pin_hash])
            report.officers += 1
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                   [_VERSION_KEY, str(state.version)])
    report.applied = True
    for reason in report.skipped:
        log.warning("city set-up version %s: %s", state.version, reason)
    return report


class CitySetupLink:
    """Asks the city for this hub's service point's set-up."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0,
                 session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + wire.Endpoint.HUB_SERVICE_POINT.value
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"motcua-hub/{__version__}"})

    def fetch(self) -> hub_wire.PointSetupState | None:
        """The published set-up (None: nothing published for this unit)."""
        try:
            response = self.session.get(self.url, timeout=self.timeout)
            _ = response.content
        except requests.RequestException as error:
            raise SetupPullError(type(error).__name__) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SetupPullError(f"{response.status_code} {response.text[:200]}")
        try:
            return hub_wire.PointSetupState.model_validate_json(response.content)
        except ValidationError:
            raise SetupPullError("unreadable answer") from None

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


def pull_once(queue: HubQueue, link: CitySetupLink) -> SetupReport:
    """Fetch and apply (raises SetupPullError)."""
    state = link.fetch()
    return SetupReport() if state is None else apply_setup(queue, state)


class SetupPuller:
    """Pulls every :data:`PULL_EVERY_SECONDS` (for the serving hub's forwarding thread)."""

    def __init__(self, queue: HubQueue, link: CitySetupLink, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.queue = queue
        self.link = link
        self.monotonic = monotonic
        self._last: float | None = None

    def run_once(self) -> SetupReport | None:
        """Pull if due (None: not due, or the city could not be asked)."""
        now = self.monotonic()
        if self._last is not None and now - self._last < PULL_EVERY_SECONDS:
            return None
        self._last = now
        try:
            return pull_once(self.queue, self.link)
        except SetupPullError as error:
            log.warning("pulling the point's counters and officers failed (%s)", error)
            return None
