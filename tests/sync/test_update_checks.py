"""The updates check a technician reads in ``kiosk doctor`` and on the technician screen."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import Config, load_config
from kiosk.doctor import CheckStatus
from kiosk.release_signature import generate_key_pair
from kiosk.update_policy import OfferProblem, UpdateState
from sync.update_checks import check_updates
from sync.updater import UpdateRecord

KEY = generate_key_pair().public


def appliance(tmp_path: Path, *, keys: str = KEY, source: str = "/etc/motcua-kiosk/kiosk.toml",
              record: UpdateRecord | None = None) -> Config:
    root = tmp_path / "opt"
    (root / "releases" / "0.2.0").mkdir(parents=True)
    (root / "current").symlink_to("releases/0.2.0")
    if record is not None:
        (root / "update.json").write_text(json.dumps(record.to_json()))
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    return replace(config, values={**config.values, "update.root": str(root),
                                   "update.release_keys": keys},
                   sources={**config.sources, "update.release_keys": source})


def test_a_machine_not_installed_by_install_pi_has_no_updates_and_that_is_fine(
        tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path / "data")})
    config = replace(config, values={**config.values, "update.root": str(tmp_path)})
    check = check_updates(config)
    assert (check.status, check.detail) == (
        CheckStatus.OK, f"not installed by install-pi (no {tmp_path}/current): no updates here")


def test_without_a_release_key_every_update_is_refused_and_the_technician_is_told(
        tmp_path: Path) -> None:
    check = check_updates(appliance(tmp_path, keys=""))
    assert (check.status, check.detail, check.fix) == (
        CheckStatus.WARNING, "0.2.0, channel stable: no release key, every update is refused",
        "sudo kiosk config set --system update.release_keys KEY (docs/updates.md)")


def test_a_key_in_the_kiosk_user_s_layer_is_named_as_refused(tmp_path: Path) -> None:
    config = appliance(tmp_path, source=str(tmp_path / "data" / "technician.toml"))
    check = check_updates(config)
    assert check.status is CheckStatus.WARNING
    assert check.detail == ("0.2.0, channel stable: update.release_keys set in the technician "
                            "layer, which the root updater refuses: no update applies")


@pytest.mark.parametrize(("record", "status", "detail"), [
    (None, CheckStatus.OK, "0.2.0, channel stable: no update applied yet"),
    (UpdateRecord(UpdateState.CONFIRMED, "0.1.0", "0.2.0", reason="trial passed"),
     CheckStatus.OK, "0.2.0, channel stable: confirmed"),
    (UpdateRecord(UpdateState.TRIAL, "0.1.0", "0.2.0", deadline="2026-12-07T09:05:00+00:00",
                  reason="trial of 0.2.0"),
     CheckStatus.OK, "0.2.0, channel stable: 0.2.0 in trial"),
    (UpdateRecord(UpdateState.ROLLED_BACK, "0.2.0", "0.3.0",
                  reason="rolled back to 0.2.0: the services restarted 3 times"),
     CheckStatus.WARNING, "0.2.0, channel stable: rolled back to 0.2.0: the services "
                          "restarted 3 times"),
    (UpdateRecord(UpdateState.CONFIRMED, "0.1.0", "0.2.0", reason="trial passed",
                  problem=OfferProblem.POSTPONED,
                  problem_reason="0.3.0 postponed: a citizen was using the kiosk for 10 min"),
     CheckStatus.OK, "0.2.0, channel stable: confirmed; 0.3.0 postponed: a citizen was "
                     "using the kiosk for 10 min"),
    (UpdateRecord(UpdateState.CONFIRMED, "0.1.0", "0.2.0", reason="trial passed",
                  problem=OfferProblem.FAILED,
                  problem_reason="install of 0.3.0 failed: pip: no matching distribution"),
     CheckStatus.WARNING, "0.2.0, channel stable: install of 0.3.0 failed: pip: no matching "
                          "distribution"),
    # The problem field decides, not the words: reworded, a refusal is still a warning
    (UpdateRecord(UpdateState.CONFIRMED, "0.1.0", "0.2.0", reason="trial passed",
                  problem=OfferProblem.REFUSED,
                  problem_reason="0.3.0 not accepted: unknown signer"),
     CheckStatus.WARNING, "0.2.0, channel stable: 0.3.0 not accepted: unknown signer"),
    (UpdateRecord(UpdateState.CONFIRMED, "0.1.0", "0.2.0", reason="refused: kept anyway"),
     CheckStatus.OK, "0.2.0, channel stable: confirmed"),
])
def test_the_last_update_s_outcome_is_shown_and_a_failure_is_a_warning_never_a_fault(
        tmp_path: Path, record: UpdateRecord | None, status: CheckStatus, detail: str) -> None:
    check = check_updates(appliance(tmp_path, record=record))
    assert (check.status, check.detail) == (status, detail)


def test_a_rollback_whose_words_the_first_updater_lost_is_still_a_warning(
        tmp_path: Path) -> None:
    # GIVEN a file of the first updater: rolled back, then a refusal written over its words
    config = appliance(tmp_path)
    (tmp_path / "opt" / "update.json").write_text(json.dumps(
        {"state": "rolled_back", "from": "0.2.0", "to": "0.3.0",
         "reason": "refused: the release is signed for channel 'pilot'"}))
    check = check_updates(config)
    assert (check.status, check.detail) == (
        CheckStatus.WARNING,
        "0.2.0, channel stable: refused: the release is signed for channel 'pilot'")
    # WHEN the updater cleared the refusal (and kept no words for the rollback)
    (tmp_path / "opt" / "update.json").write_text(json.dumps(
        {"state": "rolled_back", "from": "0.2.0", "to": "0.3.0", "reason": "",
         "problem": "none", "problem_reason": ""}))
    check = check_updates(config)
    assert (check.status, check.detail) == (
        CheckStatus.WARNING, "0.2.0, channel stable: rolled_back 0.3.0")
