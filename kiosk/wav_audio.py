"""WAV sound in pure Python: the call chime, joining sounds, loudness, and measuring them.

Voices write 16-bit PCM WAV at their own rate (espeak-ng 22,050 Hz, Piper voices 16,000
or 22,050 Hz). Everything here works on mono 16-bit samples (:class:`Pcm`): a WAV of
another width or with more channels is converted on reading, and sounds of different rates
are joined at the first one's rate (linear resampling: ample for a chime and a voice). No
external tool or sound file is needed, so the chime exists on every machine.
"""

from __future__ import annotations

import array
import io
import math
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass

_MAX = 32767


class WavError(ValueError):
    """Bytes that are not a WAV file this module can read."""


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at ``rate`` samples per second."""

    rate: int
    samples: array.array[int]

    @property
    def duration(self) -> float:
        """Seconds of sound."""
        return len(self.samples) / self.rate


def read_wav(data: bytes) -> Pcm:
    """The sound in WAV ``data`` as mono 16-bit samples (WavError if it is not PCM WAV)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise WavError(f"not a PCM WAV file: {error}") from error
    if width == 1:  # 8-bit WAV is unsigned
        samples = array.array("h", ((byte - 128) << 8 for byte in frames))
    elif width == 2:
        samples = array.array("h", frames)
        if sys.byteorder == "big":
            samples.byteswap()
    elif width == 4:
        wide = array.array("i", frames)
        if sys.byteorder == "big":
            wide.byteswap()
        samples = array.array("h", (value >> 16 for value in wide))
    else:
        raise WavError(f"{8 * width}-bit WAV is not supported")
    if channels > 1:
        samples = array.array(
            "h",
            (
                sum(samples[index : index + channels]) // channels
                for index in range(0, len(samples) - channels + 1, channels)
            ),
        )
    return Pcm(rate, samples)


def write_wav(pcm: Pcm) -> bytes:
    """``pcm`` as a mono 16-bit WAV file."""
    samples = array.array("h", pcm.samples)
    if sys.byteorder == "big":
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(pcm.rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def resample(pcm: Pcm, rate: int) -> Pcm:
    """``pcm`` at ``rate`` samples per second (linear interpolation)."""
    if rate == pcm.rate or not pcm.samples:
        return Pcm(rate, array.array("h", pcm.samples))
    source = pcm.samples
    count = max(1, round(len(source) * rate / pcm.rate))
    step = pcm.rate / rate
    last = len(source) - 1
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        low = min(int(position), last)
        high = min(low + 1, last)
        fraction = position - low
        out[index] = round(source[low] + (source[high] - source[low]) * fraction)
    return Pcm(rate, out)


def silence(seconds: float, rate: int) -> Pcm:
    """``seconds`` of silence."""
    return Pcm(rate, array.array("h", bytes(2 * round(seconds * rate))))


def join_wavs(parts: Sequence[bytes], *, gap_seconds: float = 0.0) -> bytes:
    """One WAV playing ``parts`` in order, ``gap_seconds`` of silence between them, at the
    first part's rate (the others are resampled to it)."""
    if not parts:
        raise ValueError("nothing to join")
    sounds = [read_wav(part) for part in parts]
    rate = sounds[0].rate
    joined = array.array("h")
    for index, sound in enumerate(sounds):
        if index and gap_seconds > 0:
            joined.extend(silence(gap_seconds, rate).samples)
        joined.extend(resample(sound, rate).samples)
    return write_wav(Pcm(rate, joined))


def scale_volume(data: bytes, percent: int) -> bytes:
    """The WAV ``data`` at ``percent`` of its loudness (0-100; 100 returns ``data``)."""
    if not 0 <= percent <= 100:
        raise ValueError(f"volume {percent} is outside 0-100")
    if percent == 100:
        return data
    pcm = read_wav(data)
    factor = percent / 100
    return write_wav(Pcm(pcm.rate, array.array("h", (round(s * factor) for s in pcm.samples))))


def chime(rate: int = 22050, *, volume: float = 0.5) -> bytes:
    """A two-tone "ding-dong" (E5 then C5, 0.8 s) that opens a queue call.

    Each tone is a sine with a little of its octave and an exponential fade, as a struck
    bell sounds; the second tone starts while the first dies.
    """
    tones = ((659.25, 0.0), (523.25, 0.32))
    length = 0.8
    count = round(length * rate)
    mix = [0.0] * count
    for frequency, start in tones:
        first = round(start * rate)
        for index in range(first, count):
            t = (index - first) / rate
            # A 10 ms rise (no click), a bell's exponential decay, and a 60 ms fade to
            # nothing at the very end so the cut-off does not click either.
            envelope = (
                min(1.0, t / 0.01)
                * math.exp(-t * 5.0)
                * min(1.0, (count - index) / (0.06 * rate))
            )
            wave_value = math.sin(2 * math.pi * frequency * t) + 0.25 * math.sin(
                4 * math.pi * frequency * t
            )
            mix[index] += envelope * wave_value / 1.25
    peak = max(abs(value) for value in mix) or 1.0
    gain = volume * _MAX / peak
    return write_wav(Pcm(rate, array.array("h", (round(value * gain) for value in mix))))


@dataclass(frozen=True)
class SoundStats:
    """What a sound measures: its length and loudness (RMS and peak, 0-1 of full scale)."""

    duration: float
    rms: float
    peak: float


def window_rms(pcm: Pcm, window_seconds: float = 0.05) -> list[float]:
    """The loudness (RMS, 0-1 of full scale) of each window of ``window_seconds``."""
    size = max(1, round(window_seconds * pcm.rate))
    samples = pcm.samples
    levels = []
    for start in range(0, len(samples), size):
        chunk = samples[start : start + size]
        levels.append(math.sqrt(sum(value * value for value in chunk) / len(chunk)) / _MAX)
    return levels


def measure(data: bytes) -> SoundStats:
    """The duration, RMS and peak of the WAV ``data``."""
    pcm = read_wav(data)
    samples = pcm.samples
    if not samples:
        return SoundStats(0.0, 0.0, 0.0)
    rms = math.sqrt(sum(value * value for value in samples) / len(samples)) / _MAX
    peak = max(abs(value) for value in samples) / _MAX
    return SoundStats(pcm.duration, rms, peak)
