"""Speech: the voice role, and rendering text to sound off the caller's thread, cached.

The core does not know espeak-ng or Piper. It declares what a voice must do
(:class:`SpeechEngine`: say its state, render a text in a language to WAV bytes) and
``devices/`` implements it per engine (``speech.engine``: espeak, piper, fake, none). An
engine that is not configured or cannot run is an :class:`UnavailableSpeechEngine` saying
why: a fault to show, never silently replaced by another voice.

:class:`SpeechRenderer` is what callers use: it renders on its own worker thread (a UI or
a web request never waits on a voice), one text at a time (the engines are processes; two
at once only slow both down), keeps what it rendered in a :class:`SpeechCache` keyed by
the engine, its voice and settings and the text (a recall or a screen's title read again
costs nothing), applies the volume, and puts the chime before a queue call. Playing the
sound, one announcement at a time, is :mod:`kiosk.announcer`'s job; the service point's
display plays the WAV in the browser instead.

The phrases said for queue calls are built by :mod:`kiosk.speech_phrases` (re-exported
here).
"""

from __future__ import annotations

import collections
import concurrent.futures
import enum
import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from kiosk.config import Config
from kiosk.language import Language
from kiosk.speech_phrases import Counter, call_phrase, counter_words, recall_phrase
from kiosk.vietnamese_numbers import HANOI, NumberStyle
from kiosk.wav_audio import chime, join_wavs, read_wav, scale_volume

__all__ = [
    "SpeechCache",
    "SpeechEngine",
    "SpeechError",
    "SpeechRenderer",
    "SpeechState",
    "SpeechStatus",
    "SpeechUnavailableError",
    "UnavailableSpeechEngine",
    "Utterance",
    "call_phrase",
    "call_utterance",
    "counter_words",
    "number_style",
    "recall_phrase",
]

log = logging.getLogger(__name__)

#: The longest a voice may take to render one text before it counts as failed.
RENDER_TIMEOUT_SECONDS = 20.0
#: Silence between the chime and the voice.
CHIME_GAP_SECONDS = 0.15


class SpeechState(enum.Enum):
    """Whether the voice can speak, and if not, why."""

    READY = "ready"
    #: No voice is configured (``speech.engine = none``): nothing is spoken.
    DISABLED = "disabled"
    #: The configured voice cannot run (its program or voice file is missing): a fault.
    UNAVAILABLE = "unavailable"

    @property
    def can_speak(self) -> bool:
        """Whether texts may be sent to the engine."""
        return self is SpeechState.READY


@dataclass(frozen=True)
class SpeechStatus:
    """A voice's state and what exactly was seen ("/usr/bin/piper: no such file")."""

    state: SpeechState
    detail: str = ""


class SpeechError(Exception):
    """A text could not be rendered; the message says what failed."""


class SpeechUnavailableError(SpeechError):
    """The voice cannot speak at all (not configured, or its program or voice is missing),
    or has no voice for the language asked."""


class SpeechEngine(Protocol):
    """A text-to-speech voice, as the core sees it. ``devices/`` has one per engine.

    ``render`` may block (it runs a program); callers use :class:`SpeechRenderer`, which
    calls it on a worker thread.
    """

    @property
    def name(self) -> str:
        """The engine: "espeak-ng", "piper", "fake", "none"."""
        ...

    @property
    def description(self) -> str:
        """What this voice is, for people: "espeak-ng voice vi at 150 words/min"."""
        ...

    def status(self) -> SpeechStatus:
        """Whether the engine can speak now (its program and voice files are there)."""
        ...

    def voice_id(self, language: Language) -> str:
        """Everything that shapes the sound for ``language`` (voice, speed): part of the
        cache key. SpeechUnavailableError when there is no voice for ``language``."""
        ...

    def render(self, text: str, language: Language) -> bytes:
        """``text`` spoken in ``language`` as WAV bytes (mono or stereo PCM).

        Raises :class:`SpeechUnavailableError` when it cannot speak ``language`` at all,
        :class:`SpeechError` (or any exception: the renderer catches all) when this text
        failed.
        """
        ...


class UnavailableSpeechEngine:
    """The stand-in for a voice that is not configured or cannot run: it says why."""

    name = "none"

    def __init__(self, reason: str, state: SpeechState = SpeechState.UNAVAILABLE) -> None:
        self.reason = reason
        self.state = state

    @classmethod
    def not_configured(cls) -> UnavailableSpeechEngine:
        """The voice of ``speech.engine = none``."""
        return cls("no voice is configured (speech.engine = none)", SpeechState.DISABLED)

    @property
    def description(self) -> str:
        """Why there is no voice."""
        return f"no voice: {self.reason}"

    def status(self) -> SpeechStatus:
        """DISABLED or UNAVAILABLE, with the reason."""
        return SpeechStatus(self.state, self.reason)

    def voice_id(self, language: Language) -> str:
        """Never: there is no voice."""
        raise SpeechUnavailableError(self.reason)

    def render(self, text: str, language: Language) -> bytes:
        """Never: there is no voice."""
        raise SpeechUnavailableError(self.reason)


@dataclass(frozen=True)
class Utterance:
    """A text to say, in a language, with or without the chime before it."""

    text: str
    language: Language = "vi"
    #: Play the two-tone chime first (queue calls).
    chime: bool = False


def number_style(config: Config) -> NumberStyle:
    """How numbers are read, from ``speech.zero_tens``."""
    return NumberStyle(zero_tens="lẻ" if config.text("speech.zero_tens") == "lẻ" else "linh")


def call_utterance(
    ticket: str,
    counter: Counter,
    *,
    language: Language = "vi",
    style: NumberStyle = HANOI,
    chime: bool = True,
    recall: bool = False,
) -> Utterance:
    """The call (or, with ``recall``, the repeated call) of ``ticket`` to ``counter``, with
    the chime first unless ``chime`` is off (``speech.chime``)."""
    phrase = recall_phrase if recall else call_phrase
    return Utterance(phrase(ticket, counter, language, style), language, chime)


CacheKey = tuple[str, str, str, str, bool, int]


class SpeechCache:
    """Rendered sounds kept in memory, least recently used dropped first past ``max_bytes``.

    Keyed by engine, voice and settings, language, text, chime and volume, so a change of
    voice or speed never replays an old sound. Safe to use from several threads.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: collections.OrderedDict[CacheKey, bytes] = collections.OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> bytes | None:
        """The sound stored under ``key``, or None (counted as a hit or a miss)."""
        with self._lock:
            sound = self._items.get(key)
            if sound is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return sound

    def put(self, key: CacheKey, sound: bytes) -> None:
        """Keep ``sound`` under ``key``; a sound larger than the whole cache is not kept."""
        if len(sound) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._items[key] = sound
            self._size += len(sound)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class SpeechRenderer:
    """Renders utterances with one engine: cached, at a volume, chime first when asked.

    :meth:`render` works on the caller's thread (the announcer's worker calls it);
    :meth:`submit` hands the work to the renderer's own thread and returns a future, for
    callers that must not wait (a web request, the UI).
    """

    def __init__(
        self,
        engine: SpeechEngine,
        *,
        cache: SpeechCache | None = None,
        volume_percent: int = 100,
    ) -> None:
        if not 0 <= volume_percent <= 100:
            raise ValueError(f"volume {volume_percent} is outside 0-100")
        self.engine = engine
        self.cache = SpeechCache() if cache is None else cache
        self.volume_percent = volume_percent
        # One thread: an engine renders one text at a time, in the order asked.
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="speech")
        # Rendering on the caller's thread and on the executor's may overlap: one engine
        # call at a time still.
        self._engine_lock = threading.Lock()

    def key(self, utterance: Utterance) -> CacheKey:
        """The cache key of ``utterance`` with this engine (SpeechUnavailableError when the
        engine has no voice for its language)."""
        return (
            self.engine.name,
            self.engine.voice_id(utterance.language),
            utterance.language,
            utterance.text,
            utterance.chime,
            self.volume_percent,
        )

    def render(self, utterance: Utterance) -> bytes:
        """``utterance`` as WAV bytes, from the cache when it was rendered before.

        Raises :class:`SpeechError` (SpeechUnavailableError when the voice cannot speak)
        with what went wrong; an engine's unexpected exception is wrapped, never let
        through as itself.
        """
        if not utterance.text.strip():
            raise SpeechError("nothing to say: the text is empty")
        key = self.key(utterance)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        with self._engine_lock:
            try:
                spoken = self.engine.render(utterance.text, utterance.language)
                speech = read_wav(spoken)
            except SpeechError:
                raise
            except Exception as error:
                log.exception("%s failed to render %r", self.engine.name, utterance.text)
                raise SpeechError(f"{self.engine.name} failed: {error}") from error
        sound = spoken
        if utterance.chime:
            sound = join_wavs([chime(speech.rate), spoken], gap_seconds=CHIME_GAP_SECONDS)
        sound = scale_volume(sound, self.volume_percent)
        self.cache.put(key, sound)
        return sound

    def submit(self, utterance: Utterance) -> concurrent.futures.Future[bytes]:
        """Render ``utterance`` on the renderer's thread; the future holds the WAV bytes or
        the :class:`SpeechError`."""
        return self._executor.submit(self.render, utterance)

    def close(self) -> None:
        """Stop the renderer's thread after the work already submitted."""
        self._executor.shutdown(wait=True, cancel_futures=True)
