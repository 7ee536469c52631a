""""Cần hỗ trợ": what the citizen is told, from what the hub did (kiosk/staff_help.py)."""

from __future__ import annotations

from kiosk.staff_help import REPEAT_SECONDS, FakeStaffCaller, HelpOutcome, StaffHelp


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_call_a_console_showed_says_someone_is_coming() -> None:
    hub = FakeStaffCaller(consoles=2)
    assert StaffHelp(hub).ask("queue") is HelpOutcome.COMING
    assert hub.calls == ["queue"]


def test_without_a_hub_the_citizen_is_sent_to_the_desk() -> None:
    assert StaffHelp(None).ask("welcome") is HelpOutcome.GO_TO_DESK


def test_a_hub_that_cannot_be_reached_sends_the_citizen_to_the_desk() -> None:
    hub = FakeStaffCaller(fail=True)
    assert StaffHelp(hub).ask("status") is HelpOutcome.GO_TO_DESK
    assert hub.calls == []


def test_a_call_no_console_showed_sends_the_citizen_to_the_desk() -> None:
    # GIVEN a hub with no officer's console open: nobody would see the alert
    hub = FakeStaffCaller(consoles=0)
    help_ = StaffHelp(hub)
    assert help_.ask("status") is HelpOutcome.GO_TO_DESK
    # ... and a second touch asks again (nobody was told the first time)
    assert help_.ask("status") is HelpOutcome.GO_TO_DESK
    assert hub.calls == ["status", "status"]


def test_touching_again_soon_after_a_heard_call_does_not_call_again() -> None:
    clock, hub = Clock(), FakeStaffCaller()
    help_ = StaffHelp(hub, clock=clock)
    assert help_.ask("queue") is HelpOutcome.COMING
    clock.now += REPEAT_SECONDS - 1
    assert help_.ask("feedback") is HelpOutcome.ALREADY_COMING
    assert hub.calls == ["queue"]
    # WHEN the repeat time has passed, a touch calls again
    clock.now += 1
    assert help_.ask("feedback") is HelpOutcome.COMING
    assert hub.calls == ["queue", "feedback"]


def test_the_next_citizen_calls_afresh() -> None:
    clock, hub = Clock(), FakeStaffCaller()
    help_ = StaffHelp(hub, clock=clock)
    help_.ask("queue")
    help_.forget()  # the session was wiped
    assert help_.ask("welcome") is HelpOutcome.COMING
    assert hub.calls == ["queue", "welcome"]
