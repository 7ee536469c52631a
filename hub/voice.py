"""Where the hub gets the spoken call the display plays: an integration point.

The voice itself (Vietnamese number reading, the phrase, the text-to-speech engine) is built
in ``kiosk/speech.py`` and ``devices/speech_espeak.py``; the composition root adapts it to
:class:`CallAudio` and hands it to :func:`hub.app.create_app`. Without one, the display shows
calls silently and says so on the page: a configuration, never a fake voice.
"""

from __future__ import annotations

from typing import Protocol


class CallAudio(Protocol):
    """Renders the spoken call for one ticket at one counter."""

    def call_wav(self, ticket_number: str, counter_number: int) -> bytes:
        """The call ("Mời công dân có số ... đến quầy số ...") as a WAV file's bytes."""
        ...


class FakeCallAudio:
    """Records what it was asked to say and answers a tiny silent WAV (tests only)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, int]] = []

    def call_wav(self, ticket_number: str, counter_number: int) -> bytes:
        """A 0.1 s silent WAV, after noting the call."""
        import io  # noqa: PLC0415 - tests only
        import wave  # noqa: PLC0415

        self.said.append((ticket_number, counter_number))
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\x00\x00" * 800)
        return buffer.getvalue()
