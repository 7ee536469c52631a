"""What the city learns of a kiosk's last update: read from the updater's ``update.json``.

The updater (sync/updater.py, run as root) keeps the state of the last update in
``update.root``/``update.json``; the agent (the kiosk user) reads it for each heartbeat so
that the fleet page can show, per kiosk, the channel it follows, where its last update
stands, and why it was refused or rolled back. The doctor's "updates" check reads it the
same way. Nothing here writes the file.

The file says two things, each with its own words:

- ``state`` and ``reason``: where the last switch stands, in the words its own step wrote
  ("trial of 2.4.0", "trial passed", "rolled back to 2.3.1: ...");
- ``problem`` (:class:`kiosk.update_policy.OfferProblem`) and ``problem_reason``: what
  kept the release offered since from being switched to ("refused: ...", "download of
  2.5.0 failed: ...", "2.5.0 postponed: ...").

The classification is those fields, never the words: the words are shown as they are.
A file written before ``problem`` existed (the first updater of issue 16) held one
``reason``, a later offer's words written over the state's own; for it alone the problem
is inferred from those words (:func:`legacy_problem`), as that updater wrote them.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.update_policy import NOT_APPLIED, OfferProblem, UpdateState

#: The updater's state file under ``update.root`` (sync.updater.STATE_FILE).
STATE_FILE = "update.json"
#: The longest reason sent to the city (a refusal names a file or an error; more is noise).
MAX_REASON = 300


class UpdateProblem(enum.Enum):
    """Why the fleet page should look at a kiosk's updates (the heartbeat's ``problem``)."""

    REFUSED = "refused"  # the offered release was refused (signature, channel, schema)
    FAILED = "failed"  # applying it failed (download, install, database): nothing switched
    ROLLED_BACK = "rolled_back"  # the release failed its trial and was rolled back


#: The offer problems the fleet is told of, as the heartbeat names them.
_REPORTED = {OfferProblem.REFUSED: UpdateProblem.REFUSED,
             OfferProblem.FAILED: UpdateProblem.FAILED}
assert set(_REPORTED) == NOT_APPLIED


@dataclass(frozen=True)
class LastUpdate:
    """The last update as the heartbeat reports it (and the doctor check shows it)."""

    state: UpdateState
    #: The release the last switch went to (None before the first).
    target_version: str | None
    #: A later offer not applied, else a rollback, else None: one problem, the most recent.
    problem: UpdateProblem | None
    #: Why it was refused, failed or rolled back (None without a problem, or when a file of
    #: the first updater lost the rollback's words under a later refusal's).
    reason: str | None
    #: Why the offered release waits for the next run (a citizen at the kiosk): no problem.
    postponed: str | None = None


@dataclass(frozen=True)
class Problem:
    """``update.json``'s problem with both reasons, however old the file."""

    problem: OfferProblem
    #: The state's own words ("" when a file of the first updater lost them).
    state_reason: str
    #: The problem's words ("" without one).
    problem_reason: str


def legacy_problem(state: UpdateState, reason: str) -> OfferProblem:
    """The problem of a file without ``problem``, from the first updater's wording.

    That updater wrote ``reason`` = the state's own words, or a later offer's words over
    them: "refused: ..." for a refusal, "X postponed: ..." for a postponement, anything
    else (a download, install or database step) for a failure.
    """
    if " postponed: " in reason:
        return OfferProblem.POSTPONED
    if _states_own_reason(state, reason):
        return OfferProblem.NONE
    return OfferProblem.REFUSED if reason.startswith("refused:") else OfferProblem.FAILED


def _states_own_reason(state: UpdateState, reason: str) -> bool:
    """Whether ``reason`` is the one ``state``'s own step wrote in the first updater."""
    if state is UpdateState.IDLE:
        return reason == ""
    if state is UpdateState.TRIAL:
        return reason.startswith("trial of ")
    if state is UpdateState.CONFIRMED:
        return reason == "trial passed"
    if state is UpdateState.ROLLED_BACK:
        return reason.startswith("rolled back to ")
    return True  # DOWNLOADED and INSTALLED are never saved: nothing to tell apart


def read_problem(record: dict[str, object], state: UpdateState) -> Problem:
    """The problem of ``update.json``'s object in ``state`` (ValueError when it is not the
    updater's); inferred from the wording only for a file without ``problem``."""
    reason = record.get("reason") or ""
    if not isinstance(reason, str):
        raise ValueError("update.json: 'reason' must be text")
    if "problem" not in record:
        found = legacy_problem(state, reason)
        if found is OfferProblem.NONE:
            return Problem(found, reason, "")
        return Problem(found, "", reason)
    try:
        problem = OfferProblem(record["problem"])
    except ValueError:
        raise ValueError(f"unknown update problem {record['problem']!r}") from None
    problem_reason = record.get("problem_reason") or ""
    if not isinstance(problem_reason, str):
        raise ValueError("update.json: 'problem_reason' must be text")
    return Problem(problem, reason, problem_reason if problem is not OfferProblem.NONE else "")


def _cut(reason: str) -> str | None:
    return reason[:MAX_REASON] or None


def last_update(record: object) -> LastUpdate:
    """The report of ``update.json``'s object (ValueError when it is not the updater's)."""
    if not isinstance(record, dict):
        raise ValueError("update.json does not hold an object")
    try:
        state = UpdateState(record["state"])
    except (KeyError, ValueError):
        raise ValueError(f"unknown update state {record.get('state')!r}") from None
    target = record.get("to")
    if target is not None and not isinstance(target, str):
        raise ValueError("update.json: 'to' must be text")
    found = read_problem(record, state)
    postponed = (_cut(found.problem_reason) if found.problem is OfferProblem.POSTPONED
                 else None)
    if found.problem in _REPORTED:
        return LastUpdate(state, target, _REPORTED[found.problem],
                          _cut(found.problem_reason), postponed)
    if state is UpdateState.ROLLED_BACK:
        return LastUpdate(state, target, UpdateProblem.ROLLED_BACK,
                          _cut(found.state_reason), postponed)
    return LastUpdate(state, target, None, None, postponed)


def read_last_update(update_root: Path) -> LastUpdate | None:
    """The last update under ``update_root``; None when the updater never wrote one.

    Raises ValueError for a file that is there but unreadable or not the updater's (the
    caller logs it: a heartbeat is never lost over it).
    """
    path = update_root / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    return last_update(record)
