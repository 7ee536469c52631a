"""A Piper voice that an operator installed: a neural voice, clearer than espeak-ng's.

Chosen only by configuration (``speech.engine = piper``, docs/speech.md): the ``piper``
program (``speech.piper_binary``: the ``piper-tts`` package's command, or the standalone
build) and a voice, an ``.onnx`` file with its ``.onnx.json`` beside it
(``speech.piper_model``; ``speech.piper_model_en`` for English). When the program or the
voice is missing, the engine is an :class:`~kiosk.speech.UnavailableSpeechEngine` saying
which: never a silent fallback to espeak-ng, so a technician sees the fault.

Each text is one run of ``piper --model VOICE.onnx --output_file OUT.wav --length_scale S``
with the text as one line on standard input (both Piper command lines accept these
spellings). ``speech.rate`` becomes the length scale: 175 words/min (espeak-ng's normal
pace) is the voice's own pace, slower rates stretch it.
"""

from __future__ import annotations

import os
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

#: The speaking rate, in words per minute, at which a Piper voice keeps its own pace.
NATURAL_RATE = 175


def length_scale(rate: int) -> float:
    """Piper's length scale for ``rate`` words per minute (above 1: slower)."""
    return round(NATURAL_RATE / rate, 3)


def voice_problem(model: Path) -> str | None:
    """What is wrong with the Piper voice file ``model``, or None when it is usable."""
    if model.suffix != ".onnx":
        return f"{model} is not a Piper voice (.onnx file)"
    if not model.is_file():
        return f"the Piper voice {model} does not exist"
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        return f"the Piper voice {model} has no {config.name} beside it"
    return None


def find_binary(binary: str) -> str | None:
    """The executable ``binary`` names (a path, or a name looked up on PATH)."""
    if os.sep in binary:
        path = Path(binary)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(binary)


class PiperEngine:
    """:class:`kiosk.speech.SpeechEngine` running the piper program with a voice file."""

    name = "piper"

    def __init__(
        self,
        binary: str,
        models: dict[Language, Path],
        *,
        rate: int = NATURAL_RATE,
        timeout: float = RENDER_TIMEOUT_SECONDS,
    ) -> None:
        self.binary = binary
        self.models = models
        self.rate = rate
        self.timeout = timeout

    @property
    def description(self) -> str:
        """The program, voices and speed."""
        voices = ", ".join(f"{language}: {model.name}" for language, model in self.models.items())
        return f"Piper ({self.binary}) voices {voices} at {self.rate} words/min"

    def status(self) -> SpeechStatus:
        """READY while the program and every configured voice file are there."""
        if find_binary(self.binary) is None:
            return SpeechStatus(SpeechState.UNAVAILABLE, f"{self.binary} is not installed")
        for model in self.models.values():
            problem = voice_problem(model)
            if problem is not None:
                return SpeechStatus(SpeechState.UNAVAILABLE, problem)
        return SpeechStatus(SpeechState.READY, self.description)

    def _model(self, language: Language) -> Path:
        model = self.models.get(language)
        if model is None:
            key = "speech.piper_model" + ("" if language == "vi" else f"_{language}")
            raise SpeechUnavailableError(f"no Piper voice for {language} ({key} is not set)")
        return model

    def voice_id(self, language: Language) -> str:
        """The voice file for ``language`` and the speed."""
        return f"{self._model(language)}@{self.rate}"

    def render(self, text: str, language: Language) -> bytes:
        """``text`` spoken by the Piper voice for ``language``, as WAV bytes."""
        model = self._model(language)
        problem = voice_problem(model)
        if problem is not None:
            raise SpeechUnavailableError(problem)
        # Piper reads one text per line: the whole text is said as one.
        line = " ".join(text.split())
        with tempfile.TemporaryDirectory(prefix="speech-") as folder:
            out = Path(folder) / "speech.wav"
            command = [self.binary, "--model", str(model), "--output_file", str(out),
                       "--length_scale", str(length_scale(self.rate))]
            try:
                result = subprocess.run(  # noqa: S603 - the configured program, text on stdin
                    command, input=(line + "\n").encode("utf-8"), capture_output=True,
                    timeout=self.timeout, check=False,
                )
            except OSError as error:
                raise SpeechUnavailableError(f"{self.binary} cannot run: {error}") from error
            except subprocess.TimeoutExpired as error:
                raise SpeechError(f"piper took over {self.timeout:.0f} s") from error
            if result.returncode != 0:
                message = result.stderr.decode("utf-8", "replace").strip().splitlines()
                raise SpeechError(
                    f"piper exited {result.returncode}: {message[-1] if message else ''}"
                )
            if not out.is_file() or out.stat().st_size <= 44:
                raise SpeechError("piper wrote no sound")
            return out.read_bytes()


def from_config(config: Config) -> PiperEngine | UnavailableSpeechEngine:
    """The Piper voices of ``speech.piper_model`` (and ``_en``) run by
    ``speech.piper_binary``, or the stand-in saying what is missing."""
    binary = config.text("speech.piper_binary")
    found = find_binary(binary)
    if found is None:
        return UnavailableSpeechEngine(
            f"the piper program {binary!r} is not installed (speech.piper_binary; "
            "docs/speech.md says how to install a Piper voice)"
        )
    if not config.text("speech.piper_model"):
        return UnavailableSpeechEngine(
            "no Piper voice is configured: set speech.piper_model to the voice's .onnx file"
        )
    models: dict[Language, Path] = {"vi": Path(config.text("speech.piper_model"))}
    if config.text("speech.piper_model_en"):
        models["en"] = Path(config.text("speech.piper_model_en"))
    for key, model in zip(("speech.piper_model", "speech.piper_model_en"),
                          models.values(), strict=False):
        problem = voice_problem(model)
        if problem is not None:
            return UnavailableSpeechEngine(f"{problem} ({key})")
    return PiperEngine(found, models, rate=config.number("speech.rate"))
