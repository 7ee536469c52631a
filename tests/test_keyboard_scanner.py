"""The keyboard-mode scanner: key events -> text, by the pure KeystrokeDecoder.

Key events are produced here as a US-layout scanner types them. Data is fictional.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from types import SimpleNamespace

import pytest

from devices.keyboard_scanner import (
    KEY_CAPSLOCK,
    KEY_ENTER,
    KEY_KPENTER,
    KEY_LEFTALT,
    KEY_LEFTCTRL,
    KEY_LEFTSHIFT,
    KEY_PRESSED,
    KEY_RELEASED,
    KEY_REPEATED,
    KEYBOARD_MODE_LIMITS,
    KEYPAD_DIGITS,
    US_KEYS,
    KeyboardScanner,
    KeystrokeDecoder,
)
from kiosk.reading import ReaderError
from kiosk.scanned import ScanKind, classify
from tests.qr_images import CARD

Event = tuple[int, int]

_KEY_FOR: dict[str, tuple[int, bool]] = {}
for _code, (_plain, _shifted) in US_KEYS.items():
    if 55 <= _code <= 98 and _code != 57:
        continue  # keypad keys: a scanner types the main keys
    _KEY_FOR.setdefault(_plain, (_code, False))
    _KEY_FOR.setdefault(_shifted, (_code, _plain != _shifted))


def press(code: int) -> list[Event]:
    return [(code, KEY_PRESSED), (code, KEY_RELEASED)]


def typed(text: str, *, enter: bool = True) -> tuple[list[Event], int]:
    """The key events a US-layout scanner sends for ``text``, and how many chars it dropped.

    Like most scanners, it drops what a US keyboard cannot type (Vietnamese letters).
    """
    events: list[Event] = []
    dropped = 0
    for char in text:
        key = _KEY_FOR.get(char)
        if key is None:
            dropped += 1
            continue
        code, shifted = key
        if shifted:
            events.append((KEY_LEFTSHIFT, KEY_PRESSED))
        events += press(code)
        if shifted:
            events.append((KEY_LEFTSHIFT, KEY_RELEASED))
    if enter:
        events += press(KEY_ENTER)
    return events, dropped


def decode(events: list[Event], decoder: KeystrokeDecoder | None = None) -> list[str]:
    keys = decoder or KeystrokeDecoder()
    codes = [keys.feed(code, value) for code, value in events]
    return [code for code in codes if code is not None]


def test_ascii_text_round_trips() -> None:
    # GIVEN every printable ASCII character typed by a scanner, then Enter
    text = "".join(chr(code) for code in range(32, 127))
    events, dropped = typed(text)
    assert dropped == 0
    # WHEN the events are decoded, THEN the text comes back exactly
    assert decode(events) == [text]


def test_a_card_loses_its_vietnamese_letters_but_still_parses_as_an_id_card() -> None:
    # GIVEN a scanner in keyboard mode that drops what a US keyboard cannot type
    events, dropped = typed(CARD)
    # WHEN its key events are decoded and classified
    (text,) = decode(events)
    scanned = classify(text, today=dt.date(2026, 11, 27))
    # THEN the Vietnamese letters are gone...
    assert dropped == 9
    assert text == (
        "001099012345|123456789|Nguyn Vn An|15031999|Nam|S 1 Ph Hu, Hon Kim, H Ni|20042021"
    )
    # ...and the ID number, dates and sex checks still work
    assert scanned.kind is ScanKind.CITIZEN_ID
    assert scanned.card is not None
    assert (scanned.card.id_number, scanned.card.birth_date) == (
        "001099012345", dt.date(1999, 3, 15)
    )


def test_a_woman_s_card_typed_without_marks_still_parses() -> None:
    # GIVEN a scanner that types Vietnamese without marks ("Nữ" -> "Nu")
    card = "001199012345||Tran Thi Binh|15031999|Nu|So 1 Pho Hue, Ha Noi|20042021"
    (text,) = decode(typed(card)[0])
    # WHEN classified, THEN it is the card of a woman
    scanned = classify(text, today=dt.date(2026, 11, 27))
    assert scanned.card is not None
    assert scanned.card.sex.value == "female"


def test_unicode_alt_codes_bring_the_diacritics_back() -> None:
    # GIVEN a scanner in "Unicode Alt code" mode typing "Nữ": N, then Alt + keypad 7919
    digit_keys = {digit: code for code, digit in KEYPAD_DIGITS.items()}
    events = typed("N", enter=False)[0]
    events.append((KEY_LEFTALT, KEY_PRESSED))
    for digit in str(ord("ữ")):
        events += press(digit_keys[digit])
    events.append((KEY_LEFTALT, KEY_RELEASED))
    events += press(KEY_ENTER)
    # WHEN decoded, THEN the letter is exact
    assert decode(events) == ["Nữ"]


def test_windows_alt_codes_with_a_leading_zero_are_cp1252() -> None:
    digit_keys = {digit: code for code, digit in KEYPAD_DIGITS.items()}
    events = [(KEY_LEFTALT, KEY_PRESSED)]
    for digit in "0233":
        events += press(digit_keys[digit])
    events += [(KEY_LEFTALT, KEY_RELEASED), *press(KEY_KPENTER)]
    assert decode(events) == ["é"]


def test_caps_lock_inverts_letters_only() -> None:
    events = press(KEY_CAPSLOCK) + typed("Ab1!", enter=True)[0]
    assert decode(events) == ["aB1!"]


def test_auto_repeat_and_control_combinations_type_nothing() -> None:
    keys = KeystrokeDecoder()
    a = _KEY_FOR["a"][0]
    events = [(a, KEY_PRESSED), (a, KEY_REPEATED), (a, KEY_RELEASED)]
    events += [(KEY_LEFTCTRL, KEY_PRESSED), *press(a), (KEY_LEFTCTRL, KEY_RELEASED)]
    events += press(KEY_ENTER)
    assert decode(events, keys) == ["a"]
    assert keys.dropped_keys == 1


def test_unknown_keys_are_counted_as_dropped() -> None:
    keys = KeystrokeDecoder()
    f1 = 59
    assert decode([*press(f1), *typed("x")[0]], keys) == ["x"]
    assert keys.dropped_keys == 1


def test_a_code_without_enter_is_flushed() -> None:
    keys = KeystrokeDecoder()
    assert decode(typed("K7QM3XP5", enter=False)[0], keys) == []
    assert keys.pending is True
    assert keys.flush() == "K7QM3XP5"
    assert keys.flush() is None


def test_an_empty_enter_is_no_code() -> None:
    assert decode(press(KEY_ENTER) + press(KEY_ENTER)) == []


def test_the_key_table_matches_linux_key_codes() -> None:
    # GIVEN the kernel's key names, as evdev publishes them
    ecodes = pytest.importorskip("evdev").ecodes
    # THEN the codes the decoder uses are those keys
    expected = {
        "KEY_A": "a", "KEY_Q": "q", "KEY_Z": "z", "KEY_M": "m", "KEY_1": "1", "KEY_0": "0",
        "KEY_MINUS": "-", "KEY_SLASH": "/", "KEY_BACKSLASH": "\\", "KEY_SPACE": " ",
        "KEY_APOSTROPHE": "'", "KEY_GRAVE": "`", "KEY_DOT": ".", "KEY_SEMICOLON": ";",
    }
    assert {name: US_KEYS[ecodes.ecodes[name]][0] for name in expected} == expected
    assert (KEY_ENTER, KEY_KPENTER, KEY_LEFTSHIFT, KEY_CAPSLOCK, KEY_LEFTALT) == (
        ecodes.KEY_ENTER, ecodes.KEY_KPENTER, ecodes.KEY_LEFTSHIFT, ecodes.KEY_CAPSLOCK,
        ecodes.KEY_LEFTALT,
    )
    assert {ecodes.ecodes[f"KEY_KP{digit}"]: str(digit) for digit in range(10)} == KEYPAD_DIGITS


def test_the_diagnostic_text_states_the_limit() -> None:
    scanner = KeyboardScanner("/dev/input/by-id/usb-scanner-event-kbd")
    assert scanner.known_limits() == KEYBOARD_MODE_LIMITS
    assert "Vietnamese letters may be lost" in KEYBOARD_MODE_LIMITS
    assert "ID numbers, dates and receipt codes are not affected" in KEYBOARD_MODE_LIMITS
    assert "USB serial (CDC) mode" in KEYBOARD_MODE_LIMITS


def test_no_device_set_says_which_keyboards_exist() -> None:
    with pytest.raises(ReaderError, match=r"^scanner.keyboard_device is not set; keyboards on"):
        KeyboardScanner("").open()


def test_a_missing_device_is_a_reader_error() -> None:
    with pytest.raises(ReaderError, match=r"^no such device /dev/input/by-id/missing-event-kbd"):
        KeyboardScanner("/dev/input/by-id/missing-event-kbd").open()


def test_dropped_letters_are_the_non_ascii_ones() -> None:
    # (the typed() helper stands for a scanner: it must drop exactly the marked letters)
    text = "Nguyễn Văn An"
    assert typed(text)[1] == sum(1 for char in text if not char.isascii())
    assert unicodedata.is_normalized("NFC", text)


# --- the device loop, with a fake evdev device ------------------------------------------------


class FakeInputDevice:
    """An evdev InputDevice stand-in: a pipe makes it "readable" when events are queued."""

    def __init__(self) -> None:
        self._read_end, self._write_end = os.pipe()
        self.fd = self._read_end
        self.queued: list[SimpleNamespace] = []
        self.grabbed = True
        self.closed = False

    def send(self, events: list[Event]) -> None:
        ev_key, ev_syn = 1, 0
        for code, value in events:
            self.queued.append(SimpleNamespace(type=ev_key, code=code, value=value))
            self.queued.append(SimpleNamespace(type=ev_syn, code=0, value=0))
        os.write(self._write_end, b"x")

    def read(self) -> list[SimpleNamespace]:
        os.read(self._read_end, 4096)
        events, self.queued = self.queued, []
        return events

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        self.closed = True
        os.close(self._read_end)
        os.close(self._write_end)


def test_the_device_loop_reads_codes_and_releases_the_grab_on_close() -> None:
    # GIVEN a keyboard scanner on a fake input device, and a clock the test moves
    device = FakeInputDevice()
    now = [10.0]
    scanner = KeyboardScanner("/dev/input/by-id/usb-x-event-kbd", clock=lambda: now[0],
                              open_input=lambda path: device)
    scanner.open()
    # WHEN a code with Enter, then one without a suffix, are typed
    device.send(typed("K7QM3XP5")[0])
    first = scanner.read(0)
    device.send(typed("MOTCUA:R:K7QM3XP5", enter=False)[0])
    second = scanner.read(0)
    now[0] += 0.2  # the scanner went quiet
    third = scanner.read(0)
    scanner.close()
    # THEN the first arrives at Enter, the second when the scanner goes quiet
    assert (first, second, third) == (["K7QM3XP5"], [], ["MOTCUA:R:K7QM3XP5"])
    # AND closing let go of the device
    assert (device.grabbed, device.closed) == (False, True)


def test_an_unplugged_keyboard_scanner_is_a_reader_error() -> None:
    class Unplugged(FakeInputDevice):
        def read(self) -> list[SimpleNamespace]:
            raise OSError(19, "No such device")

    device = Unplugged()
    scanner = KeyboardScanner("/dev/input/event7", open_input=lambda path: device)
    scanner.open()
    device.send([])
    with pytest.raises(ReaderError) as raised:
        scanner.read(0)
    assert str(raised.value) == (
        "reading /dev/input/event7 failed ([Errno 19] No such device): unplugged?"
    )
    scanner.close()
