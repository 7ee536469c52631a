"""The technician PIN: hashed, growing delays, a lock that survives restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.technician_pin import (
    LOCK_SECONDS,
    MAX_FAILURES,
    PinError,
    PinGate,
    PinOutcome,
    hash_pin,
    verify_pin,
)

STORED = hash_pin("246810")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_pin_is_stored_only_as_a_salted_scrypt_hash() -> None:
    assert STORED.startswith("scrypt$16384$8$1$")
    assert "246810" not in STORED
    assert hash_pin("246810") != STORED  # a fresh salt each time
    assert verify_pin("246810", STORED) is True
    assert verify_pin("246811", STORED) is False


@pytest.mark.parametrize("pin", ["12345", "abcdef", "1234567890123", ""])
def test_short_or_non_digit_pins_are_refused(pin: str) -> None:
    with pytest.raises(PinError, match="6 to 12 digits"):
        hash_pin(pin)


def test_a_damaged_stored_hash_is_reported() -> None:
    with pytest.raises(PinError, match="not readable"):
        verify_pin("246810", "md5$abc")


def test_wrong_pins_cost_growing_delays_then_lock(tmp_path: Path) -> None:
    clock = Clock()
    gate = PinGate(tmp_path / "pin-state.json", STORED, clock)
    waits = []
    for _ in range(MAX_FAILURES - 1):
        result = gate.enter("000000")
        assert result.outcome is PinOutcome.REJECTED
        waits.append(result.retry_after)
        # trying again at once is refused without checking the PIN
        assert gate.enter("246810").outcome is PinOutcome.WAIT
        clock.now += result.retry_after
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    locked = gate.enter("000000")
    assert (locked.outcome, locked.retry_after, locked.failures) == (
        PinOutcome.LOCKED, LOCK_SECONDS, MAX_FAILURES,
    )
    clock.now += LOCK_SECONDS - 1
    assert gate.enter("246810").outcome is PinOutcome.LOCKED
    # the lock survives an app restart
    restarted = PinGate(tmp_path / "pin-state.json", STORED, clock)
    assert restarted.status().outcome is PinOutcome.LOCKED
    clock.now += 2
    assert restarted.enter("246810").outcome is PinOutcome.ACCEPTED
    assert restarted.status().failures == 0


def test_a_clock_going_backwards_keeps_the_lock(tmp_path: Path) -> None:
    clock = Clock()
    gate = PinGate(tmp_path / "pin-state.json", STORED, clock)
    for _ in range(MAX_FAILURES):
        clock.now += 100
        gate.enter("000000")
    clock.now = 0.0  # rebooted without a clock battery: 1970
    assert gate.status().outcome is PinOutcome.LOCKED
    gate.unlock()
    assert gate.enter("246810").outcome is PinOutcome.ACCEPTED


def test_no_pin_set_means_no_entry(tmp_path: Path) -> None:
    gate = PinGate(tmp_path / "pin-state.json", "")
    assert gate.enter("246810").outcome is PinOutcome.NOT_SET
