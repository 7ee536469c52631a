"""What the city learns of a kiosk's last update: read from the updater's ``update.json``.

The updater (sync/updater.py, run as root) keeps the state of the last update in
``update.root``/``update.json``; the agent (the kiosk user) reads it for each heartbeat so
that the fleet page can show, per kiosk, the channel it follows, where its last update
stands, and why it was refused or rolled back. Nothing here writes the file.

The file holds one ``reason``: the one the state's own step wrote ("trial of 2.4.0",
"trial passed", "rolled back to 2.3.1: ..."), or, when a later offer could not be applied,
the updater's refusal ("refused: ...") or failure ("download of 2.5.0 failed: ...") on top
of the state it left as it was. :func:`last_update` tells these apart.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.update_policy import UpdateState

#: The updater's state file under ``update.root`` (sync.updater.STATE_FILE).
STATE_FILE = "update.json"
#: The longest reason sent to the city (a refusal names a file or an error; more is noise).
MAX_REASON = 300
#: The reason ``judge_trial`` gives a release that passed its trial.
TRIAL_PASSED = "trial passed"
#: How the updater's refusals begin (a manifest, a signature or the schema said no).
REFUSED_PREFIX = "refused:"
#: In the reason of an update that waits for nobody to be at the kiosk (sync/updater.py):
#: normal, not a problem ("2.5.0 postponed: a citizen was using the kiosk for 10 min").
POSTPONED = " postponed: "


class UpdateProblem(enum.Enum):
    """Why the fleet page should look at a kiosk's updates."""

    REFUSED = "refused"  # the offered release was refused (signature, channel, schema)
    FAILED = "failed"  # applying it failed (download, install, database): nothing switched
    ROLLED_BACK = "rolled_back"  # the release failed its trial and was rolled back


@dataclass(frozen=True)
class LastUpdate:
    """The last update as the heartbeat reports it."""

    state: UpdateState
    #: The release the last switch went to (None before the first).
    target_version: str | None
    problem: UpdateProblem | None
    #: Why it was refused, failed or rolled back (None without a problem).
    reason: str | None


def _states_own_reason(state: UpdateState, reason: str) -> bool:
    """Whether ``reason`` is the one ``state``'s own step wrote (no refusal on top)."""
    if state is UpdateState.IDLE:
        return reason == ""
    if state is UpdateState.TRIAL:
        return reason.startswith("trial of ")
    if state is UpdateState.CONFIRMED:
        return reason == TRIAL_PASSED
    if state is UpdateState.ROLLED_BACK:
        return reason.startswith("rolled back to ")
    return True  # DOWNLOADED and INSTALLED are never saved: nothing to tell apart


def last_update(record: object) -> LastUpdate:
    """The report of ``update.json``'s object (ValueError when it is not the updater's)."""
    if not isinstance(record, dict):
        raise ValueError("update.json does not hold an object")
    try:
        state = UpdateState(record["state"])
    except (KeyError, ValueError):
        raise ValueError(f"unknown update state {record.get('state')!r}") from None
    target = record.get("to")
    reason = record.get("reason") or ""
    if not isinstance(reason, str) or (target is not None and not isinstance(target, str)):
        raise ValueError("update.json: 'to' and 'reason' must be text")
    problem: UpdateProblem | None = None
    if POSTPONED in reason:
        pass  # the next run applies it
    elif not _states_own_reason(state, reason):
        refused = reason.startswith(REFUSED_PREFIX)
        problem = UpdateProblem.REFUSED if refused else UpdateProblem.FAILED
    elif state is UpdateState.ROLLED_BACK:
        problem = UpdateProblem.ROLLED_BACK
    return LastUpdate(state, target, problem,
                      reason[:MAX_REASON] if problem is not None else None)


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
