"""Whether this kiosk is enrolled with the city, and waiting until it is.

A kiosk installed without ``--backend/--token`` (``scripts/install-pi``) must come up and
wait for the technician's ``kiosk provision``: its sync agent neither exits (systemd would
restart it every few seconds, forever) nor syncs. :func:`enrolment_of` is the one rule for
"enrolled", shared by the agent, ``kiosk doctor`` and the technician screen.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import Config, ConfigError

log = logging.getLogger("kiosk.enrolment")

#: The settings ``kiosk provision`` writes, without which nothing reaches the city.
ENROLMENT_KEYS = ("kiosk.id", "sync.backend_url", "sync.token")
#: ``kiosk.id``'s packaged default: no identity given yet.
UNSET_KIOSK_ID = "unconfigured"
#: How often a waiting agent reads its configuration again (provision writes it).
RECHECK_SECONDS = 15.0


class EnrolmentState(enum.Enum):
    """Whether the kiosk can deliver to the city."""

    ENROLLED = "enrolled"
    NOT_ENROLLED = "not enrolled"


@dataclass(frozen=True)
class Enrolment:
    """The state and, when not enrolled, which of :data:`ENROLMENT_KEYS` are missing."""

    state: EnrolmentState
    missing: tuple[str, ...] = ()

    @property
    def enrolled(self) -> bool:
        """Whether nothing is missing."""
        return self.state is EnrolmentState.ENROLLED

    def describe(self) -> str:
        """One line for a status, a log and a check."""
        if self.enrolled:
            return "enrolled"
        return ("not enrolled: " + ", ".join(self.missing) + " not set; waiting for "
                "'kiosk provision --backend URL --token TOKEN'")


def enrolment_of(config: Config) -> Enrolment:
    """Which enrolment settings the configuration lacks."""
    missing = tuple(
        key for key in ENROLMENT_KEYS
        if not config.text(key) or (key == "kiosk.id" and config.text(key) == UNSET_KIOSK_ID)
    )
    if missing:
        return Enrolment(EnrolmentState.NOT_ENROLLED, missing)
    return Enrolment(EnrolmentState.ENROLLED)


def wait_for_enrolment(
    load: Callable[[], Config],
    wait: Callable[[float], bool],
    *,
    interval: float = RECHECK_SECONDS,
) -> Config | None:
    """Read the configuration every ``interval`` seconds until the kiosk is enrolled.

    ``wait(seconds)`` sleeps (pinging the watchdog) and returns True when the process is
    asked to stop: then None. The first "not enrolled" is logged once, not every round; a
    configuration that cannot be read (a technician's typo) is logged when it changes and
    waited out the same way.
    """
    said = ""
    while True:
        try:
            config = load()
        except ConfigError as error:
            line = f"configuration unreadable while waiting for enrolment: {error}"
        else:
            enrolment = enrolment_of(config)
            if enrolment.enrolled:
                if said:
                    log.info("enrolled: starting to sync")
                return config
            line = enrolment.describe()
        if line != said:
            log.warning("%s", line)
            said = line
        if wait(interval):
            return None
