"""A voice and a loudspeaker that do the simplest real thing and record what happened.

:class:`FakeSpeechEngine` renders a tone whose length follows the text (so sounds can be
measured and joined like real speech) and records each text; ``fail`` makes it fail.
:class:`FakeAudioOutput` records what it was given and "plays" until it is released or
stopped, so tests decide when a sound ends. Used by tests and by ``speech.engine = fake``.
"""

from __future__ import annotations

import array
import math
import threading

from kiosk.language import Language
from kiosk.speech import SpeechError, SpeechState, SpeechStatus
from kiosk.wav_audio import Pcm, write_wav

FAKE_RATE = 16000
#: Seconds of fake speech per character of text.
SECONDS_PER_CHARACTER = 0.01


class FakeSpeechEngine:
    """:class:`kiosk.speech.SpeechEngine` that renders a 220 Hz tone per text."""

    name = "fake"

    def __init__(self, *, voice: str = "fake", fail: Exception | None = None) -> None:
        self.voice = voice
        #: Raised by every render while set (SpeechError, or anything unexpected).
        self.fail = fail
        #: Every text asked for, in order: (text, language).
        self.calls: list[tuple[str, Language]] = []
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        """The fake's voice name."""
        return f"fake voice {self.voice}"

    def status(self) -> SpeechStatus:
        """READY, or UNAVAILABLE while ``fail`` is set."""
        if self.fail is not None:
            return SpeechStatus(SpeechState.UNAVAILABLE, str(self.fail))
        return SpeechStatus(SpeechState.READY, self.description)

    def voice_id(self, language: Language) -> str:
        """The voice name and the language."""
        return f"{self.voice}/{language}"

    def render(self, text: str, language: Language) -> bytes:
        """A tone of :data:`SECONDS_PER_CHARACTER` per character of ``text``."""
        with self._lock:
            self.calls.append((text, language))
        if self.fail is not None:
            raise self.fail
        if not text:
            raise SpeechError("empty text")
        count = round(len(text) * SECONDS_PER_CHARACTER * FAKE_RATE)
        tone = array.array(
            "h", (round(8000 * math.sin(2 * math.pi * 220 * i / FAKE_RATE)) for i in range(count))
        )
        return write_wav(Pcm(FAKE_RATE, tone))


class FakeAudioOutput:
    """:class:`kiosk.announcer.AudioOutput` that records sounds and plays until released.

    With ``hold=False`` each sound ends at once. With ``hold=True`` a sound "plays" until
    :meth:`release` or its stop event; :attr:`started` is set when one begins.
    """

    description = "fake loudspeaker"

    def __init__(self, *, hold: bool = False, fail: Exception | None = None) -> None:
        self.hold = hold
        #: Raised by every play while set.
        self.fail = fail
        #: Every sound given, in order, and whether it was played to its end.
        self.played: list[bytes] = []
        self.finished: list[bool] = []
        self.started = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._active = 0
        #: The most sounds that were ever playing at the same moment.
        self.most_at_once = 0

    def play(self, wav: bytes, stop: threading.Event) -> bool:
        """Record ``wav``; with ``hold``, wait for :meth:`release` or ``stop``."""
        if self.fail is not None:
            raise self.fail
        if stop.is_set():
            return False
        with self._lock:
            self.played.append(wav)
            self._active += 1
            self.most_at_once = max(self.most_at_once, self._active)
        self.started.set()
        try:
            finished = True
            if self.hold:
                while not self._release.is_set():
                    if stop.wait(0.005):
                        finished = False
                        break
                self._release.clear()
            with self._lock:
                self.finished.append(finished)
            return finished
        finally:
            with self._lock:
                self._active -= 1
            self.started.clear()

    def release(self) -> None:
        """End the sound being held (the next one will be held again)."""
        self._release.set()
