"""The spoken call the display plays: the hub's side of the voice.

The voice itself (Vietnamese number reading, the phrases, espeak-ng or Piper) lives in
:mod:`kiosk.speech` and ``devices/``; the composition root builds a renderer from the
configuration and hands the hub a :class:`SpeechCallAudio` over it
(:func:`motcua.wiring.hub_call_audio`). With no voice that can speak, the hub gets None and
the display shows calls without sound and says so: a configuration, never a fake voice.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.speech import SpeechRenderer, call_utterance
from kiosk.vietnamese_numbers import HANOI, NumberStyle


class CallAudio(Protocol):
    """Renders the spoken call for one ticket at one counter."""

    def call_wav(self, ticket_number: str, counter_number: int, *, recall: bool) -> bytes:
        """The call ("Mời công dân có số ... đến quầy số ...", or with ``recall`` "Xin
        nhắc lại. ...") as a WAV file's bytes."""
        ...


class SpeechCallAudio:
    """Calls rendered by the configured voice, chime first, cached by the renderer."""

    def __init__(self, renderer: SpeechRenderer, *, style: NumberStyle = HANOI,
                 chime: bool = True) -> None:
        self.renderer = renderer
        self.style = style
        self.chime = chime

    def call_wav(self, ticket_number: str, counter_number: int, *, recall: bool) -> bytes:
        """The call in Vietnamese (SpeechError when the voice fails)."""
        return self.renderer.render(call_utterance(
            ticket_number, counter_number, style=self.style, chime=self.chime, recall=recall))


class FakeCallAudio:
    """Records what it was asked to say and answers a tiny silent WAV (tests only)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, int]] = []
        self.recalls = 0

    def call_wav(self, ticket_number: str, counter_number: int, *, recall: bool) -> bytes:
        """A 0.1 s silent WAV, after noting the call."""
        import io  # noqa: PLC0415 - tests only
        import wave  # noqa: PLC0415

        self.said.append((ticket_number, counter_number))
        self.recalls += recall
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\x00\x00" * 800)
        return buffer.getvalue()
