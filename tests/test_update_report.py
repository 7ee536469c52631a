"""What the heartbeat says of the last update, from the updater's ``update.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.update_policy import UpdateState
from kiosk.update_report import (
    MAX_REASON,
    LastUpdate,
    UpdateProblem,
    last_update,
    read_last_update,
)


def record(state: str, to: str | None, reason: str) -> dict[str, object]:
    """update.json's object as sync/updater.py's UpdateRecord.to_json writes it."""
    return {"state": state, "from": "2.3.1", "to": to, "since": None, "deadline": None,
            "reason": reason, "baseline_faults": [], "restarts_at_switch": 0,
            "boot_id": "b", "bad_versions": []}


@pytest.mark.parametrize(("state", "to", "reason", "expected"), [
    # each state with the reason its own step writes: no problem but a rollback
    ("idle", None, "", LastUpdate(UpdateState.IDLE, None, None, None)),
    ("trial", "2.4.0", "trial of 2.4.0", LastUpdate(UpdateState.TRIAL, "2.4.0", None, None)),
    ("confirmed", "2.4.0", "trial passed",
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None)),
    ("rolled_back", "2.4.0", "rolled back to 2.3.1: the watchdog fired (0 submission(s) "
     "from the trial kept)",
     LastUpdate(UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.ROLLED_BACK,
                "rolled back to 2.3.1: the watchdog fired (0 submission(s) from the trial "
                "kept)")),
    # a later offer refused or failed, on top of the state the updater left as it was
    ("idle", None, "refused: no trusted key signed this manifest",
     LastUpdate(UpdateState.IDLE, None, UpdateProblem.REFUSED,
                "refused: no trusted key signed this manifest")),
    ("confirmed", "2.4.0", "download of 2.5.0 failed: HTTP 503",
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", UpdateProblem.FAILED,
                "download of 2.5.0 failed: HTTP 503")),
    # waiting for nobody to be at the kiosk is no problem: the next run applies it
    ("confirmed", "2.4.0", "2.5.0 postponed: a citizen was using the kiosk for 10 min",
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None)),
    ("rolled_back", "2.4.0", "refused: 2.2.0 reads schema up to 18 but the database is at 19",
     LastUpdate(UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.REFUSED,
                "refused: 2.2.0 reads schema up to 18 but the database is at 19")),
])
def test_the_state_its_target_and_a_problem_with_its_reason(
        state: str, to: str | None, reason: str, expected: LastUpdate) -> None:
    assert last_update(record(state, to, reason)) == expected


def test_a_long_reason_is_cut_for_the_heartbeat() -> None:
    found = last_update(record("idle", None, "install of 2.5.0 failed: " + "x" * 1000))
    assert found.problem is UpdateProblem.FAILED
    assert found.reason is not None and len(found.reason) == MAX_REASON


def test_no_file_is_nothing_to_report_and_a_bad_one_says_why(tmp_path: Path) -> None:
    assert read_last_update(tmp_path) is None
    state = tmp_path / "update.json"
    state.write_text(json.dumps(record("trial", "2.4.0", "trial of 2.4.0")))
    assert read_last_update(tmp_path) == LastUpdate(UpdateState.TRIAL, "2.4.0", None, None)
    state.write_text("{not json")
    with pytest.raises(ValueError, match="is not JSON"):
        read_last_update(tmp_path)
    state.write_text(json.dumps(record("exploded", None, "")))
    with pytest.raises(ValueError, match="unknown update state 'exploded'"):
        read_last_update(tmp_path)
    state.write_text("[]")
    with pytest.raises(ValueError, match="does not hold an object"):
        read_last_update(tmp_path)
