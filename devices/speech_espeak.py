"""espeak-ng's voices: the default speech engine (Debian package ``espeak-ng``).

Each text is one run of ``espeak-ng -v VOICE -s RATE -b 1 -w OUT.wav --stdin`` with the
text on standard input: UTF-8 (``-b 1``), never parsed as an option whatever it starts
with, and never visible in the process list. espeak-ng writes 22,050 Hz mono 16-bit WAV.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kiosk.config import Config
from kiosk.language import Language
from kiosk.speech import (
    RENDER_TIMEOUT_SECONDS,
    SpeechError,
    SpeechState,
    SpeechStatus,
    SpeechUnavailableError,
    UnavailableSpeechEngine,
)

BINARY = "espeak-ng"


class EspeakEngine:
    """:class:`kiosk.speech.SpeechEngine` running the espeak-ng program."""

    name = "espeak-ng"

    def __init__(
        self,
        binary: str,
        voices: dict[Language, str],
        *,
        rate: int = 175,
        timeout: float = RENDER_TIMEOUT_SECONDS,
    ) -> None:
        self.binary = binary
        self.voices = voices
        self.rate = rate
        self.timeout = timeout

    @property
    def description(self) -> str:
        """The program, voices and speed."""
        voices = ", ".join(f"{language}: {voice}" for language, voice in self.voices.items())
        return f"espeak-ng ({self.binary}) voices {voices} at {self.rate} words/min"

    def status(self) -> SpeechStatus:
        """READY while the program is there and knows every configured voice."""
        try:
            result = subprocess.run(  # noqa: S603 - a fixed program and option
                [self.binary, "--voices"], capture_output=True, timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return SpeechStatus(SpeechState.UNAVAILABLE, f"{self.binary} cannot run: {error}")
        known = known_voices(result.stdout.decode("utf-8", "replace"))
        missing = [voice for voice in self.voices.values() if voice.lower() not in known]
        if missing:
            return SpeechStatus(
                SpeechState.UNAVAILABLE,
                f"espeak-ng has no voice {', '.join(missing)} ('espeak-ng --voices' lists them)",
            )
        return SpeechStatus(SpeechState.READY, self.description)

    def voice_id(self, language: Language) -> str:
        """The voice for ``language`` and the speed."""
        return f"{self._voice(language)}@{self.rate}"

    def _voice(self, language: Language) -> str:
        voice = self.voices.get(language)
        if voice is None:
            raise SpeechUnavailableError(f"espeak-ng has no voice configured for {language}")
        return voice

    def render(self, text: str, language: Language) -> bytes:
        """``text`` spoken by the voice for ``language``, as WAV bytes."""
        voice = self._voice(language)
        with tempfile.TemporaryDirectory(prefix="speech-") as folder:
            out = Path(folder) / "speech.wav"
            command = [self.binary, "-v", voice, "-s", str(self.rate), "-b", "1",
                       "-w", str(out), "--stdin"]
            try:
                result = subprocess.run(  # noqa: S603 - a fixed program, the text on stdin
                    command, input=text.encode("utf-8"), capture_output=True,
                    timeout=self.timeout, check=False,
                )
            except FileNotFoundError as error:
                raise SpeechUnavailableError(f"{self.binary} is not installed") from error
            except subprocess.TimeoutExpired as error:
                raise SpeechError(f"espeak-ng took over {self.timeout:.0f} s") from error
            message = result.stderr.decode("utf-8", "replace").strip()
            if result.returncode != 0:
                raise SpeechError(f"espeak-ng exited {result.returncode}: {message}")
            if not out.is_file() or out.stat().st_size <= 44:
                # A text of spaces or punctuation alone gives a header and no sound.
                raise SpeechError(f"espeak-ng wrote no sound: {message or 'no message'}")
            return out.read_bytes()


def known_voices(listing: str) -> set[str]:
    """The names ``espeak-ng -v`` accepts, from the table ``espeak-ng --voices`` prints:
    each line's language, voice name and file (lower case)."""
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            names.update(
                {columns[1].lower(), columns[3].lower(), columns[4].lower(),
                 columns[4].rsplit("/", 1)[-1].lower()}
            )
    return names


def from_config(config: Config) -> EspeakEngine | UnavailableSpeechEngine:
    """The espeak-ng voice of ``speech.voice`` / ``speech.voice_en`` at ``speech.rate``, or
    the stand-in saying that espeak-ng is not installed."""
    binary = shutil.which(BINARY)
    if binary is None:
        return UnavailableSpeechEngine(
            "espeak-ng is not installed (Debian package espeak-ng; scripts/setup installs it)"
        )
    return EspeakEngine(
        binary,
        {"vi": config.text("speech.voice"), "en": config.text("speech.voice_en")},
        rate=config.number("speech.rate"),
    )
