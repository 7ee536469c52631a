"""The kiosk's voice: what "Nghe" (Listen) does, the idle warning, the short sounds.

:class:`KioskVoice` is the one object the app asks to speak. It turns a screen's view into
phrases (:mod:`kiosk.spoken_screens`) and hands them to an :class:`~kiosk.announcer.Announcer`
(rendered off the UI thread, cached by text and voice, one sound at a time). Its policy:

- "Nghe" reads the screen from the start, replacing anything being said; pressed while
  speaking, it stops (:meth:`KioskVoice.toggle`).
- Leaving a screen or the citizen leaving stops the voice (:meth:`stop`, :meth:`forget`).
- A citizen who listened once is *listening*: the kiosk then says on its own what matters
  after an action (the printed ticket) until the session ends.
- The idle warning always sounds (the chime) and is said, replacing anything else.
- Touch and error sounds are optional (``speech.touch_sound``, ``speech.error_sound``); a
  touch never cuts into speech (the click is skipped while the voice talks).

Nothing here blocks: every call queues work for the announcer's thread. ``on_speaking``
is told (on the announcer's thread) when the voice starts or stops talking, so the app can
show the Listen button pressed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.announcer import Announcer, AudioOutput, Report
from kiosk.config import Config
from kiosk.cue_sounds import Cue, cue_sound
from kiosk.language import Language
from kiosk.speech import SpeechRenderer, Utterance
from kiosk.spoken_screens import IdleWarningView, Phrase, ScreenView, spoken_phrases
from kiosk.vietnamese_numbers import HANOI, NumberStyle
from kiosk.wav_audio import scale_volume


@dataclass(frozen=True)
class AudioRoute:
    """Where the kiosk's sound goes and how loud, from the technician's settings."""

    #: The ALSA device (the loudspeaker's, or the headphones' in headphone mode).
    device: str
    volume_percent: int
    headphones: bool

    @classmethod
    def from_config(cls, config: Config) -> AudioRoute:
        """``speech.device`` at ``speech.volume``; in headphone mode (``speech.headphones``)
        ``speech.headphone_device`` at ``speech.headphone_volume`` instead, so a citizen
        with headphones is never deafened by the hall's loudness."""
        if config.flag("speech.headphones"):
            return cls(config.text("speech.headphone_device"),
                       config.number("speech.headphone_volume"), headphones=True)
        return cls(config.text("speech.device"), config.number("speech.volume"),
                   headphones=False)


@dataclass(frozen=True)
class CueSettings:
    """Which optional short sounds play."""

    touch: bool = False
    error: bool = False

    @classmethod
    def from_config(cls, config: Config) -> CueSettings:
        """``speech.touch_sound`` and ``speech.error_sound``."""
        return cls(config.flag("speech.touch_sound"), config.flag("speech.error_sound"))


class KioskVoice:
    """Speaks screens and plays the kiosk's short sounds (see the module docstring)."""

    def __init__(
        self,
        renderer: SpeechRenderer,
        output: AudioOutput,
        *,
        style: NumberStyle = HANOI,
        cues: CueSettings | None = None,
    ) -> None:
        self.renderer = renderer
        self.output = output
        self.style = style
        self.cues = CueSettings() if cues is None else cues
        #: The citizen asked to listen in this session (reset by :meth:`forget`).
        self.listening = False
        #: Called with True when the voice starts talking, False when it has finished.
        self.on_speaking: Callable[[bool], None] | None = None
        # Cues at the renderer's volume, made once.
        self._sounds = {
            cue: scale_volume(cue_sound(cue), renderer.volume_percent) for cue in Cue
        }
        # Re-entered on the UI thread: an interrupting say() reports the dropped
        # announcements before it returns.
        self._lock = threading.RLock()
        #: The number of the last phrase queued: the voice is quiet once it has ended.
        self._last = 0
        self._talking = False
        self.announcer = Announcer(renderer, output, on_report=self._reported)

    @property
    def speaking(self) -> bool:
        """Whether a phrase is being said or waits its turn (short sounds do not count)."""
        with self._lock:
            return self._talking

    def read(self, view: ScreenView, language: Language) -> tuple[Phrase, ...]:
        """Say ``view`` from its start, replacing whatever was being said; the citizen is
        listening from now on. Returns the phrases queued."""
        self.listening = True
        return self._say_phrases(spoken_phrases(view, language, self.style))

    def toggle(self, view: ScreenView, language: Language) -> tuple[Phrase, ...]:
        """The Listen button: stop when talking, else :meth:`read` (the phrases, or ())."""
        if self.speaking:
            self.stop()
            return ()
        return self.read(view, language)

    def tell(self, view: ScreenView, language: Language) -> tuple[Phrase, ...]:
        """Say ``view`` on the kiosk's own initiative (a ticket just printed) when the
        citizen is listening; nothing otherwise."""
        if not self.listening:
            return ()
        return self._say_phrases(spoken_phrases(view, language, self.style))

    def idle_warning(self, seconds: int, language: Language) -> tuple[Phrase, ...]:
        """The chime, then "Do you need more time? ... in N seconds", replacing anything."""
        phrases = spoken_phrases(IdleWarningView(seconds), language, self.style)
        self._play(Cue.IDLE_WARNING, interrupt=True)
        for phrase in phrases:
            self._queue(Utterance(phrase.text, phrase.language))
        return phrases

    def touched(self) -> None:
        """A touch: the click, if configured and the voice is quiet."""
        if self.cues.touch and not self.announcer.busy:
            self._play(Cue.TOUCH, interrupt=False)

    def error(self) -> None:
        """Something went wrong: the error tone, if configured, before anything queued."""
        if self.cues.error:
            self._play(Cue.ERROR, interrupt=True)

    def stop(self) -> None:
        """Silence now: the sound playing stops, nothing waiting is said."""
        with self._lock:
            self.announcer.stop()
            if self._talking:
                self._talking = False
                self._tell_speaking(False)

    def forget(self) -> None:
        """The citizen left: silence, and the next one is not listening."""
        self.listening = False
        self.stop()

    def close(self) -> None:
        """Stop and end the announcer's and the renderer's threads."""
        self.announcer.close()
        self.renderer.close()

    def _say_phrases(self, phrases: tuple[Phrase, ...]) -> tuple[Phrase, ...]:
        for index, phrase in enumerate(phrases):
            self._queue(Utterance(phrase.text, phrase.language), interrupt=index == 0)
        if not phrases:
            self.stop()
        return phrases

    def _play(self, cue: Cue, *, interrupt: bool) -> None:
        self._queue(Utterance(f"({cue.value} sound)"), interrupt=interrupt,
                    sound=self._sounds[cue])

    def _queue(
        self, utterance: Utterance, *, interrupt: bool = False, sound: bytes | None = None
    ) -> None:
        with self._lock:
            number = self.announcer.say(utterance, interrupt=interrupt, sound=sound)
            if sound is None:
                # After the say (an interrupt has just reported the dropped ones as ended)
                # and under the lock, so the end of this phrase is told after its start.
                self._last = number
                self._talking = True
                self._tell_speaking(True)

    def _reported(self, report: Report) -> None:
        with self._lock:
            if report.number == self._last and self._talking:
                self._talking = False
                self._tell_speaking(False)

    def _tell_speaking(self, speaking: bool) -> None:
        if self.on_speaking is not None:
            self.on_speaking(speaking)
