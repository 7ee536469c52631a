"""The kiosk's updater: fetch a signed release, install it beside the running one, switch,
watch its trial, roll back (environment and database) when it fails (docs/updates.md).

Layout under ``update.root`` (``/opt/motcua-kiosk``; tests use a temporary directory)::

    releases/2.3.1/          the running release (its venv inside)
    releases/2.4.0/          the new one, built beside it
    current -> releases/2.4.0       what the kiosk's services run
    known-good -> releases/2.3.1    the last release kept after its trial (or installed by
                                    install-pi): what the update unit runs, so a release
                                    in trial never judges itself
    downloads/               artifacts, checked against the signed manifest; a verified
                             one stays while the channel offers it (a postponed or failed
                             install is retried without downloading 60-135 MB again)
    update.json              the state of the last update (kiosk.update_policy.UpdateState)
                             and what kept a later offer from being switched to
                             (kiosk.update_policy.OfferProblem), each with its own words

and beside the database, ``db-before-2.4.0.sqlite3`` (the copy taken before 2.4.0 migrated
it: what a rollback or a later downgrade restores) and, after a rollback,
``db-trial-2.4.0.sqlite3`` (the file as the failed release left it, kept).

Every decision is kiosk.update_policy's; this module does the I/O, through small
Protocols (the release source, the installer, the release's own commands, the services)
whose fakes record and can fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kiosk.carry_over import carry_submissions
from kiosk.hub_carry_over import carry_hub_queue
from kiosk.release import Manifest, ManifestError, Version, check_artifact
from kiosk.release_bundle import RELEASE_LOCK, prune_wheels
from kiosk.release_signature import verify
from kiosk.update_policy import (
    TRIAL_PERIOD,
    OfferDecision,
    OfferProblem,
    TrialFacts,
    TrialJudgement,
    TrialVerdict,
    UpdateEvent,
    UpdateState,
    advance,
    judge_trial,
    plan_offer,
)
from kiosk.update_report import read_problem

_log = logging.getLogger(__name__)

STATE_FILE = "update.json"
CURRENT_LINK = "current"
KNOWN_GOOD_LINK = "known-good"
#: Between two looks at a release in trial (docs/updates.md).
TRIAL_CHECK_INTERVAL = dt.timedelta(seconds=20)
#: How long an installed release waits for nobody to be using the kiosk before the run
#: gives up (the next run installs it again), and how often it looks meanwhile.
IDLE_WAIT = dt.timedelta(minutes=10)
IDLE_POLL = dt.timedelta(seconds=5)


class UpdateError(Exception):
    """A step of an update that failed (the running release is left as it was)."""


class ReleaseSource(Protocol):
    """Where signed releases come from (the city server, in production)."""

    def offer(self, channel: str) -> tuple[bytes, str] | None:
        """The channel's manifest bytes and signature, or None when nothing is published."""
        ...

    def download(self, channel: str, target: Path, sha256: str) -> None:
        """Write the channel's artifact, the manifest's (``sha256``), to ``target``."""
        ...


class Installer(Protocol):
    """Builds a release's environment from its artifact."""

    def install(self, artifact: Path, target: Path) -> None:
        """Make ``target`` a runnable release from ``artifact``; UpdateError if it cannot."""
        ...


class ReleaseCommands(Protocol):
    """What an installed release is asked to do, with its own code."""

    def migrate(self, release: Path, database: Path) -> None:
        """Open ``database`` with ``release`` (which migrates it); UpdateError on failure."""
        ...

    def doctor_faults(self, release: Path) -> frozenset[str] | None:
        """The names of the doctor checks in fault under ``release``; None if it did not run."""
        ...


class Services(Protocol):
    """The kiosk's services (the UI and the sync agent), as systemd runs them."""

    def stop(self) -> None:
        """Stop them (before the database is copied or replaced)."""
        ...

    def start(self) -> None:
        """Start them (from whatever ``current`` points at)."""
        ...

    def restarts(self) -> dict[str, int]:
        """How often each was restarted since boot (systemd's NRestarts), by name."""
        ...

    def watchdog_fired(self) -> bool:
        """Whether a watchdog stop happened since the last start."""
        ...

    def active_units(self) -> frozenset[str]:
        """The names of the services running now."""
        ...

    def boot_id(self) -> str:
        """This boot's identity (a reboot during a trial fails the trial)."""
        ...

    def citizen_present(self) -> bool:
        """Whether a citizen is using the kiosk now (the UI says so; the UI is not stopped
        under them)."""
        ...


@dataclass
class UpdateRecord:
    """The state file's content (kiosk/update_report.py reads it for the city and doctor)."""

    state: UpdateState = UpdateState.IDLE
    from_version: str | None = None
    to_version: str | None = None
    since: str | None = None
    deadline: str | None = None
    #: The words of the step that put ``state`` where it is ("trial passed", "rolled back
    #: to 2.3.1: ..."); a later offer's trouble never overwrites them.
    reason: str = ""
    baseline_faults: list[str] = field(default_factory=list)
    restarts_at_switch: dict[str, int] = field(default_factory=dict)
    boot_id: str = ""
    bad_versions: list[str] = field(default_factory=list)
    #: The services that ran before the switch: the trial judges their restarts and
    #: whether they run at the deadline (kiosk.update_policy.TrialFacts).
    watched_services: list[str] = field(default_factory=list)
    #: What kept the release offered since the last switch from being switched to, as the
    #: last check saw it (NONE again once a check switches, ignores the offer or finds
    #: none): what the heartbeat and doctor classify by, never the words.
    problem: OfferProblem = OfferProblem.NONE
    #: The problem's words ("refused: ...", "download of 2.5.0 failed: ..."); "" with NONE.
    problem_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to ``update.json``."""
        return {"state": self.state.value, "from": self.from_version, "to": self.to_version,
                "since": self.since, "deadline": self.deadline, "reason": self.reason,
                "problem": self.problem.value, "problem_reason": self.problem_reason,
                "baseline_faults": self.baseline_faults,
                "restarts_at_switch": self.restarts_at_switch, "boot_id": self.boot_id,
                "bad_versions": self.bad_versions,
                "watched_services": self.watched_services}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UpdateRecord:
        """The record from ``update.json``'s object (one without ``problem``, from the
        first updater, has it inferred from its reason: kiosk.update_report)."""
        state = UpdateState(data["state"])
        found = read_problem(data, state)
        return cls(state, data["from"], data["to"], data["since"], data["deadline"],
                   found.state_reason, list(data["baseline_faults"]),
                   {str(unit): int(count)
                    for unit, count in dict(data["restarts_at_switch"]).items()},
                   data["boot_id"], list(data["bad_versions"]),
                   [str(unit) for unit in data["watched_services"]],
                   found.problem, found.problem_reason)


@dataclass(frozen=True)
class UpdatePaths:
    """Where the updater reads and writes."""

    root: Path
    database: Path
    #: The point hub's database when this box is also its point's hub: the hub runs from
    #: ``current`` too, so its database is copied at the switch and restored (its queue of
    #: the trial carried over) at a rollback, as the kiosk's. None: no hub here.
    hub_database: Path | None = None

    @property
    def releases(self) -> Path:
        """The versioned environments."""
        return self.root / "releases"

    @property
    def current(self) -> Path:
        """The symlink the services run from."""
        return self.root / CURRENT_LINK

    @property
    def known_good(self) -> Path:
        """The symlink to the last release kept after its trial (the update unit runs it)."""
        return self.root / KNOWN_GOOD_LINK

    @property
    def state_file(self) -> Path:
        """``update.json``."""
        return self.root / STATE_FILE

    def copy_before(self, version: str) -> Path:
        """The database as it was before ``version`` migrated it."""
        return self.database.with_name(f"db-before-{version}.sqlite3")

    def trial_copy(self, version: str) -> Path:
        """The database as ``version`` left it when its trial failed."""
        return self.database.with_name(f"db-trial-{version}.sqlite3")

    def hub_copy_before(self, version: str) -> Path | None:
        """The hub's database as it was before the switch to ``version`` (beside it)."""
        if self.hub_database is None:
            return None
        return self.hub_database.with_name(f"db-before-{version}.sqlite3")


class Updater:
    """One kiosk's updates: :meth:`check_for_update` then :meth:`check_trial` until done."""

    def __init__(
        self,
        paths: UpdatePaths,
        *,
        channel: str,
        trusted_keys: Sequence[str],
        source: ReleaseSource,
        installer: Installer,
        commands: ReleaseCommands,
        services: Services,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.paths = paths
        self.channel = channel
        self.trusted_keys = tuple(trusted_keys)
        self.source = source
        self.installer = installer
        self.commands = commands
        self.services = services
        self.clock = clock
        self.sleep = sleep

    # -- state ----------------------------------------------------------------------------

    def record(self) -> UpdateRecord:
        """The last update's record (IDLE when there was none)."""
        try:
            return UpdateRecord.from_json(json.loads(self.paths.state_file.read_text()))
        except FileNotFoundError:
            return UpdateRecord()

    def _save(self, record: UpdateRecord) -> None:
        temporary = self.paths.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(record.to_json(), indent=1) + "\n")
        temporary.replace(self.paths.state_file)

    def running_version(self) -> str | None:
        """The release ``current`` points at, or None before the first switch."""
        try:
            return self.paths.current.readlink().name
        except FileNotFoundError:
            return None

    # -- applying -------------------------------------------------------------------------

    def check_for_update(self) -> UpdateRecord:
        """Fetch the channel's release and, if the policy says so, apply it up to its trial."""
        record = self.record()
        if record.state is UpdateState.TRIAL:
            return record  # one update at a time: the trial decides first
        running = self.running_version()
        if running is None:
            raise UpdateError(f"{self.paths.current} does not exist: install the kiosk first")
        offered = self.source.offer(self.channel)
        if offered is None:
            # The channel withdrew what was refused: nothing stands in the way any more.
            self._clear_downloads()
            return self._not_applied(record, OfferProblem.NONE, "")
        try:
            manifest = verify(offered[0], offered[1], self.trusted_keys)
            if manifest.channel != self.channel:
                raise ManifestError(f"the release is signed for channel {manifest.channel!r}")
        except ManifestError as error:
            self._clear_downloads()
            return self._not_applied(record, OfferProblem.REFUSED, f"refused: {error}")
        plan = plan_offer(
            Version.parse(running), manifest, _schema_of(self.paths.database),
            frozenset(Version.parse(bad) for bad in record.bad_versions),
            pre_update_copy_schema=self._schema_of_copy(running))
        if plan.decision is OfferDecision.IGNORE:
            # Running it already, or it failed its trial here (the state says so): an
            # earlier offer's refusal or failure is no longer what the channel serves.
            self._clear_downloads()  # (after a keep too: the channel serves what runs)
            return self._not_applied(record, OfferProblem.NONE, "")
        if plan.decision is OfferDecision.REFUSE:
            self._clear_downloads()
            return self._not_applied(record, OfferProblem.REFUSED, f"refused: {plan.reason}")
        return self._apply(record, running, manifest, plan.decision)

    def _clear_downloads(self, keep: str | None = None) -> None:
        """Delete downloaded artifacts (complete or partial) but ``keep``'s: what the
        channel no longer offers is never installed."""
        downloads = self.paths.root / "downloads"
        if not downloads.is_dir():
            return
        for path in downloads.iterdir():
            if keep is None or (path.name != keep and not path.name.startswith(keep + ".")):
                path.unlink(missing_ok=True)

    def _not_applied(self, record: UpdateRecord, problem: OfferProblem,
                     reason: str) -> UpdateRecord:
        """Record what the last offer came to, beside the state it left as it was."""
        if (record.problem, record.problem_reason) != (problem, reason):
            record.problem, record.problem_reason = problem, reason
            self._save(record)  # only on a change: this runs every 15 min on an SD card
        return record

    def _apply(self, record: UpdateRecord, running: str, manifest: Manifest,
               decision: OfferDecision) -> UpdateRecord:
        target = str(manifest.version)
        state = (advance(record.state, UpdateEvent.NEW_OFFER)
                 if record.state in {UpdateState.CONFIRMED, UpdateState.ROLLED_BACK}
                 else UpdateState.IDLE)
        downloads = self.paths.root / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        artifact = downloads / manifest.artifact.name
        self._clear_downloads(keep=artifact.name)  # an earlier offer's
        try:
            if not _verified_already(manifest, artifact):
                self.source.download(self.channel, artifact, manifest.artifact.sha256)
                check_artifact(manifest, artifact)
        except (ManifestError, UpdateError, OSError) as error:
            artifact.unlink(missing_ok=True)
            advance(state, UpdateEvent.DOWNLOAD_FAILED)
            return self._not_applied(record, OfferProblem.FAILED,
                                     f"download of {target} failed: {error}")
        state = advance(state, UpdateEvent.DOWNLOAD_VERIFIED)
        release = self.paths.releases / target
        shutil.rmtree(release, ignore_errors=True)  # a half-built earlier attempt
        release.mkdir(parents=True)
        try:
            self.installer.install(artifact, release)
        except UpdateError as error:
            shutil.rmtree(release, ignore_errors=True)
            advance(state, UpdateEvent.INSTALL_FAILED)
            return self._not_applied(record, OfferProblem.FAILED,
                                     f"install of {target} failed: {error}")
        state = advance(state, UpdateEvent.INSTALL_SUCCEEDED)
        if not self._wait_for_nobody():
            shutil.rmtree(release, ignore_errors=True)
            return self._not_applied(
                record, OfferProblem.POSTPONED, f"{target} postponed: a citizen was using "
                f"the kiosk for {int(IDLE_WAIT.total_seconds() // 60)} min")
        baseline = self.commands.doctor_faults(self.paths.releases / running) or frozenset()
        running_before = self.services.active_units()
        self.services.stop()
        live = self.paths.database
        try:
            self._take_copies(target)
        except (UpdateError, sqlite3.Error) as error:
            self.services.start()  # nothing switched: the running release goes on
            shutil.rmtree(release, ignore_errors=True)
            return self._not_applied(record, OfferProblem.FAILED,
                                     f"database copy for {target} failed: {error}")
        now = self.clock()
        trial = UpdateRecord(
            state=advance(state, UpdateEvent.SWITCHED), from_version=running, to_version=target,
            since=now.isoformat(), deadline=(now + TRIAL_PERIOD).isoformat(),
            reason=f"trial of {target}", baseline_faults=sorted(baseline),
            boot_id=self.services.boot_id(), bad_versions=record.bad_versions,
            watched_services=sorted(running_before))
        # Saved before the database or the link changes: whatever interrupts the switch
        # from here on (a crash, a power cut), the next trial check rolls it back.
        self._save(trial)
        try:
            self._switch_database(running, target, release, decision)
        except (UpdateError, sqlite3.Error) as error:
            _copy_database(self.paths.copy_before(target), live)
            self._restore_hub(target)
            self._save(record)
            self.services.start()  # the running release goes on, on its own database
            shutil.rmtree(release, ignore_errors=True)
            return self._not_applied(record, OfferProblem.FAILED,
                                     f"database for {target} failed: {error}")
        self._switch_to(release)
        artifact.unlink(missing_ok=True)  # switched: a rollback never reinstalls it
        # Counted after the start: systemd may reset NRestarts on a manual start.
        trial.restarts_at_switch = self.services.restarts()
        self._save(trial)
        return trial

    def _switch_to(self, release: Path) -> None:
        """Point ``current`` at ``release`` and start the services from it."""
        _point(self.paths.current, release)
        try:
            self.services.start()
        except UpdateError as error:
            # A new UI that dies before it is ready fails `systemctl start`; systemd keeps
            # restarting it. That is the trial's to judge (restarts, services down), now,
            # in this run: not an error that ends the run and leaves the broken release
            # serving until the timer's next run (found by the appliance test).
            _log.warning("update: %s started badly: %s (judged by its trial)",
                         release.name, error)

    def _wait_for_nobody(self) -> bool:
        """Wait (up to IDLE_WAIT) until no citizen is using the kiosk; False if one still is."""
        waited = dt.timedelta()
        while self.services.citizen_present():
            if waited >= IDLE_WAIT:
                return False
            self.sleep(IDLE_POLL.total_seconds())
            waited += IDLE_POLL
        return True

    def _switch_database(self, running: str, target: str, release: Path,
                         decision: OfferDecision) -> None:
        live = self.paths.database
        if decision is OfferDecision.RESTORE_COPY:
            # A downgrade below the database's schema: the copy taken before the running
            # release migrated, plus the submissions written since (from the copy just
            # taken of the live file).
            _copy_database(self.paths.copy_before(running), live)
            carry_submissions(live, self.paths.copy_before(target))
            _hand_to_directory_owner(live)
            self._restore_hub(running, carry_from=self.paths.hub_copy_before(target))
            return
        # Migrated on a copy: a migration that fails leaves the live file untouched.
        migrating = live.with_name(f"db-migrating-{target}.sqlite3")
        # A journal left by an earlier migration that was killed would be replayed into
        # this fresh copy: gone first, and gone after, with the copy.
        _remove_database(migrating)
        _copy_database(live, migrating)
        try:
            self.commands.migrate(release, migrating)
            _copy_database(migrating, live)
        finally:
            _remove_database(migrating)

    def _schema_of_copy(self, running: str) -> int | None:
        copy = self.paths.copy_before(running)
        return _schema_of(copy) if copy.exists() else None

    # -- the trial ------------------------------------------------------------------------

    def check_trial(self) -> TrialJudgement | None:
        """Judge the release in trial and keep it or roll it back; None when none is."""
        record = self.record()
        if record.state is not UpdateState.TRIAL:
            return None
        assert record.to_version is not None and record.deadline is not None
        faults = self.commands.doctor_faults(self.paths.releases / record.to_version)
        watched, restarts_now = set(record.watched_services), self.services.restarts()
        judgement = judge_trial(TrialFacts(
            now=self.clock(), deadline=dt.datetime.fromisoformat(record.deadline),
            doctor_faults=faults, baseline_faults=frozenset(record.baseline_faults),
            restarts=sum(restarts_now.get(unit, 0) - record.restarts_at_switch.get(unit, 0)
                         for unit in watched),
            watchdog_fired=self.services.watchdog_fired(),
            services_active=watched <= self.services.active_units(),
            rebooted=self.services.boot_id() != record.boot_id))
        if judgement.verdict is TrialVerdict.KEEP:
            record.state = advance(record.state, UpdateEvent.TRIAL_PASSED)
            record.reason = judgement.reason
            self._save(record)
            _point(self.paths.known_good, self.paths.releases / record.to_version)
            self._prune(keep={record.to_version, record.from_version})
            self._prune_copies(keep=record.to_version)
            self._prune_wheels(record.to_version, record.from_version)
        elif judgement.verdict is TrialVerdict.ROLL_BACK:
            self._roll_back(record, judgement.reason)
        return judgement

    def watch_trial(
        self,
        sleep: Callable[[float], None] | None = None,
        interval: dt.timedelta = TRIAL_CHECK_INTERVAL,
    ) -> TrialJudgement | None:
        """Judge the release in trial every ``interval`` until it is kept or rolled back.

        The update unit's one run applies a release and then watches it here, from the
        process of the release it replaces; None when no release is in trial. ``sleep``
        defaults to the updater's own.
        """
        wait = self.sleep if sleep is None else sleep
        judgement = self.check_trial()
        while judgement is not None and judgement.verdict is TrialVerdict.WAIT:
            wait(interval.total_seconds())
            judgement = self.check_trial()
        return judgement

    def _roll_back(self, record: UpdateRecord, reason: str) -> None:
        assert record.from_version is not None and record.to_version is not None
        self.services.stop()
        try:
            _point(self.paths.current, self.paths.releases / record.from_version)
            carried = _restore_carrying(
                self.paths.database, self.paths.copy_before(record.to_version),
                self.paths.trial_copy(record.to_version),
                lambda restored, trial: carry_submissions(restored, trial).submissions)
            hub_part, hub_aside = self._roll_back_hub(record.to_version)
            record.state = advance(record.state, UpdateEvent.TRIAL_FAILED)
            record.reason = (f"rolled back to {record.from_version}: {reason} "
                             f"({carried} submission(s){hub_part} from the trial kept"
                             f"{hub_aside})")
            record.bad_versions = sorted({*record.bad_versions, record.to_version})
            self._save(record)
        finally:
            # Whatever failed above, the kiosk serves again (the state file still says
            # TRIAL when the rollback did not finish, so the next check retries it).
            self.services.start()

    def _take_copies(self, target: str) -> None:
        """What rolling the switch to ``target`` back restores, taken while nothing writes:
        the kiosk's database and the hub's (a hub never started has no file yet)."""
        _copy_database(self.paths.database, self.paths.copy_before(target))
        hub, hub_copy = self.paths.hub_database, self.paths.hub_copy_before(target)
        if hub is not None and hub_copy is not None and hub.exists():
            _copy_database(hub, hub_copy)

    def _restore_hub(self, version: str, carry_from: Path | None = None) -> None:
        """Put back the hub's copy taken before ``version`` (if any), carrying the queue
        of ``carry_from`` into it."""
        hub, copy = self.paths.hub_database, self.paths.hub_copy_before(version)
        if hub is None or copy is None or not copy.exists():
            return
        _copy_database(copy, hub)
        if carry_from is not None and carry_from.exists():
            carry_hub_queue(hub, carry_from)
            _hand_to_directory_owner(hub)

    def _roll_back_hub(self, version: str) -> tuple[str, str]:
        """The hub's database back to its copy from before ``version``, with the queue of
        the trial carried over (the trial's file kept beside it); what the rollback's
        reason says of it, within and after its "kept" (both "" when there is no hub).

        With no copy (the hub first started during the trial) the trial's file is set
        aside: the older hub would refuse its newer schema, and starts a fresh one.
        """
        hub, copy = self.paths.hub_database, self.paths.hub_copy_before(version)
        if hub is None or copy is None:
            return "", ""
        trial = hub.with_name(f"db-trial-{version}.sqlite3")
        if not copy.exists():
            if not hub.exists() and not trial.exists():
                return "", ""  # no hub ran, before or during the trial
            if hub.exists():
                _keep_once(hub, trial)
                _remove_database(hub)
            return "", f"; the hub's database of the trial set aside as {trial.name}"
        tickets = _restore_carrying(
            hub, copy, trial, lambda restored, source: carry_hub_queue(restored, source).tickets)
        return f" and {tickets} hub ticket(s)", ""

    def _prune_wheels(self, kept: str, previous: str | None) -> None:
        """Keep in ``wheels/`` only what the kept and the previous release locked.

        Both must have been installed from a bundle (their ``requirements.lock``): a
        release install-pi or a plain wheel installed names no lock, and then nothing is
        deleted. The previous release's too: going back to it reinstalls it.
        """
        folders = [self.paths.releases / version for version in (kept, previous) if version]
        locks = [folder / RELEASE_LOCK for folder in folders]
        wheels = self.paths.root / "wheels"
        if len(locks) == 2 and all(lock.exists() for lock in locks) and wheels.is_dir():
            deleted = prune_wheels(wheels, [lock.read_text(encoding="utf-8") for lock in locks])
            _log.info("update: %d wheel(s) no kept release locks deleted", len(deleted))

    def _prune(self, keep: set[str | None]) -> None:
        """Delete release environments other than the current and the previous one."""
        with contextlib.suppress(FileNotFoundError):
            keep.add(self.paths.known_good.readlink().name)
        for release in self.paths.releases.iterdir():
            if release.name not in keep:
                shutil.rmtree(release, ignore_errors=True)


    def _prune_copies(self, keep: str) -> None:
        """Delete the pre-update database copies (the kiosk's and the hub's) other than
        the kept release's.

        Only ``db-before-<running>`` is ever restored (a rollback of the running release,
        or a downgrade below its schema); older ones are whole databases that would pile
        up with every update. The trial files (``db-trial-*``) are never deleted.
        """
        wanted = self.paths.copy_before(keep).name
        hub = self.paths.hub_database
        for folder in {self.paths.database.parent, *([] if hub is None else [hub.parent])}:
            for copy in folder.glob("db-before-*.sqlite3"):
                if copy.name != wanted:
                    _remove_database(copy)


def _point(link: Path, target: Path) -> None:
    """Make ``link`` point at ``target`` atomically (a reader never sees it missing)."""
    temporary = link.with_name(link.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target.relative_to(link.parent))
    temporary.replace(link)  # rename(2): atomic


def _restore_carrying(
    live: Path, before: Path, trial: Path, carry: Callable[[Path, Path], int],
) -> int:
    """Put the copy ``before`` back over ``live`` with what the trial wrote carried into
    it, the trial's file kept as ``trial``; the rows carried (as ``carry`` counts them).

    Safe to repeat after a failure or a power cut at any step (the state file still says
    TRIAL and the next check runs this again): ``trial`` is written once and never
    overwritten; the restored file is built beside as a scratch file and renamed over
    ``live`` in one step, so ``live`` is always either the trial's file or the whole
    result. A repeat carries from ``live`` too: what the older release wrote there after
    a first attempt restored it (the services start again even when a rollback fails).
    """
    if live.exists():
        _keep_once(live, trial)
    scratch = live.with_name(f"{live.stem}.rollback{live.suffix}")
    _remove_database(scratch)
    _copy_database(before, scratch)
    # The trial's file, then the live one: identical at a first attempt (nothing more to
    # carry), the restored file plus what was written since at a repeat.
    carried = sum(carry(scratch, source) for source in (trial, live) if source.exists())
    _settle(scratch)
    _hand_to_directory_owner(scratch)
    if live.exists():
        _settle(live)  # its -wal must not be replayed into the file renamed over it
    for journal in _with_journals(live)[1:]:
        journal.unlink(missing_ok=True)
    scratch.replace(live)  # rename(2): atomic
    return carried


def _keep_once(source: Path, kept: Path) -> None:
    """A copy of the database ``source`` as ``kept``, unless ``kept`` already exists.

    Written under a temporary name and renamed: ``kept`` is never a half copy, and a
    repeated rollback never writes the restored file over the trial's.
    """
    if kept.exists():
        return
    part = kept.with_name(kept.name + ".part")
    _remove_database(part)
    _copy_database(source, part)
    _settle(part)
    part.replace(kept)


def _settle(database: Path) -> None:
    """Fold the ``-wal`` of ``database`` into it and delete its journals, so the file
    alone is the whole database (it can be renamed)."""
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for journal in _with_journals(database)[1:]:
        journal.unlink(missing_ok=True)


def _verified_already(manifest: Manifest, artifact: Path) -> bool:
    """Whether ``artifact`` is there from an earlier run (postponed, or its install failed)
    and still the manifest's (size and SHA-256, checked again: an SD card can corrupt it).
    One that is not is deleted (downloaded again)."""
    if not artifact.exists():
        return False
    try:
        check_artifact(manifest, artifact)
    except (ManifestError, OSError):
        artifact.unlink(missing_ok=True)
        return False
    return True


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite file ``source`` (WAL included) over ``target``."""
    if not source.exists():
        raise UpdateError(f"{source} does not exist")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()
    # Both: a read-only connection to a WAL file leaves its -wal and -shm behind, root's.
    _hand_to_directory_owner(source)
    _hand_to_directory_owner(target)


_JOURNALS = ("-wal", "-shm", "-journal")


def _with_journals(database: Path) -> list[Path]:
    """The SQLite file and the journal files SQLite may keep beside it."""
    return [database, *(database.with_name(database.name + suffix) for suffix in _JOURNALS)]


def _remove_database(database: Path) -> None:
    """Delete a database file and its journals (a stale ``-wal`` must not outlive its file)."""
    for path in _with_journals(database):
        path.unlink(missing_ok=True)


def _hand_to_directory_owner(database: Path) -> None:
    """Give a database file root wrote (and its journal files) to its directory's owner.

    The update unit runs as root, but the kiosk user opens these files next (the migration
    runs as that user, the services reopen the live file, a rollback restores a copy): a
    root-owned file or ``-wal`` in the data directory would stop the kiosk.
    """
    if os.geteuid() != 0:
        return  # not root: what we write is ours, as the directory is
    owner = database.parent.stat()
    for path in _with_journals(database):
        with contextlib.suppress(FileNotFoundError):
            found = path.stat()
            if (found.st_uid, found.st_gid) != (owner.st_uid, owner.st_gid):
                os.chown(path, owner.st_uid, owner.st_gid)


def _schema_of(database: Path) -> int:
    """The schema version written in ``database`` (0 for a new or empty file)."""
    if not database.exists():
        return 0
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()
    return 0 if row is None else int(row[0])
