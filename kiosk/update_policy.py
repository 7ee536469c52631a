"""When to update, and whether a new release survives its trial: pure decisions from facts.

The updater (sync/updater.py) gathers facts (the running version, the offered manifest,
the database's schema, what doctor says, how often the services restarted) and asks this
module what to do; it holds no I/O, so every rule here has an exact test.

The life of one update::

    IDLE -> DOWNLOADED -> INSTALLED -> TRIAL -> CONFIRMED
                 \\             \\          \\-> ROLLED_BACK
                  `-> IDLE      `-> IDLE (download or install failed: nothing touched)

A downgrade never strands a newer database: a release cannot open a database whose schema
is newer than its ``schema.max`` (kiosk/storage.py's NewerSchemaError), so switching to it
is allowed only when the copy taken before the last migration is restored (and the
submissions written since carried over), otherwise refused until a release that can read
the database is published.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from kiosk.release import Manifest, Version


class UpdateState(enum.Enum):
    """Where one update stands (written to the updater's state file)."""

    IDLE = "idle"
    DOWNLOADED = "downloaded"
    INSTALLED = "installed"
    TRIAL = "trial"
    CONFIRMED = "confirmed"
    ROLLED_BACK = "rolled_back"


#: States after which the next offered release starts again from IDLE.
FINAL_STATES = frozenset({UpdateState.CONFIRMED, UpdateState.ROLLED_BACK})


class OfferProblem(enum.Enum):
    """What kept the release the channel offered last from being switched to (the state
    file's ``problem``, written by the updater beside the words it explains).

    Independent of :class:`UpdateState`, which says where the last *switch* stands: a
    kiosk whose last release was rolled back may then have a later offer refused, and both
    are true. Only what the last check saw counts: a later check that switches, ignores
    the offer (running already, failed its trial here) or finds none sets NONE again.
    """

    NONE = "none"
    #: Installed, but a citizen was at the kiosk the whole wait: the next run applies it.
    POSTPONED = "postponed"
    #: The signature, the channel or the database's schema said no: nothing downloaded.
    REFUSED = "refused"
    #: The download, the install or a database step failed: nothing switched (retried).
    FAILED = "failed"


#: The offer problems that mean the kiosk cannot take its channel's release: the city is
#: warned ("update not applied"). A postponement is the kiosk doing its job.
NOT_APPLIED = frozenset({OfferProblem.REFUSED, OfferProblem.FAILED})


class UpdateEvent(enum.Enum):
    """What happened to the update, as the updater reports it."""

    DOWNLOAD_VERIFIED = "download_verified"
    DOWNLOAD_FAILED = "download_failed"
    INSTALL_SUCCEEDED = "install_succeeded"
    INSTALL_FAILED = "install_failed"
    SWITCHED = "switched"
    TRIAL_PASSED = "trial_passed"
    TRIAL_FAILED = "trial_failed"
    NEW_OFFER = "new_offer"


_TRANSITIONS: dict[tuple[UpdateState, UpdateEvent], UpdateState] = {
    (UpdateState.IDLE, UpdateEvent.DOWNLOAD_VERIFIED): UpdateState.DOWNLOADED,
    (UpdateState.IDLE, UpdateEvent.DOWNLOAD_FAILED): UpdateState.IDLE,
    (UpdateState.DOWNLOADED, UpdateEvent.INSTALL_SUCCEEDED): UpdateState.INSTALLED,
    (UpdateState.DOWNLOADED, UpdateEvent.INSTALL_FAILED): UpdateState.IDLE,
    (UpdateState.INSTALLED, UpdateEvent.SWITCHED): UpdateState.TRIAL,
    (UpdateState.TRIAL, UpdateEvent.TRIAL_PASSED): UpdateState.CONFIRMED,
    (UpdateState.TRIAL, UpdateEvent.TRIAL_FAILED): UpdateState.ROLLED_BACK,
    (UpdateState.CONFIRMED, UpdateEvent.NEW_OFFER): UpdateState.IDLE,
    (UpdateState.ROLLED_BACK, UpdateEvent.NEW_OFFER): UpdateState.IDLE,
}


class UpdateStateError(ValueError):
    """An event that cannot happen in the current state (a bug or a tampered state file)."""


def advance(state: UpdateState, event: UpdateEvent) -> UpdateState:
    """The state after ``event``, or UpdateStateError when it is not allowed there."""
    try:
        return _TRANSITIONS[(state, event)]
    except KeyError:
        raise UpdateStateError(f"{event.value} cannot happen in state {state.value}") from None


class OfferDecision(enum.Enum):
    """What to do with the release a channel offers."""

    IGNORE = "ignore"  # already running it, or it failed here before
    MIGRATE = "migrate"  # copy the database, let the new release migrate the copy
    RESTORE_COPY = "restore_copy"  # a downgrade: go back to the pre-update database copy
    REFUSE = "refuse"  # cannot be applied without losing or stranding data


@dataclass(frozen=True)
class OfferPlan:
    """The decision about an offered release, with the reason shown to the technician."""

    decision: OfferDecision
    reason: str


def plan_offer(
    running: Version,
    offered: Manifest,
    database_schema: int,
    bad_versions: frozenset[Version] = frozenset(),
    pre_update_copy_schema: int | None = None,
) -> OfferPlan:
    """Whether and how to switch from ``running`` to ``offered``.

    ``database_schema`` is the live database's schema version; ``pre_update_copy_schema``
    the schema of the copy taken before the running release migrated it (None when there
    is no such copy); ``bad_versions`` releases that already failed their trial here.
    """
    target = offered.version
    if target == running:
        return OfferPlan(OfferDecision.IGNORE, f"{target} is running already")
    if target in bad_versions:
        return OfferPlan(
            OfferDecision.IGNORE, f"{target} failed its trial on this kiosk; waiting for another"
        )
    schema = offered.schema
    if database_schema < schema.min:
        return OfferPlan(
            OfferDecision.REFUSE,
            f"{target} migrates databases from schema {schema.min}; this one is at "
            f"{database_schema}: publish an intermediate release first",
        )
    if database_schema <= schema.max:
        return OfferPlan(
            OfferDecision.MIGRATE, f"schema {database_schema} -> {schema.max} on a copy"
        )
    # The database is newer than the offered release can read: only the copy taken
    # before that newer schema was written can go back, with the later submissions
    # carried over.
    if pre_update_copy_schema is not None and schema.min <= pre_update_copy_schema <= schema.max:
        return OfferPlan(
            OfferDecision.RESTORE_COPY,
            f"{target} reads schema up to {schema.max}; the database is at "
            f"{database_schema}: the copy at schema {pre_update_copy_schema} is restored",
        )
    return OfferPlan(
        OfferDecision.REFUSE,
        f"{target} reads schema up to {schema.max} but the database is at "
        f"{database_schema} and no older copy it can read is kept: refused so that no data "
        "is stranded",
    )


#: How long a new release runs before it is kept.
TRIAL_PERIOD = dt.timedelta(minutes=5)
#: Restarts of the services tolerated during the trial (one crash at start-up can be the
#: device settling; a loop is a broken build).
MAX_TRIAL_RESTARTS = 2
#: Doctor checks about the world around the software: the network and the city's server,
#: the printer's paper, cover and cable (and the jobs waiting on it), a reader unplugged,
#: the clock, the card filling up, the sound output. A fault of theirs that appears during
#: a trial says nothing about the release: paper running out, or the city's server
#: restarting during a staged roll-out, must not roll back a good release and mark it bad
#: on every kiosk in trial (the appliance test's paused city did exactly that). A release
#: that really breaks one of them shows as its services restarting or its watchdog, and
#: on the pilot channel's fleet page.
WORLD_CHECKS = frozenset({"city backend", "receipt printer", "print queue", "code reader",
                          "clock", "disk space", "sound output"})


class TrialVerdict(enum.Enum):
    """The outcome of one look at a release in trial."""

    WAIT = "wait"  # no fault yet, deadline not reached
    KEEP = "keep"  # the release passed its trial
    ROLL_BACK = "roll_back"


@dataclass(frozen=True)
class TrialFacts:
    """What the updater observed of the new release.

    ``doctor_faults`` names the doctor checks in fault now, or None when doctor did not
    answer at all; ``baseline_faults`` those the previous release had before the switch (a
    kiosk whose printer was already unplugged must not roll back for it). ``restarts`` and
    ``services_active`` concern the services that ran before the switch: one that was
    failing already (a UI without a screen restarts forever) says nothing against the new
    release, and such a kiosk must still be able to take the release that fixes it.
    """

    now: dt.datetime
    deadline: dt.datetime
    doctor_faults: frozenset[str] | None
    baseline_faults: frozenset[str]
    restarts: int
    watchdog_fired: bool
    services_active: bool
    rebooted: bool = False


@dataclass(frozen=True)
class TrialJudgement:
    """A verdict with the reason reported in the heartbeat and the state file."""

    verdict: TrialVerdict
    reason: str


def judge_trial(facts: TrialFacts) -> TrialJudgement:
    """Keep waiting, keep the release, or roll back, from one set of observations."""
    failure = _trial_failure(facts)
    if failure is not None:
        return TrialJudgement(TrialVerdict.ROLL_BACK, failure)
    if facts.now < facts.deadline:
        return TrialJudgement(TrialVerdict.WAIT, "trial running")
    # A service may be between two restarts during the trial; at the deadline it must run.
    if not facts.services_active:
        return TrialJudgement(
            TrialVerdict.ROLL_BACK, "the services are not running at the deadline"
        )
    return TrialJudgement(TrialVerdict.KEEP, "trial passed")


def _trial_failure(facts: TrialFacts) -> str | None:
    """Why the release failed already, whatever the time, or None."""
    if facts.rebooted:
        return "the kiosk restarted during the trial"
    if facts.watchdog_fired:
        return "the watchdog fired"
    if facts.restarts > MAX_TRIAL_RESTARTS:
        return f"the services restarted {facts.restarts} times"
    if facts.doctor_faults is None:
        return "doctor did not run"
    new = sorted(facts.doctor_faults - facts.baseline_faults - WORLD_CHECKS)
    return f"new doctor fault(s): {', '.join(new)}" if new else None
