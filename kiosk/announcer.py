"""Saying things aloud one at a time: a queue of announcements played by one worker.

The kiosk speaks a screen's title, a papers list, a ticket number; the citizen may tap on
before the voice has finished. :class:`Announcer` renders and plays on its own thread (the
UI never waits), never plays two sounds at once (announcements wait their turn), and
stops at once when asked: :meth:`Announcer.stop` when the citizen moves on, or
``interrupt=True`` for a new announcement that replaces whatever is being said.

The sound goes to an :class:`AudioOutput`, handed a stop event with each sound so that a
stop asked just before the sound starts is never missed (``devices/audio_aplay.py`` plays
through ALSA; tests use :class:`kiosk.speech_fakes.FakeAudioOutput`). A failure to
render or play is logged and reported as that announcement's outcome; it never reaches the
caller's thread.
"""

from __future__ import annotations

import collections
import enum
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.speech import SpeechError, SpeechRenderer, Utterance

log = logging.getLogger(__name__)


class AudioOutput(Protocol):
    """Where sound is played (a sound card, headphones)."""

    @property
    def description(self) -> str:
        """What plays the sound, for people: "ALSA device default"."""
        ...

    def play(self, wav: bytes, stop: threading.Event) -> bool:
        """Play ``wav``; return True when it was played to its end, False as soon as
        ``stop`` is set (set before the call: nothing is played).

        Raises on a failure to play (the announcer catches it)."""
        ...


class Outcome(enum.Enum):
    """How an announcement ended."""

    PLAYED = "played"
    #: Stopped while playing, or dropped before it started (stop, interrupt, close).
    STOPPED = "stopped"
    #: The voice could not render it (the reason is in the report).
    RENDER_FAILED = "render_failed"
    #: The sound could not be played.
    PLAY_FAILED = "play_failed"


@dataclass(frozen=True)
class Report:
    """What became of one announcement."""

    number: int
    utterance: Utterance
    outcome: Outcome
    detail: str = ""


@dataclass
class _Pending:
    number: int
    utterance: Utterance
    #: Set when this announcement is to be stopped (waiting, rendering or playing).
    stop: threading.Event
    #: A sound ready to play (a touch click, an error tone): nothing to render.
    sound: bytes | None = None


class Announcer:
    """Plays utterances in order, one at a time, on a worker thread of its own."""

    def __init__(
        self,
        renderer: SpeechRenderer,
        output: AudioOutput,
        *,
        on_report: Callable[[Report], None] | None = None,
    ) -> None:
        self.renderer = renderer
        self.output = output
        self._on_report = on_report
        self._pending: collections.deque[_Pending] = collections.deque()
        self._condition = threading.Condition()
        self._numbers = itertools.count(1)
        #: The announcement being rendered or played, whose stop event stop() sets.
        self._current: _Pending | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()

    def say(
        self, utterance: Utterance, *, interrupt: bool = False, sound: bytes | None = None
    ) -> int:
        """Queue ``utterance``; with ``interrupt``, first stop whatever is being said or
        waiting. Returns the announcement's number (as in its :class:`Report`).

        With ``sound`` (WAV bytes), that sound is played as this announcement instead of
        rendering the text (which then only names it in reports and logs): short sounds
        take their turn like speech, so nothing ever plays over anything else.
        """
        with self._condition:
            if self._closed:
                raise RuntimeError("the announcer is closed")
            if interrupt:
                self._stop_locked()
            number = next(self._numbers)
            self._pending.append(_Pending(number, utterance, threading.Event(), sound))
            self._condition.notify_all()
            return number

    @property
    def busy(self) -> bool:
        """Whether something is being said or waits its turn."""
        with self._condition:
            return bool(self._pending) or self._current is not None

    def stop(self) -> None:
        """Stop the sound being played and drop every waiting announcement."""
        with self._condition:
            self._stop_locked()
            self._condition.notify_all()

    def _stop_locked(self) -> None:
        dropped = list(self._pending)
        self._pending.clear()
        # The waiting ones are reported before the current one is stopped, so reports
        # come in a fixed order: dropped first, then the one that was being said.
        for pending in dropped:
            self._report(pending, Outcome.STOPPED, "dropped before it was said")
        if self._current is not None:
            self._current.stop.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is playing or waiting; False if ``timeout`` passed first."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and self._current is None, timeout=timeout
            )

    def close(self) -> None:
        """Stop, and end the worker thread."""
        with self._condition:
            self._closed = True
            self._stop_locked()
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._current = None
                self._condition.notify_all()
                self._condition.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                pending = self._pending.popleft()
                self._current = pending
            self._say(pending)

    def _say(self, pending: _Pending) -> None:
        try:
            sound = pending.sound or self.renderer.render(pending.utterance)
        except SpeechError as error:
            log.warning("could not render %r: %s", pending.utterance.text, error)
            self._report(pending, Outcome.RENDER_FAILED, str(error))
            return
        except Exception as error:
            # A bug in a voice must not end the worker: later announcements still play.
            log.exception("rendering %r failed unexpectedly", pending.utterance.text)
            self._report(pending, Outcome.RENDER_FAILED, str(error) or type(error).__name__)
            return
        if pending.stop.is_set():
            self._report(pending, Outcome.STOPPED, "stopped while it was rendered")
            return
        try:
            finished = self.output.play(sound, pending.stop)
        except Exception as error:
            log.exception("could not play %r on %s", pending.utterance.text, self._describe())
            self._report(pending, Outcome.PLAY_FAILED, str(error) or type(error).__name__)
            return
        if finished:
            self._report(pending, Outcome.PLAYED)
        else:
            self._report(pending, Outcome.STOPPED, "stopped while it was said")

    def _describe(self) -> str:
        try:
            return self.output.description
        except Exception:  # noqa: BLE001 - a broken output must still be named in logs
            return type(self.output).__name__

    def _report(self, pending: _Pending, outcome: Outcome, detail: str = "") -> None:
        if self._on_report is None:
            return
        try:
            self._on_report(Report(pending.number, pending.utterance, outcome, detail))
        except Exception:
            log.exception("the announcement report handler failed")
