"""The update policy: the state machine, which offers to take, and the trial's verdict."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.release import Manifest, Version, parse_manifest
from kiosk.update_policy import (
    WORLD_CHECKS,
    OfferDecision,
    TrialFacts,
    TrialVerdict,
    UpdateEvent,
    UpdateState,
    UpdateStateError,
    advance,
    judge_trial,
    plan_offer,
)


def offer(version: str, low: int, high: int) -> Manifest:
    return parse_manifest(json.dumps({
        "format": "motcua-release/1", "version": version, "channel": "stable",
        "artifact": {"name": "a.whl", "sha256": "0" * 64, "size": 1},
        "schema": {"min": low, "max": high}, "created_at": "2026-12-07T09:00:00+07:00",
    }).encode())


RUNNING = Version(2, 3, 1)


def test_a_successful_update_walks_to_confirmed():
    state = UpdateState.IDLE
    for event in (UpdateEvent.DOWNLOAD_VERIFIED, UpdateEvent.INSTALL_SUCCEEDED,
                  UpdateEvent.SWITCHED, UpdateEvent.TRIAL_PASSED):
        state = advance(state, event)
    assert state is UpdateState.CONFIRMED
    assert advance(state, UpdateEvent.NEW_OFFER) is UpdateState.IDLE


def test_a_failed_install_goes_back_to_idle_and_a_failed_trial_to_rolled_back():
    assert advance(UpdateState.DOWNLOADED, UpdateEvent.INSTALL_FAILED) is UpdateState.IDLE
    assert advance(UpdateState.TRIAL, UpdateEvent.TRIAL_FAILED) is UpdateState.ROLLED_BACK


def test_an_event_out_of_order_is_refused():
    with pytest.raises(UpdateStateError, match="switched cannot happen in state downloaded"):
        advance(UpdateState.DOWNLOADED, UpdateEvent.SWITCHED)
    with pytest.raises(UpdateStateError):
        advance(UpdateState.CONFIRMED, UpdateEvent.TRIAL_FAILED)


def test_the_running_release_and_a_known_bad_one_are_ignored():
    assert plan_offer(RUNNING, offer("2.3.1", 1, 19), 19).decision is OfferDecision.IGNORE
    bad = frozenset({Version(2, 4, 0)})
    plan = plan_offer(RUNNING, offer("2.4.0", 1, 20), 19, bad_versions=bad)
    assert plan.decision is OfferDecision.IGNORE
    assert plan.reason == "2.4.0 failed its trial on this kiosk; waiting for another"


def test_an_upgrade_migrates_a_copy():
    plan = plan_offer(RUNNING, offer("2.4.0", 12, 20), 19)
    assert (plan.decision, plan.reason) == (OfferDecision.MIGRATE, "schema 19 -> 20 on a copy")


def test_a_downgrade_that_reads_the_database_is_a_plain_switch():
    assert plan_offer(RUNNING, offer("2.2.0", 12, 19), 19).decision is OfferDecision.MIGRATE


def test_a_database_older_than_the_release_can_migrate_is_refused():
    plan = plan_offer(RUNNING, offer("3.0.0", 15, 25), 12)
    assert plan.decision is OfferDecision.REFUSE
    assert plan.reason.startswith("3.0.0 migrates databases from schema 15; this one is at 12")


def test_a_downgrade_never_strands_a_newer_database():
    # 2.3.1 migrated the database to 20; 2.2.0 reads up to 19.
    downgrade = offer("2.2.0", 12, 19)
    refused = plan_offer(RUNNING, downgrade, 20, pre_update_copy_schema=None)
    assert refused.decision is OfferDecision.REFUSE
    assert "no older copy it can read is kept" in refused.reason
    restored = plan_offer(RUNNING, downgrade, 20, pre_update_copy_schema=19)
    assert restored.decision is OfferDecision.RESTORE_COPY
    assert restored.reason == (
        "2.2.0 reads schema up to 19; the database is at 20: the copy at schema 19 is restored"
    )
    # A copy that is itself too new for the downgrade does not help.
    assert plan_offer(RUNNING, offer("2.0.0", 5, 17), 20,
                      pre_update_copy_schema=19).decision is OfferDecision.REFUSE


START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
DEADLINE = START + dt.timedelta(minutes=5)


def facts(**changes: object) -> TrialFacts:
    values: dict[str, object] = {
        "now": START + dt.timedelta(minutes=1), "deadline": DEADLINE,
        "doctor_faults": frozenset(), "baseline_faults": frozenset(), "restarts": 0,
        "watchdog_fired": False, "services_active": True,
    }
    values.update(changes)
    return TrialFacts(**values)  # type: ignore[arg-type]


def test_a_healthy_release_waits_until_the_deadline_then_passes():
    assert judge_trial(facts()).verdict is TrialVerdict.WAIT
    assert judge_trial(facts(now=DEADLINE)).verdict is TrialVerdict.KEEP


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"watchdog_fired": True}, "the watchdog fired"),
        ({"restarts": 3}, "the services restarted 3 times"),
        ({"doctor_faults": None}, "doctor did not run"),
        (
            {"doctor_faults": frozenset({"database", "printer"})},
            "new doctor fault(s): database, printer",
        ),
        ({"rebooted": True}, "the kiosk restarted during the trial"),
        (
            {"now": DEADLINE, "services_active": False},
            "the services are not running at the deadline",
        ),
    ],
)
def test_a_broken_release_is_rolled_back_with_the_reason(changes, reason):
    judgement = judge_trial(facts(**changes))
    assert (judgement.verdict, judgement.reason) == (TrialVerdict.ROLL_BACK, reason)


def test_a_fault_the_old_release_had_too_does_not_roll_back():
    printer_out = frozenset({"printer"})
    judgement = judge_trial(
        facts(now=DEADLINE, doctor_faults=printer_out, baseline_faults=printer_out)
    )
    assert judgement.verdict is TrialVerdict.KEEP


@pytest.mark.parametrize("world", sorted(WORLD_CHECKS))
def test_a_fault_of_the_world_around_the_kiosk_during_the_trial_does_not_roll_back(world):
    # the paper runs out, the city's server restarts, a reader is unplugged mid-trial
    during = facts(doctor_faults=frozenset({world}))
    assert judge_trial(during).verdict is TrialVerdict.WAIT
    assert judge_trial(facts(now=DEADLINE, doctor_faults=frozenset({world}))).verdict \
        is TrialVerdict.KEEP


def test_the_world_s_faults_do_not_hide_the_release_s_own():
    judgement = judge_trial(facts(doctor_faults=frozenset({"city backend", "database"})))
    assert (judgement.verdict, judgement.reason) == (
        TrialVerdict.ROLL_BACK, "new doctor fault(s): database")
    world = {"city backend", "receipt printer", "print queue", "code reader", "clock",
             "disk space", "sound output"}
    assert world == WORLD_CHECKS


def test_two_restarts_are_tolerated_and_a_stopped_service_waits_before_the_deadline():
    assert judge_trial(facts(restarts=2)).verdict is TrialVerdict.WAIT
    assert judge_trial(facts(services_active=False)).verdict is TrialVerdict.WAIT
