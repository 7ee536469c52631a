"""What the heartbeat says of the last update, from the updater's ``update.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.update_policy import OfferProblem, UpdateState
from kiosk.update_report import (
    MAX_REASON,
    LastUpdate,
    UpdateProblem,
    last_update,
    legacy_problem,
    read_last_update,
)


def record(state: str, to: str | None, reason: str, problem: str = "none",
           problem_reason: str = "") -> dict[str, object]:
    """update.json's object as sync/updater.py's UpdateRecord.to_json writes it."""
    return {"state": state, "from": "2.3.1", "to": to, "since": None, "deadline": None,
            "reason": reason, "problem": problem, "problem_reason": problem_reason,
            "baseline_faults": [], "restarts_at_switch": {}, "boot_id": "b",
            "bad_versions": [], "watched_services": []}


def legacy(state: str, to: str | None, reason: str) -> dict[str, object]:
    """update.json's object as the first updater wrote it: no ``problem``, one reason."""
    found = record(state, to, reason)
    del found["problem"], found["problem_reason"]
    return found


ROLLBACK = "rolled back to 2.3.1: the watchdog fired (0 submission(s) from the trial kept)"


@pytest.mark.parametrize(("given", "expected"), [
    # each state with the words its own step wrote: no problem but a rollback
    (record("idle", None, ""), LastUpdate(UpdateState.IDLE, None, None, None)),
    (record("trial", "2.4.0", "trial of 2.4.0"),
     LastUpdate(UpdateState.TRIAL, "2.4.0", None, None)),
    (record("confirmed", "2.4.0", "trial passed"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None)),
    (record("rolled_back", "2.4.0", ROLLBACK),
     LastUpdate(UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.ROLLED_BACK, ROLLBACK)),
    # a later offer refused or failed, beside the state the updater left as it was
    (record("idle", None, "", "refused", "refused: no trusted key signed this manifest"),
     LastUpdate(UpdateState.IDLE, None, UpdateProblem.REFUSED,
                "refused: no trusted key signed this manifest")),
    (record("confirmed", "2.4.0", "trial passed", "failed",
            "download of 2.5.0 failed: HTTP 503"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", UpdateProblem.FAILED,
                "download of 2.5.0 failed: HTTP 503")),
    # waiting for nobody to be at the kiosk is no problem: the next run applies it
    (record("confirmed", "2.4.0", "trial passed", "postponed",
            "2.5.0 postponed: a citizen was using the kiosk for 10 min"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None,
                postponed="2.5.0 postponed: a citizen was using the kiosk for 10 min")),
    # rolled back, then a later offer refused: the refusal is the news (the state still
    # says rolled back, and the city warns of both)
    (record("rolled_back", "2.4.0", ROLLBACK, "refused",
            "refused: 2.2.0 reads schema up to 18 but the database is at 19"),
     LastUpdate(UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.REFUSED,
                "refused: 2.2.0 reads schema up to 18 but the database is at 19")),
])
def test_the_state_its_target_and_a_problem_with_its_reason(
        given: dict[str, object], expected: LastUpdate) -> None:
    assert last_update(given) == expected


@pytest.mark.parametrize(("problem", "reported"), [
    ("refused", UpdateProblem.REFUSED),
    ("failed", UpdateProblem.FAILED),
    ("postponed", None),
    ("none", None),
])
def test_the_problem_field_classifies_whatever_the_words_say(
        problem: str, reported: UpdateProblem | None) -> None:
    # GIVEN words that the first updater's wording rules would have read otherwise
    for words in ("refused: the manifest is signed for channel 'stable'",
                  "2.5.0 postponed: a citizen was using the kiosk for 10 min",
                  "Bản 2.5.0 không cài được", ""):
        found = last_update(record("confirmed", "2.4.0", "kept after 5 min", problem, words))
        # THEN the field alone decides, and the words are passed on as they are
        assert found.problem is reported
        assert found.reason == ((words or None) if reported is not None else None)
    rolled_back = last_update(record("rolled_back", "2.4.0", "went back, 3 crashes"))
    assert (rolled_back.problem, rolled_back.reason) == (
        UpdateProblem.ROLLED_BACK, "went back, 3 crashes")


@pytest.mark.parametrize(("given", "expected"), [
    (legacy("confirmed", "2.4.0", "trial passed"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None)),
    (legacy("rolled_back", "2.4.0", ROLLBACK),
     LastUpdate(UpdateState.ROLLED_BACK, "2.4.0", UpdateProblem.ROLLED_BACK, ROLLBACK)),
    (legacy("idle", None, "refused: no trusted key signed this manifest"),
     LastUpdate(UpdateState.IDLE, None, UpdateProblem.REFUSED,
                "refused: no trusted key signed this manifest")),
    (legacy("confirmed", "2.4.0", "download of 2.5.0 failed: HTTP 503"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", UpdateProblem.FAILED,
                "download of 2.5.0 failed: HTTP 503")),
    (legacy("confirmed", "2.4.0", "2.5.0 postponed: a citizen was using the kiosk for 10 min"),
     LastUpdate(UpdateState.CONFIRMED, "2.4.0", None, None,
                postponed="2.5.0 postponed: a citizen was using the kiosk for 10 min")),
])
def test_a_file_of_the_first_updater_has_its_problem_inferred_from_its_one_reason(
        given: dict[str, object], expected: LastUpdate) -> None:
    assert last_update(given) == expected


@pytest.mark.parametrize(("state", "reason", "expected"), [
    (UpdateState.IDLE, "", OfferProblem.NONE),
    (UpdateState.TRIAL, "trial of 2.4.0", OfferProblem.NONE),
    (UpdateState.CONFIRMED, "trial passed", OfferProblem.NONE),
    (UpdateState.ROLLED_BACK, "rolled back to 2.3.1: the watchdog fired", OfferProblem.NONE),
    (UpdateState.ROLLED_BACK, "refused: signed for channel 'pilot'", OfferProblem.REFUSED),
    (UpdateState.CONFIRMED, "install of 2.5.0 failed: pip", OfferProblem.FAILED),
    (UpdateState.IDLE, "2.5.0 postponed: a citizen was using the kiosk for 10 min",
     OfferProblem.POSTPONED),
])
def test_the_first_updater_s_wording(state: UpdateState, reason: str,
                                     expected: OfferProblem) -> None:
    assert legacy_problem(state, reason) is expected


def test_a_long_reason_is_cut_for_the_heartbeat() -> None:
    found = last_update(record("idle", None, "", "failed",
                               "install of 2.5.0 failed: " + "x" * 1000))
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
    state.write_text(json.dumps(record("idle", None, "", "lost")))
    with pytest.raises(ValueError, match="unknown update problem 'lost'"):
        read_last_update(tmp_path)
    state.write_text("[]")
    with pytest.raises(ValueError, match="does not hold an object"):
        read_last_update(tmp_path)
