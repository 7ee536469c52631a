"""A USB scanner in keyboard ("HID keyboard wedge") mode, read through evdev.

In this mode the scanner pretends to be a US keyboard and types the code. The device is
grabbed exclusively, so that its typing never reaches the kiosk's screens, and its key
events are turned back into text by :class:`KeystrokeDecoder`, a pure function of the
events, tested without hardware.

The known limit, shown to technicians: a keyboard has no keys for Vietnamese letters, so
most scanners drop them or type them without their marks ("Nguyễn" -> "Nguyn" or
"Nguyen"). ID numbers, dates and receipt codes are plain ASCII and still read right, so
the ID card checks still work; names and addresses may not. Scanners that can type
Unicode as Alt + keypad digits are decoded exactly. Serial (CDC) mode has no such limit
(``devices/serial_scanner.py``).
"""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

from devices.line_assembly import MAX_CODE_BYTES, QUIET_SECONDS
from kiosk.config import Config
from kiosk.reading import ReaderError

KEYBOARD_MODE_LIMITS = (
    "keyboard mode: Vietnamese letters may be lost or typed without their marks "
    "(names and addresses may be wrong; ID numbers, dates and receipt codes are not "
    "affected); set the scanner to USB serial (CDC) mode for exact text"
)

# Linux key codes (linux/input-event-codes.h), the ones a US-layout scanner types.
KEY_ENTER = 28
KEY_KPENTER = 96
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_CAPSLOCK = 58
KEY_LEFTALT = 56
KEY_RIGHTALT = 100
KEY_LEFTCTRL = 29
KEY_RIGHTCTRL = 97
EV_KEY = 1
KEY_RELEASED, KEY_PRESSED, KEY_REPEATED = 0, 1, 2

#: Key code -> (character, character with Shift) on a US keyboard.
US_KEYS: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        **{code: (str(digit), shifted) for code, digit, shifted in zip(
            range(2, 12), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0], "!@#$%^&*()", strict=True)},
        **{code: (letter, letter.upper()) for code, letter in zip(
            [*range(16, 26), *range(30, 39), *range(44, 51)], "qwertyuiopasdfghjklzxcvbnm",
            strict=True)},
        12: ("-", "_"), 13: ("=", "+"), 15: ("\t", "\t"), 26: ("[", "{"), 27: ("]", "}"),
        39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"),
        52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
        55: ("*", "*"), 74: ("-", "-"), 78: ("+", "+"), 83: (".", "."), 98: ("/", "/"),
    }
)

#: Keypad digit key codes -> digit (typed as digits, and used for Alt codes).
KEYPAD_DIGITS: Mapping[int, str] = MappingProxyType(
    {71: "7", 72: "8", 73: "9", 75: "4", 76: "5", 77: "6", 79: "1", 80: "2", 81: "3", 82: "0"}
)

_SHIFTS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
_ALTS = frozenset({KEY_LEFTALT, KEY_RIGHTALT})
_CTRLS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})
_ENTERS = frozenset({KEY_ENTER, KEY_KPENTER})
_MODIFIERS = _SHIFTS | _ALTS | _CTRLS


class KeystrokeDecoder:
    """Key events of a US-layout keyboard-wedge scanner -> the codes it typed.

    Shift and Caps Lock are tracked; Enter ends a code. Alt held while keypad digits are
    typed enters one character, as on Windows: digits with a leading 0 are a Windows-1252
    byte, others a Unicode code point (what scanners in "Unicode Alt code" mode send).
    Keys it cannot translate are counted in :attr:`dropped_keys`.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._held: set[int] = set()
        self._caps_lock = False
        self._alt_digits = ""
        self.dropped_keys = 0

    @property
    def pending(self) -> bool:
        """Whether a code has been started and not ended."""
        return bool(self._text)

    def feed(self, code: int, value: int) -> str | None:
        """One key event (``value`` 1 pressed, 0 released, 2 repeated); a finished code."""
        if value == KEY_RELEASED:
            self._held.discard(code)
            if code in _ALTS and not self._held & _ALTS:
                self._end_alt_code()
            return None
        if value != KEY_PRESSED:
            return None  # auto-repeat: a scanner never holds a key down on purpose
        self._held.add(code)
        if code in _ENTERS:
            return self.flush()
        if code == KEY_CAPSLOCK:
            self._caps_lock = not self._caps_lock
        elif code in _MODIFIERS:
            pass
        elif self._held & _ALTS:
            if code in KEYPAD_DIGITS:
                self._alt_digits += KEYPAD_DIGITS[code]
            else:
                self.dropped_keys += 1
        elif self._held & _CTRLS:
            self.dropped_keys += 1  # control combinations type nothing
        else:
            self._type(code)
        return None

    def flush(self) -> str | None:
        """The code typed so far (when the scanner went quiet without Enter), or None."""
        if not self._text:
            return None
        text = "".join(self._text)
        self._text.clear()
        return text

    def _type(self, code: int) -> None:
        if code in KEYPAD_DIGITS:
            self._append(KEYPAD_DIGITS[code])
            return
        keys = US_KEYS.get(code)
        if keys is None:
            self.dropped_keys += 1
            return
        plain, shifted = keys
        shift = bool(self._held & _SHIFTS)
        if plain.isalpha() and self._caps_lock:
            shift = not shift
        self._append(shifted if shift else plain)

    def _end_alt_code(self) -> None:
        digits, self._alt_digits = self._alt_digits, ""
        if not digits:
            return
        value = int(digits)
        try:
            if digits.startswith("0") and value < 256:
                self._append(bytes((value,)).decode("cp1252"))
            else:
                self._append(chr(value))
        except (UnicodeDecodeError, ValueError, OverflowError):
            self.dropped_keys += 1

    def _append(self, char: str) -> None:
        if len(self._text) < MAX_CODE_BYTES:
            self._text.append(char)


def keyboard_candidates() -> list[str]:
    """The keyboards' stable device paths, for the "which device?" message."""
    return sorted(str(path) for path in Path("/dev/input/by-id").glob("*-event-kbd"))


def open_grabbed(path: str) -> Any:
    """The evdev input device at ``path``, grabbed so that its typing reaches no one else."""
    try:
        import evdev  # noqa: PLC0415 - the driver loads its hardware library itself
    except ImportError as error:
        raise ReaderError(
            f"python-evdev cannot load ({error}): pip install 'motcua-kiosk[keyboard-scanner]'"
            " (Linux only)"
        ) from error
    try:
        device = evdev.InputDevice(path)
    except FileNotFoundError as error:
        found = ", ".join(keyboard_candidates()) or "none"
        raise ReaderError(
            f"no such device {path}: is the scanner plugged in? keyboards: {found}"
        ) from error
    except PermissionError as error:
        raise ReaderError(
            f"permission denied on {path}: add the kiosk user to the 'input' group"
        ) from error
    try:
        device.grab()
    except OSError as error:
        device.close()
        raise ReaderError(f"cannot grab {path} ({error}): another program holds it") from error
    return device


class KeyboardScanner:
    """``scanner.driver = "keyboard"``: a keyboard-mode scanner at ``scanner.keyboard_device``.

    ``open_input`` opens and grabs the device (evdev); tests give a fake one.
    """

    def __init__(
        self,
        device: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        open_input: Callable[[str], Any] = open_grabbed,
    ) -> None:
        self.device = device
        self._clock = clock
        self._open_input = open_input
        self._input: Any = None
        self._keys = KeystrokeDecoder()
        self._last_key_at = 0.0

    @classmethod
    def from_config(cls, config: Config) -> Self:
        """The scanner the configuration asks for."""
        return cls(config.text("scanner.keyboard_device"))

    def describe(self) -> str:
        """The input device."""
        return f"USB scanner (keyboard mode) on {self.device or '(no device set)'}"

    def known_limits(self) -> str | None:
        """Diacritics may be lost (the module docstring says why)."""
        dropped = self._keys.dropped_keys
        extra = f"; {dropped} keys could not be translated so far" if dropped else ""
        return KEYBOARD_MODE_LIMITS + extra

    def open(self) -> None:
        """Open the device and grab it, so that its typing reaches no other program."""
        if not self.device:
            found = ", ".join(keyboard_candidates()) or "none found in /dev/input/by-id"
            raise ReaderError(
                f"scanner.keyboard_device is not set; keyboards on this kiosk: {found}"
            )
        self._input = self._open_input(self.device)
        self._keys = KeystrokeDecoder()

    def read(self, timeout: float) -> Sequence[str]:
        """Codes typed within about ``timeout`` seconds."""
        if self._input is None:
            raise ReaderError("the device is not open")
        codes: list[str] = []
        try:
            ready, _, _ = select.select([self._input.fd], [], [], timeout)
            if ready:
                for event in self._input.read():
                    if event.type == EV_KEY:
                        self._last_key_at = self._clock()
                        code = self._keys.feed(event.code, event.value)
                        if code is not None:
                            codes.append(code)
        except OSError as error:
            raise ReaderError(f"reading {self.device} failed ({error}): unplugged?") from error
        if self._keys.pending and self._clock() - self._last_key_at >= QUIET_SECONDS:
            code = self._keys.flush()
            if code is not None:
                codes.append(code)
        return codes

    def close(self) -> None:
        """Let go of the device."""
        device, self._input = self._input, None
        if device is not None:
            with contextlib.suppress(OSError):  # unplugged: nothing is grabbed any more
                device.ungrab()
            device.close()
