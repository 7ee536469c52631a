"""The kiosk's short sounds, made in code: a touch click, an error tone, the idle warning.

Generated rather than shipped as files: a few hundred samples of sine each, the same on
every kiosk, and scaled to the configured volume like speech. The idle warning is the
queue call's chime (:func:`kiosk.wav_audio.chime`): a sound people already know means
"listen".
"""

from __future__ import annotations

import array
import enum
import math
from collections.abc import Sequence

from kiosk.wav_audio import Pcm, chime, write_wav

RATE = 22050
_MAX = 32767


class Cue(enum.Enum):
    """A short sound the kiosk may play."""

    #: A touch was felt (optional: ``speech.touch_sound``).
    TOUCH = "touch"
    #: Something went wrong or a scan was refused (optional: ``speech.error_sound``).
    ERROR = "error"
    #: "Do you need more time?" (always, with the spoken warning).
    IDLE_WARNING = "idle_warning"


def tones(notes: Sequence[tuple[float, float]], *, volume: float, rate: int = RATE) -> bytes:
    """Sine ``notes`` (frequency Hz, seconds) one after the other, each with a 5 ms rise
    and fall so that no edge clicks, at ``volume`` (0-1 of full scale)."""
    samples = array.array("h")
    for frequency, seconds in notes:
        count = round(seconds * rate)
        edge = max(1, round(0.005 * rate))
        for index in range(count):
            envelope = min(1.0, index / edge, (count - 1 - index) / edge)
            value = volume * envelope * math.sin(2 * math.pi * frequency * index / rate)
            samples.append(round(value * _MAX))
    return write_wav(Pcm(rate, samples))


def cue_sound(cue: Cue) -> bytes:
    """The WAV bytes of ``cue`` at full configured loudness."""
    if cue is Cue.TOUCH:
        # 40 ms at 1.2 kHz: heard as a tick, over before the finger lifts.
        return tones([(1200.0, 0.04)], volume=0.35)
    if cue is Cue.ERROR:
        # Two falling notes (A4 then E4): "no" in any language.
        return tones([(440.0, 0.14), (329.6, 0.22)], volume=0.45)
    return chime(RATE)
