"""The voice's checks for ``kiosk doctor`` and the technician screen.

:func:`speech_checks` is a :data:`kiosk.doctor.CheckSource`: the configured voice is
built and renders a short greeting (the only proof that a voice works), and the sound
output (aplay and a sound card) is there to play it.
"""

from __future__ import annotations

import shutil
import subprocess

from devices.audio_file import FileAudioOutput
from devices.speech_engines import build_engine
from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus
from kiosk.kiosk_voice import AudioRoute
from kiosk.speech import SpeechError, SpeechState
from kiosk.wav_audio import measure

#: What the check asks the voice to say.
TEST_TEXT = "Xin chào."


def speech_checks(config: Config) -> list[Check]:
    """The voice, and (when there is one) the sound output."""
    voice = check_voice(config)
    if config.text("speech.engine") == "none" or config.text("speech.output") == "none":
        return [voice]
    if config.text("speech.output") == "file":
        return [voice, check_file_output(config)]
    return [voice, check_sound_output(AudioRoute.from_config(config))]


def check_file_output(config: Config) -> Check:
    """``speech.output = "file"``: the folder the sounds are saved in can be written."""
    output = FileAudioOutput.from_config(config)
    problem = output.available()
    if problem is not None:
        return Check("sound output", CheckStatus.FAULT, problem,
                     "check the data directory's permissions (kiosk doctor: data directory)")
    return Check("sound output", CheckStatus.OK, f"{output.description} (speech.output = file)")


def check_voice(config: Config) -> Check:
    """The configured voice can be built and renders a short text."""
    name = "voice"
    engine = build_engine(config)
    status = engine.status()
    if status.state is SpeechState.DISABLED:
        return Check(name, CheckStatus.WARNING, "speech.engine is none: nothing is spoken",
                     "set speech.engine = espeak (docs/speech.md)")
    if status.state is not SpeechState.READY:
        return Check(name, CheckStatus.FAULT, status.detail,
                     "install what the message names, or fix speech.* (docs/speech.md)")
    try:
        seconds = measure(engine.render(TEST_TEXT, "vi")).duration
    except (SpeechError, ValueError) as error:
        return Check(name, CheckStatus.FAULT, f"{engine.description}: {error}",
                     "fix the voice's installation or speech.* (docs/speech.md)")
    return Check(name, CheckStatus.OK, f"{engine.description}; says {TEST_TEXT!r} in "
                 f"{seconds:.1f} s")


def check_sound_output(route: AudioRoute | None = None) -> Check:
    """aplay is installed and ALSA sees a sound card; with ``route``, where the kiosk's
    voice goes and how loud (the loudspeaker, or the headphones in headphone mode)."""
    name = "sound output"
    if shutil.which("aplay") is None:
        return Check(name, CheckStatus.FAULT, "aplay is not installed",
                     "apt-get install alsa-utils (scripts/setup installs it)")
    try:
        listing = subprocess.run(
            ["aplay", "-l"], capture_output=True, text=True, timeout=5, check=False  # noqa: S607
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check(name, CheckStatus.WARNING, f"aplay -l failed: {error}",
                     "check the sound card (aplay -l)")
    cards = [line for line in listing.stdout.splitlines() if line.startswith("card ")]
    if not cards:
        return Check(name, CheckStatus.WARNING, "no sound card found: nothing will be heard",
                     "connect a loudspeaker or headphones (USB or the 3.5 mm jack); aplay -l")
    if route is None:
        return Check(name, CheckStatus.OK, cards[0])
    mode = "headphone mode" if route.headphones else "loudspeaker"
    return Check(name, CheckStatus.OK,
                 f"{cards[0]}; {mode} on {route.device} at {route.volume_percent}%")
