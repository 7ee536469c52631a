"""The keyed hash of an ID number (kiosk/card_lookup.py)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kiosk.card_lookup import PURPOSE, CardKeyError, CardLookupKey

KEY = CardLookupKey.from_hex("2026-1", "11" * 32)
NUMBER = "001099012345"


def test_the_hash_is_hmac_sha256_of_the_number_bound_to_its_purpose() -> None:
    expected = hmac.new(b"\x11" * 32, PURPOSE + NUMBER.encode(), hashlib.sha256).hexdigest()
    assert KEY.card_hash(NUMBER) == expected
    assert KEY.card_hash(f" {NUMBER} ") == expected


def test_the_hash_reveals_nothing_without_the_key() -> None:
    # neither the number nor its plain hash appears in what the kiosk would send
    sent = KEY.card_hash(NUMBER)
    assert NUMBER not in sent
    assert sent != hashlib.sha256(NUMBER.encode()).hexdigest()
    # ... and another key gives another hash: trying numbers needs the key
    other = CardLookupKey.from_hex("2026-2", "22" * 32)
    assert other.card_hash(NUMBER) != sent
    # ... while every kiosk with the city's key finds the same applications
    assert CardLookupKey.from_hex("2026-1", "11" * 32).card_hash(NUMBER) == sent


def test_the_secret_stays_out_of_repr() -> None:
    assert "11" * 4 not in repr(KEY)


@pytest.mark.parametrize(
    ("key_id", "secret", "message"),
    [("k", "zz" * 32, "not hexadecimal"), ("k", "11" * 16, "has 16 bytes; at least 32"),
     ("", "11" * 32, "has no id")],
)  # fmt: skip
def test_an_unusable_key_is_refused_saying_why(key_id: str, secret: str, message: str) -> None:
    with pytest.raises(CardKeyError, match=message):
        CardLookupKey.from_hex(key_id, secret)
